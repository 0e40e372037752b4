export {
  EMBED_OPTIONS,
  inlineScript,
  interactiveSpec,
  jsonScript,
  scriptSafe,
  vegaLibraries,
  vegaLibraryVersions,
} from "./html.js";
export type { RenderedPlot } from "./render.js";
export { PLOT_FONT, plotConfig, renderPlot, withPlotConfig } from "./render.js";
export type { BlockTimelinePoint, ChartSpec } from "./specs.js";
export {
  cacheTimelineSpec,
  confusionPairSpec,
  confusionSpec,
  DEFAULT_METHOD,
  gridSpec,
  ordersSpec,
  perClassSpec,
  runningAccuracySpec,
} from "./specs.js";
