/**
 * Interactive charts in one self-contained HTML file: the vega, vega-lite
 * and vega-embed browser builds are inlined (no network, no CDN), data goes
 * in `<script type="application/json">` blocks, and the page calls
 * `vegaEmbed(element, spec, EMBED_OPTIONS)`.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { withPlotConfig } from "./config.js";

const require = createRequire(import.meta.url);

/** The browser builds inlined into a page: package, its entry, and the UMD file beside it. */
const LIBRARIES = [
  { name: "vega", file: "vega.min.js" },
  { name: "vega-lite", file: "vega-lite.min.js" },
  { name: "vega-embed", file: "vega-embed.min.js" },
] as const;

let cached: string | null = null;

/** Where a library's browser build lies: beside its package entry (its `exports` hide the path). */
function libraryFile(name: string, file: string): string {
  return path.join(path.dirname(require.resolve(name)), file);
}

/** Makes text safe inside `<script>…</script>`: no `</script` or `<!--` can end or open anything. */
export function scriptSafe(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** An inline classic `<script>` element. */
export function inlineScript(code: string): string {
  return `<script>${scriptSafe(code)}</script>`;
}

/** Data for the page: `<script type="application/json" id=…>`, read with `JSON.parse(el.textContent)`. */
export function jsonScript(id: string, data: unknown): string {
  // `<` escaped as \u003c: the JSON stays valid and nothing in it can close the element.
  const text = JSON.stringify(data).replace(/</g, "\\u003c");
  return `<script type="application/json" id="${id}">${text}</script>`;
}

/** The inlined vega, vega-lite and vega-embed browser builds (≈ 830 kB), as `<script>` elements. */
export function vegaLibraries(): string {
  cached ??= LIBRARIES.map(({ name, file }) =>
    inlineScript(fs.readFileSync(libraryFile(name, file), "utf8")),
  ).join("\n");
  return cached;
}

/** Versions of the inlined libraries (for a page's footer). */
export function vegaLibraryVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name } of LIBRARIES) {
    const text = fs.readFileSync(
      path.join(path.dirname(require.resolve(name)), "..", "package.json"),
      "utf8",
    );
    out[name] = (JSON.parse(text) as { version: string }).version;
  }
  return out;
}

/**
 * vega-embed options for pages opened from disk: SVG renderer, export to
 * SVG / PNG kept, and no action that opens a network address (editor, source).
 */
export const EMBED_OPTIONS = {
  renderer: "svg",
  actions: { export: true, source: false, compiled: false, editor: false },
} as const;

/** A spec ready for the browser: the shared look merged in, as `renderPlot` uses. */
export function interactiveSpec(spec: TopLevelSpec): TopLevelSpec {
  return withPlotConfig(spec);
}
