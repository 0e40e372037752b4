import { describe, expect, it } from "vitest";
import {
  cacheTimelineSpec,
  confusionPairSpec,
  gridSpec,
  inlineScript,
  jsonScript,
  ordersSpec,
  perClassSpec,
  renderPlot,
  runningAccuracySpec,
  vegaLibraries,
  vegaLibraryVersions,
} from "./index.js";

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

describe("chart specs rendered headless", () => {
  it("renders every spec to SVG and PNG, the same bytes twice", async () => {
    const names = ["walk", "sit down"];
    const specs = {
      running: runningAccuracySpec("running", [1, 2, 3], [0, 50, 66.7], [100, 50, 66.7], "TDA"),
      perClass: perClassSpec("per class", names, [40, null], [60, 10]),
      pair: confusionPairSpec(
        "pair",
        names,
        [
          [3, 1],
          [2, 4],
        ],
        [
          [4, 0],
          [1, 5],
        ],
      ),
      grid: gridSpec("grid", [
        { alpha: 1, beta: 5, top1: 61.5 },
        { alpha: 2, beta: 5, top1: 62.25 },
      ]),
      orders: ordersSpec(
        "orders",
        [
          { seed: 1, top1: 60 },
          { seed: 2, top1: 64 },
        ],
        55,
      ),
      timeline: cacheTimelineSpec(
        "cache",
        names,
        [
          { position: 1, block: 0, fill: 1, entropy: 0.5, precision: 100 },
          { position: 1, block: 1, fill: 0, entropy: null, precision: null },
        ],
        8,
      ),
    };
    for (const [name, spec] of Object.entries(specs)) {
      const first = await renderPlot(name, spec, 300);
      const second = await renderPlot(name, spec, 300);
      expect(first.svg.startsWith("<svg"), name).toBe(true);
      expect(first.svg).toBe(second.svg);
      expect(Array.from(first.png.subarray(0, 4))).toEqual(PNG_MAGIC);
      expect(Buffer.from(first.png).equals(Buffer.from(second.png))).toBe(true);
    }
    const running = await renderPlot("r", specs.running, 300);
    expect(running.svg).toContain("TDA");
    const pair = await renderPlot("p", specs.pair, 300);
    // Both matrices, titled by model, with the method's series name by default.
    expect(pair.svg).toContain(">backbone<");
    expect(pair.svg).toContain(">Skeleton-Cache<");
    const timeline = await renderPlot("t", specs.timeline, 300);
    for (const heading of ["entries (of K = 8)", "mean entropy", "label precision (%)"])
      expect(timeline.svg).toContain(heading.replace("&", "&amp;"));
  });
});

describe("self-contained HTML pieces", () => {
  it("inlines the pinned browser builds without any way to close the script early", () => {
    expect(vegaLibraryVersions()).toEqual({ vega: "6.4.0", "vega-lite": "6.4.3", "vega-embed": "7.3.0" });
    const html = vegaLibraries();
    expect(html.match(/<script>/g)?.length).toBe(3);
    expect(html.match(/<\/script>/gi)?.length).toBe(3);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).toContain("vegaEmbed");
  });

  it("keeps data and code with </script> inside their element", () => {
    const data = { note: "a </script><script>alert(1)</script> b", n: [1, 2.5] };
    const element = jsonScript("d", data);
    expect(element.match(/<\/script>/g)?.length).toBe(1);
    const inner = element.slice(element.indexOf(">") + 1, element.lastIndexOf("</script>"));
    expect(JSON.parse(inner)).toEqual(data);
    const code = inlineScript('const s = "</SCRIPT>"; // <!-- x');
    expect(code.match(/<\/script>/gi)?.length).toBe(1);
    expect(code).not.toContain("<!--");
  });
});
