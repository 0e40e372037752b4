export type { EvalReport, GzslSection, MethodSection, PredictionSummary, RunConfig } from "./eval-report.js";
export {
  EVAL_REPORT_FORMAT,
  EvalReportSchema,
  evalReportJsonSchema,
  GzslSectionSchema,
  MethodSectionSchema,
  PredictionSummarySchema,
  RunConfigSchema,
  readEvalReport,
} from "./eval-report.js";
export type { ComparedRun, Comparison, ComparisonHtmlResult, ComparisonRow } from "./html/compare.js";
export {
  comparisonFilesText,
  comparisonOf,
  comparisonPage,
  pairedText,
  REFERENCE_METHOD,
  writeComparisonHtml,
} from "./html/compare.js";
export type { PageData } from "./html/page-data.js";
export type {
  Clip,
  Playback,
  PlaybackLayout,
  PlaybackSequence,
  PlaybackSource,
  PlaybackSubject,
} from "./html/playback.js";
export {
  MAX_BODIES,
  MAX_FRAMES,
  noPlayback,
  PLAYBACK_NEIGHBOURS,
  PLAYBACK_SUBJECTS,
  packClip,
  playbackFrom,
  playbackLayout,
  playbackSubjects,
} from "./html/playback.js";
export type { CacheState, TracedMatch, TracedOrNote, TracedRun, TracedSample } from "./html/trace.js";
export { evenlySpaced, STATUS, sampleStatus } from "./html/trace.js";
export type { ReportHtmlInput, ReportHtmlResult } from "./html/write.js";
export { writeReportHtml } from "./html/write.js";
export type { RunDirectoryOptions, RunFiles } from "./run-directory.js";
export {
  fmt,
  predictionsCsv,
  renderReportPlots,
  reportMarkdown,
  SYNTHETIC_TAG,
  signedFmt,
  table,
  writeRunDirectory,
} from "./run-directory.js";
export type { RunFolder, RunPredictions } from "./run-folder.js";
export { readRunFolder } from "./run-folder.js";
export { paramsText, summaryText } from "./summary.js";
