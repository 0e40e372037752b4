import { BODY_PARTS } from "./layouts.js";

/**
 * The descriptor slot layout (SPEC §2), owned here and imported everywhere
 * else: 4 body parts, 3 temporal phases, 1 global, in this order.
 */
export const TEMPORAL_PHASES = ["begin", "middle", "end"] as const;
export type TemporalPhase = (typeof TEMPORAL_PHASES)[number];

/** Number of spatial (body-part) slots. */
export const NUM_PARTS = BODY_PARTS.length;
/** Number of temporal-phase slots. */
export const NUM_PHASES = TEMPORAL_PHASES.length;
/** Number of descriptor slots D = parts + phases + global. */
export const NUM_SLOTS = NUM_PARTS + NUM_PHASES + 1;

/** Slot names in slot order. */
export const DESCRIPTOR_SLOTS = [
  ...BODY_PARTS.map((part) => `spatial.${part}` as const),
  ...TEMPORAL_PHASES.map((phase) => `temporal.${phase}` as const),
  "global",
] as const;
export type DescriptorSlot = (typeof DESCRIPTOR_SLOTS)[number];

/** Slot indices by role. */
export const SPATIAL_SLOTS: readonly number[] = BODY_PARTS.map((_, part) => part);
export const TEMPORAL_SLOTS: readonly number[] = TEMPORAL_PHASES.map((_, phase) => NUM_PARTS + phase);
export const GLOBAL_SLOT = NUM_PARTS + NUM_PHASES;
/** Every slot index, 0..D-1. */
export const ALL_SLOTS: readonly number[] = DESCRIPTOR_SLOTS.map((_, slot) => slot);
