export type { DescriptorOptions, DescriptorSlot, PhaseRange } from "./descriptors.js";
export {
  DESCRIPTOR_SLOTS,
  DescriptorExtractor,
  extractDescriptors,
  NUM_SLOTS,
  phaseRanges,
  slotNames,
} from "./descriptors.js";
