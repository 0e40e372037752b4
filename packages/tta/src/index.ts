export type { AdapterOptions, HedgeMode, StepResult } from "./adapter.js";
export { TestTimeAdapter } from "./adapter.js";
export type { OnlineOptions, OnlineRun, StreamInput } from "./online.js";
export { predictWithCache, runOnline, streamDescriptors } from "./online.js";
export type { CacheSnapshot, SampleTrace, TracedMatch, TraceOptions } from "./trace.js";
export { TraceRecorder } from "./trace.js";
