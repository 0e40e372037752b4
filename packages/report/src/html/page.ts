/**
 * report.html: one self-contained file (no network; scripts, styles and
 * data inlined) that opens from disk. The browser code is `client.js` and
 * the look `style.css` in the package's browser/ folder (plain files,
 * shipped in its tarball, read when a page is built).
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import {
  EMBED_OPTIONS,
  inlineScript,
  jsonScript,
  vegaLibraries,
  vegaLibraryVersions,
} from "@skeleton-cache/plots";
import type { PageData } from "./page-data.js";

/** A browser asset of the package's browser/ folder (two levels up from src/html/ and from dist/html/). */
export function asset(name: string): string {
  const file = fileURLToPath(new URL(`../../browser/${name}`, import.meta.url));
  if (!fs.existsSync(file))
    throw new Error(`report asset ${name} is missing (${file}): the package is installed incompletely`);
  return fs.readFileSync(file, "utf8");
}

/** Text as HTML: the five special characters as character references. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SECTIONS = [
  ["headline", "Headline"],
  ["plots", "Plots"],
  ["explorer", "Sample explorer"],
  ["cache", "The cache over time"],
  ["playback", "Skeleton playback"],
] as const;

/** The chart hosts of the plots section, in page order (those the data has). */
const PLOT_ORDER = ["perClass", "confusion", "running", "grid", "orders"] as const;

function chartHost(name: string): string {
  return `<div class="chart" id="chart-${name}" data-chart="${name}"></div>`;
}

/** The whole page as text. */
export function reportPage(data: PageData): string {
  const versions = vegaLibraryVersions();
  const plots = PLOT_ORDER.filter((name) => name in data.charts)
    .map(chartHost)
    .join("\n");
  const nav = SECTIONS.map(([id, label]) => `<a href="#${id}">${label}</a>`).join(" · ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<title>${escapeHtml(data.title)}</title>
<style>${asset("style.css")}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<nav>${nav}</nav>
</header>
<main>
<section id="headline"><h2>Headline</h2><div id="banners"></div><div id="figures" class="figures"></div><p id="protocol"></p><table id="setup" class="kv"></table></section>
<section id="plots"><h2>Plots</h2>
${plots}
</section>
<section id="explorer"><h2>Sample explorer</h2>
<p class="hint">Filter the samples (or click a confusion-matrix cell or a class bar above), then pick one: its backbone and refined top-5, the eight per-descriptor class scores O and the fusion weights w that combined them (Eq. 9–12), and the cached entries it matched most.</p>
<div class="filters">
<label>status <select id="filter-status"></select></label>
<label>true class <select id="filter-class"></select></label>
<span id="cell-filter" hidden>confusion cell <strong id="cell-filter-text"></strong> <button id="cell-filter-clear" type="button">clear</button></span>
<span id="filter-count"></span>
</div>
<div class="explorer">
<div class="list"><table id="sample-list"><thead><tr><th>pos.</th><th>sample</th><th>true class</th><th>backbone</th><th>reported</th><th>status</th></tr></thead><tbody></tbody></table></div>
<div id="sample-detail" class="detail"></div>
</div>
</section>
<section id="cache"><h2>The cache over time</h2>
<p class="hint">Each class block along the stream: how many entries it holds, their mean entropy, and the share whose true label is the block's class.</p>
${"cache" in data.charts ? chartHost("cache") : `<p class="note">${escapeHtml(data.trace.note ?? "")}</p>`}
</section>
<section id="playback"><h2>Skeleton playback</h2>
<p id="playback-note" class="note"></p>
<div id="player" hidden>
<div class="player-controls">
<label>sample <select id="clip-select"></select></label>
<button id="play-toggle" type="button">Play</button>
<input id="frame-slider" type="range" min="0" max="0" value="0" aria-label="frame">
<span id="frame-label"></span>
</div>
<div id="player-stage" class="stage"></div>
</div>
</section>
</main>
<footer>Built by <code>skc report</code> from <code>${escapeHtml(data.source.runDir)}</code> (report.json + the bundle). Plots: vega ${versions.vega}, vega-lite ${versions["vega-lite"]}, vega-embed ${versions["vega-embed"]}, inlined; this file needs no network.</footer>
${jsonScript("skc-data", { ...data, embedOptions: EMBED_OPTIONS })}
${vegaLibraries()}
${inlineScript(asset("client.js"))}
</body>
</html>
`;
}
