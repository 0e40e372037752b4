export { PLOT_FONT, plotConfig, withPlotConfig } from "./config.js";
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
export { renderPlot } from "./render.js";
export type { BlockTimelinePoint, ChartSpec, PairedDifferencePoint } from "./specs.js";
export {
  cacheTimelineSpec,
  confusionPairSpec,
  confusionSpec,
  DEFAULT_METHOD,
  gridSpec,
  ordersSpec,
  pairedDifferenceSpec,
  perClassSeriesSpec,
  perClassSpec,
  runningAccuracySpec,
} from "./specs.js";
