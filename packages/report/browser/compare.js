// compare.html's browser code (inlined into the page by html/compare.ts;
// plain ES2020, no modules, no network): draws the charts of the JSON block
// #skc-compare with vega-embed. The tables are in the HTML already. State
// for tests lives in data-* attributes.
(() => {
  const data = JSON.parse(document.getElementById("skc-compare").textContent);
  const jobs = Object.entries(data.charts).map(([name, spec]) => {
    const host = document.getElementById(`chart-${name}`);
    if (!host) return Promise.resolve();
    return window
      .vegaEmbed(host, spec, data.embedOptions)
      .then(() => {
        host.dataset.rendered = "true";
      })
      .catch((error) => {
        host.dataset.rendered = "error";
        const note = document.createElement("p");
        note.className = "note";
        note.textContent = `This plot could not be drawn: ${error.message}`;
        host.append(note);
        console.error(`chart ${name}:`, error);
      });
  });
  Promise.all(jobs).then(() => {
    document.body.dataset.chartsRendered = "true";
    document.body.dataset.ready = "true";
  });
})();
