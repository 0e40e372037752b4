export type { DescriptorBatch, DescriptorOptions, PhaseRange } from "./descriptors.js";
export { DescriptorExtractor, extractDescriptors, phaseRanges } from "./descriptors.js";
