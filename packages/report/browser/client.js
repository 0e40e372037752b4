// report.html's browser code (inlined into the page by page.ts; plain
// ES2020, no modules, no network). Reads the JSON block #skc-data and fills
// the page: headline, interactive plots (vega-embed), the sample explorer
// and the skeleton player. State for tests lives in data-* attributes.
(() => {
  const data = JSON.parse(document.getElementById("skc-data").textContent);
  const U = data.classes.length;
  const N = data.samples.label.length;

  /** Element builder: el("td", { class: "x" }, "text", child). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes ?? {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const className = (u) => `${u}: ${data.classes[u].name}`;
  const fixed = (value, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : "—");

  // ------------------------------------------------------------ headline
  function headline() {
    const banners = document.getElementById("banners");
    if (data.protocol.oracle) {
      banners.append(
        el(
          "div",
          { class: "banner oracle", id: "oracle-banner" },
          el("strong", {}, data.protocol.oracle.title),
          " ",
          data.protocol.oracle.text,
        ),
      );
    }
    if (data.synthetic) {
      banners.append(
        el("div", { class: "banner synthetic" }, el("strong", {}, "SYNTHETIC. "), data.synthetic),
      );
    }
    const figures = document.getElementById("figures");
    figures.append(el("h3", {}, data.resultsHeading));
    for (const figure of data.headline) {
      figures.append(
        el(
          "div",
          { class: "figure" },
          el("div", { class: "value" }, figure.value),
          el("div", { class: "label" }, figure.label),
        ),
      );
    }
    document
      .getElementById("protocol")
      .append(el("strong", {}, "Protocol: "), data.protocol.description, ".");
    const setup = document.getElementById("setup");
    for (const [key, value] of data.setup) setup.append(el("tr", {}, el("th", {}, key), el("td", {}, value)));
  }

  // ------------------------------------------------------------ charts
  function charts() {
    const jobs = Object.entries(data.charts).map(([name, spec]) => {
      const host = document.getElementById(`chart-${name}`);
      if (!host) return Promise.resolve();
      return window
        .vegaEmbed(host, spec, data.embedOptions)
        .then((result) => {
          result.view.addEventListener("click", (_event, item) => chartClicked(name, item?.datum));
          host.dataset.rendered = "true";
        })
        .catch((error) => {
          host.dataset.rendered = "error";
          host.append(el("p", { class: "note" }, `This plot could not be drawn: ${error.message}`));
          console.error(`chart ${name}:`, error);
        });
    });
    Promise.all(jobs).then(() => {
      document.body.dataset.chartsRendered = "true";
    });
  }

  /** Class index from an axis label "u: name". */
  const classOf = (label) => Number(String(label).split(":")[0]);

  /** A click on a chart narrows the explorer: a confusion cell to its samples, a class bar to its class. */
  function chartClicked(name, datum) {
    if (!datum) return;
    if (name === "confusion" && datum.truth !== undefined) {
      cellFilter = { model: datum.model, truth: classOf(datum.truth), predicted: classOf(datum.predicted) };
      document.getElementById("filter-status").value = "all";
      document.getElementById("filter-class").value = "all";
    } else if (name === "perClass" && datum.cls !== undefined) {
      cellFilter = null;
      document.getElementById("filter-class").value = String(classOf(datum.cls));
    } else {
      return;
    }
    list(true);
    document.getElementById("explorer").scrollIntoView();
  }

  // ------------------------------------------------------------ explorer
  const STATUS = [
    { key: "unchanged-right", label: "unchanged, right" },
    { key: "unchanged-wrong", label: "unchanged, wrong" },
    { key: "flipped-right", label: "flipped right" },
    { key: "flipped-wrong", label: "flipped wrong" },
    { key: "changed-wrong", label: "changed, still wrong" },
  ];
  const FILTERS = [
    { key: "all", label: "all", test: () => true },
    { key: "flipped-right", label: "flipped right (backbone wrong → right)", test: (s) => s === 2 },
    { key: "flipped-wrong", label: "flipped wrong (backbone right → wrong)", test: (s) => s === 3 },
    { key: "changed-wrong", label: "changed, still wrong", test: (s) => s === 4 },
    { key: "unchanged", label: "unchanged", test: (s) => s <= 1 },
  ];
  /** Rows listed at most (the count says how many matched). */
  const LIST_LIMIT = 300;
  const byPosition = Array.from({ length: N }, (_, i) => i).sort(
    (a, b) => data.samples.position[a] - data.samples.position[b],
  );
  let selected = -1;
  /** A confusion cell chosen on the plot: { model, truth, predicted }, or null. */
  let cellFilter = null;

  function explorer() {
    const status = document.getElementById("filter-status");
    for (const f of FILTERS) {
      const count = f.key === "all" ? N : data.samples.status.filter((s) => f.test(s)).length;
      status.append(el("option", { value: f.key }, `${f.label} (${count})`));
    }
    const cls = document.getElementById("filter-class");
    cls.append(el("option", { value: "all" }, "all"));
    for (let u = 0; u < U; u++) cls.append(el("option", { value: String(u) }, className(u)));
    status.addEventListener("change", () => list(true));
    cls.addEventListener("change", () => list(true));
    document.getElementById("cell-filter-clear").addEventListener("click", () => {
      cellFilter = null;
      list(true);
    });
    const firstFlip = byPosition.find((i) => data.samples.status[i] === 2 || data.samples.status[i] === 3);
    list(false);
    showSample(firstFlip ?? byPosition[0]);
  }

  function list(selectFirst) {
    const filter =
      FILTERS.find((f) => f.key === document.getElementById("filter-status").value) ?? FILTERS[0];
    const cls = document.getElementById("filter-class").value;
    const inCell = (i) =>
      cellFilter === null ||
      (data.samples.label[i] === cellFilter.truth &&
        (cellFilter.model === "backbone" ? data.samples.base[i] : data.samples.reported[i]) ===
          cellFilter.predicted);
    const matching = byPosition.filter(
      (i) =>
        filter.test(data.samples.status[i]) &&
        (cls === "all" || data.samples.label[i] === Number(cls)) &&
        inCell(i),
    );
    const chip = document.getElementById("cell-filter");
    chip.hidden = cellFilter === null;
    if (cellFilter !== null)
      document.getElementById("cell-filter-text").textContent =
        `${cellFilter.model}: true ${className(cellFilter.truth)} → predicted ${className(cellFilter.predicted)}`;
    const body = document.querySelector("#sample-list tbody");
    body.replaceChildren(
      ...matching.slice(0, LIST_LIMIT).map((i) => {
        const s = data.samples.status[i];
        return el(
          "tr",
          { "data-sample": i, class: i === selected ? "selected" : null, onclick: () => showSample(i) },
          el("td", {}, data.samples.position[i]),
          el("td", {}, i),
          el("td", {}, className(data.samples.label[i])),
          el("td", {}, data.samples.base[i]),
          el("td", {}, data.samples.reported[i]),
          el("td", {}, el("span", { class: `status s${s}` }, STATUS[s].label)),
        );
      }),
    );
    const count = document.getElementById("filter-count");
    count.textContent = `${matching.length} sample${matching.length === 1 ? "" : "s"}${matching.length > LIST_LIMIT ? ` (first ${LIST_LIMIT} listed)` : ""}`;
    count.dataset.count = String(matching.length);
    if (selectFirst && matching.length > 0) showSample(matching[0]);
  }

  function topTable(caption, flat) {
    const rows = [];
    for (let k = 0; k < flat.length; k += 2)
      rows.push(
        el("tr", {}, el("td", {}, className(flat[k])), el("td", { class: "num" }, fixed(flat[k + 1]))),
      );
    return el(
      "table",
      { class: "top" },
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, el("th", {}, "class"), el("th", {}, "p"))),
      el("tbody", {}, rows),
    );
  }

  /** O, w and the fused logits for the classes that matter to this sample. */
  function scoreTable(sample, trace) {
    const classes = new Set([data.samples.label[sample]]);
    const base = data.samples.baseTop[sample];
    const refined = data.samples.refinedTop ? data.samples.refinedTop[sample] : [];
    for (let k = 0; k < base.length; k += 2) classes.add(base[k]);
    for (let k = 0; k < refined.length; k += 2) classes.add(refined[k]);
    const columns = [...classes].sort((a, b) => a - b);
    const alpha = data.params.alpha;
    const max = Math.max(1e-12, ...columns.flatMap((u) => data.slots.map((_, d) => trace.scores[d * U + u])));
    const head = el(
      "tr",
      {},
      el("th", {}, "slot"),
      el("th", { title: "fusion weight of the backbone's class (Eq. 9)" }, "w"),
      columns.map((u) => el("th", { title: className(u) }, u)),
    );
    const rows = data.slots.map((slot, d) =>
      el(
        "tr",
        {},
        el("th", {}, slot),
        el("td", { class: "num" }, fixed(trace.weights[d])),
        columns.map((u) => {
          const v = trace.scores[d * U + u];
          return el("td", { class: "num heat", style: `--heat:${(v / max).toFixed(3)}` }, fixed(v));
        }),
      ),
    );
    const fused = (u) =>
      data.slots.reduce((sum, _, d) => sum + trace.weights[d] * trace.scores[d * U + u], 0);
    const extra = [
      ["s = w·O (Eq. 11)", (u) => fixed(fused(u))],
      ["φ̂ base logit", (u) => fixed(trace.base[u])],
      [`φ = φ̂ + ${alpha}·s (Eq. 12)`, (u) => fixed(trace.refined[u])],
    ].map(([name, value]) =>
      el(
        "tr",
        { class: "sum" },
        el("th", {}, name),
        el("td", {}),
        columns.map((u) => el("td", { class: "num" }, value(u))),
      ),
    );
    return el(
      "table",
      { class: "scores", id: "score-table" },
      el("caption", {}, "Per-descriptor class scores O (Eq. 10) against the cache before this sample"),
      el("thead", {}, head),
      el("tbody", {}, rows, extra),
    );
  }

  function matchTable(trace) {
    if (trace.matches.length === 0)
      return el("p", { class: "note" }, "The cache was empty when this sample arrived.");
    const clips = playbackClips();
    const rows = trace.matches.map((m, k) =>
      el(
        "tr",
        {},
        el("td", {}, k + 1),
        el(
          "td",
          {},
          m[0],
          clips.has(m[0])
            ? el("button", { type: "button", class: "mini", onclick: () => playSample(m[0]) }, "▶")
            : null,
        ),
        el("td", {}, className(data.samples.label[m[0]])),
        el("td", {}, className(m[1])),
        el("td", { class: "num" }, fixed(m[2])),
        el(
          "td",
          { class: "num small" },
          m
            .slice(3)
            .map((a) => fixed(a, 2))
            .join(" "),
        ),
      ),
    );
    return el(
      "table",
      { class: "matches", id: "match-table" },
      el("caption", {}, "Cached entries it matched most (share of s in their block's class)"),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", {}, "#"),
          el("th", {}, "cached sample"),
          el("th", {}, "its true class"),
          el("th", {}, "block"),
          el("th", {}, "w·a"),
          el("th", {}, `a per slot (${data.slots.length})`),
        ),
      ),
      el("tbody", {}, rows),
    );
  }

  function showSample(sample) {
    if (sample === undefined) return;
    selected = sample;
    for (const row of document.querySelectorAll("#sample-list tr.selected")) row.classList.remove("selected");
    document.querySelector(`#sample-list tr[data-sample="${sample}"]`)?.classList.add("selected");
    const detail = document.getElementById("sample-detail");
    detail.dataset.sample = String(sample);
    const s = data.samples.status[sample];
    const trace = data.trace.samples[sample];
    const parts = [
      el("h3", {}, `Sample ${sample} — stream position ${data.samples.position[sample]}`),
      el(
        "p",
        {},
        `true class ${className(data.samples.label[sample])}; backbone ${className(data.samples.base[sample])}; reported ${className(data.samples.reported[sample])} `,
        el("span", { class: `status s${s}` }, STATUS[s].label),
        data.secondPass
          ? " (reported = the second pass against the final cache; the tables below are the online pass)"
          : "",
      ),
      el(
        "div",
        { class: "tops" },
        topTable("backbone top-5 (softmax φ̂)", data.samples.baseTop[sample]),
        data.samples.refinedTop
          ? topTable("refined top-5 (softmax φ, online)", data.samples.refinedTop[sample])
          : null,
      ),
    ];
    if (trace) {
      parts.push(scoreTable(sample, trace), matchTable(trace));
      parts.push(
        el(
          "p",
          { class: "small" },
          `entropy of the refined posterior ${fixed(trace.entropy)}; ${trace.inserted ? "entered" : "did not enter"} the block of its prediction${trace.hedgeBlock >= 0 ? `; hedge tried block ${trace.hedgeBlock}` : ""}.`,
        ),
      );
    } else {
      parts.push(
        el(
          "p",
          { class: "note" },
          data.trace.note ??
            "Not traced: the page keeps scores and matches for every changed sample and an even spread of the unchanged ones (a capped set).",
        ),
      );
    }
    detail.replaceChildren(...parts);
    if (playbackClips().has(sample)) playSample(sample, false);
  }

  // ------------------------------------------------------------ playback
  let clipIndex = null;
  function playbackClips() {
    if (!clipIndex) {
      clipIndex = new Map();
      for (const clip of data.playback.clips) {
        const bytes = Uint8Array.from(atob(clip.data), (c) => c.charCodeAt(0));
        clipIndex.set(clip.sample, { ...clip, bytes });
      }
    }
    return clipIndex;
  }

  const player = { main: null, neighbours: [], frame: 0, timer: null };
  const SIZE = 200;
  const ABSENT = 255;
  const BODY_COLOURS = ["#1f77b4", "#ff7f0e"];

  function drawClip(canvas, clip, fraction) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, SIZE, SIZE);
    const V = data.playback.layout.numJoints;
    const frame = Math.min(clip.frames - 1, Math.round(fraction * (clip.frames - 1)));
    const at = (m, v) => {
      const i = ((frame * clip.bodies + m) * V + v) * 2;
      const x = clip.bytes[i];
      const y = clip.bytes[i + 1];
      return x === ABSENT ? null : [8 + (x / 254) * (SIZE - 16), SIZE - 8 - (y / 254) * (SIZE - 16)];
    };
    for (let m = 0; m < clip.bodies; m++) {
      ctx.strokeStyle = BODY_COLOURS[m % 2];
      ctx.fillStyle = BODY_COLOURS[m % 2];
      ctx.lineWidth = 2;
      for (const [a, b] of data.playback.layout.bones) {
        const p = at(m, a);
        const q = at(m, b);
        if (!p || !q) continue;
        ctx.beginPath();
        ctx.moveTo(p[0], p[1]);
        ctx.lineTo(q[0], q[1]);
        ctx.stroke();
      }
      for (let v = 0; v < V; v++) {
        const p = at(m, v);
        if (p) ctx.fillRect(p[0] - 1.5, p[1] - 1.5, 3, 3);
      }
    }
    canvas.dataset.frame = String(frame);
  }

  function render() {
    const { main } = player;
    if (!main) return;
    const fraction = main.frames > 1 ? player.frame / (main.frames - 1) : 0;
    drawClip(document.getElementById("player-main"), main, fraction);
    for (const [k, clip] of player.neighbours.entries())
      drawClip(document.getElementById(`player-n${k}`), clip, fraction);
    document.getElementById("frame-slider").value = String(player.frame);
    document.getElementById("frame-label").textContent =
      `frame ${player.frame + 1} / ${main.frames} (of ${main.sourceFrames} recorded)`;
  }

  function stop() {
    if (player.timer !== null) clearInterval(player.timer);
    player.timer = null;
    document.getElementById("play-toggle").textContent = "Play";
    document.getElementById("player").dataset.playing = "false";
  }

  function start() {
    stop();
    const main = player.main;
    // Recorded at data.playback.fps; frames were subsampled, so each kept frame lasts longer.
    const interval = (1000 / data.playback.fps) * (main.sourceFrames / main.frames);
    player.timer = setInterval(() => {
      player.frame = (player.frame + 1) % main.frames;
      render();
    }, interval);
    document.getElementById("play-toggle").textContent = "Pause";
    document.getElementById("player").dataset.playing = "true";
  }

  function figure(id, clip, caption) {
    return el(
      "figure",
      {},
      el("canvas", { id, width: SIZE, height: SIZE, "data-sample": clip.sample }),
      el("figcaption", {}, caption),
    );
  }

  function playSample(sample, autoplay = true) {
    const clips = playbackClips();
    const main = clips.get(sample);
    if (!main) return;
    const subject = data.playback.subjects.find((s) => s.sample === sample);
    const neighbourIds = subject
      ? subject.neighbours
      : (data.trace.samples[sample]?.matches ?? []).map((m) => m[0]);
    player.main = main;
    player.neighbours = neighbourIds
      .filter((id) => clips.has(id))
      .slice(0, 3)
      .map((id) => clips.get(id));
    player.frame = 0;
    const select = document.getElementById("clip-select");
    if (![...select.options].some((o) => o.value === String(sample)))
      select.append(el("option", { value: String(sample) }, `${sample}: ${main.name}`));
    select.value = String(sample);
    const stage = document.getElementById("player-stage");
    stage.replaceChildren(
      figure(
        "player-main",
        main,
        `sample ${sample} (${main.name}): true ${className(data.samples.label[sample])}, backbone ${data.samples.base[sample]}, reported ${data.samples.reported[sample]}`,
      ),
      ...player.neighbours.map((clip, k) =>
        figure(
          `player-n${k}`,
          clip,
          `cached neighbour ${k + 1}: sample ${clip.sample} (${clip.name}), true ${className(data.samples.label[clip.sample])}`,
        ),
      ),
    );
    const slider = document.getElementById("frame-slider");
    slider.max = String(main.frames - 1);
    render();
    if (autoplay) start();
  }

  function playback() {
    const note = document.getElementById("playback-note");
    note.textContent = data.playback.note;
    if (!data.playback.available || data.playback.subjects.length === 0) {
      document.getElementById("playback").dataset.available = "false";
      return;
    }
    document.getElementById("playback").dataset.available = "true";
    const playerBox = document.getElementById("player");
    playerBox.hidden = false;
    const select = document.getElementById("clip-select");
    const clips = playbackClips();
    for (const subject of data.playback.subjects) {
      const s = data.samples.status[subject.sample];
      select.append(
        el(
          "option",
          { value: String(subject.sample) },
          `${subject.sample}: ${clips.get(subject.sample).name} (${STATUS[s].label})`,
        ),
      );
    }
    select.addEventListener("change", () => playSample(Number(select.value), player.timer !== null));
    document
      .getElementById("play-toggle")
      .addEventListener("click", () => (player.timer === null ? start() : stop()));
    document.getElementById("frame-slider").addEventListener("input", (event) => {
      stop();
      player.frame = Number(event.target.value);
      render();
    });
    playSample(data.playback.subjects[0].sample, false);
  }

  headline();
  charts();
  playback();
  explorer();
  document.body.dataset.ready = "true";
})();
