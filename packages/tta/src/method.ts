import type { FusionWeights } from "@skeleton-cache/fusion";
import type { Prior } from "@skeleton-cache/prior";
import type { z } from "zod";

/**
 * One sample of a stream, where a step reads it: base logits φ̂ (U values
 * from `logitsOffset`) and descriptors (8, C) from `descriptorOffset`.
 * `id` names the sample in the method's memory (its index in the bundle).
 */
export interface SampleRef {
  readonly logits: Float32Array;
  readonly logitsOffset: number;
  readonly descriptors: Float32Array;
  readonly descriptorOffset: number;
  readonly id: number;
}

/**
 * What a method did with one sample. Methods return the same object from
 * every step (no allocation per sample): read it before the next step, or copy it.
 */
export interface StepResult {
  /** argmax of the base logits. */
  readonly baselinePred: number;
  /** argmax of the refined logits: the sample's reported prediction. */
  readonly refinedPred: number;
  /** Entropy of softmax(refined logits). */
  readonly entropy: number;
  /** Whether the sample entered the method's memory (its predicted block, for cache methods). */
  readonly inserted: boolean;
  /** Runner-up block the hedge tried (Skeleton-Cache, SPEC §3), or -1 where it did not apply. */
  readonly hedgeBlock: number;
  /** Whether the hedge block took the sample. */
  readonly hedgeInserted: boolean;
}

/** The entries of one class block, in block position order. */
export interface BlockSnapshot {
  readonly ids: number[];
  readonly entropies: number[];
}

/** One memory of a method: class blocks of at most K entries, or (K null) one growing list. */
export interface MemorySnapshot {
  readonly name: string;
  /** K: entries per class block; null for a memory without a cap. */
  readonly K: number | null;
  /** Class blocks (U of them), or one block holding every entry where the memory is not per class. */
  readonly blocks: BlockSnapshot[];
}

/** A method's state as plain data (a copy: later steps do not change it). */
export interface MethodSnapshot {
  readonly method: string;
  readonly steps: number;
  readonly memories: MemorySnapshot[];
}

/**
 * A test-time method: one streaming step (base logits + descriptors in,
 * refined logits out), reset and snapshot. Nothing is trained; the
 * backbone is never touched.
 */
export interface TestTimeMethod {
  /** The registry name of the method (e.g. "skeleton-cache"). */
  readonly name: string;
  readonly numClasses: number;
  readonly channels: number;
  /** Refined logits of the last step or predict (U values, overwritten by each call). */
  readonly refinedLogits: Float64Array;
  /** Samples stepped since the last reset. */
  readonly steps: number;
  /** Whether every class block holds its K entries (always false for a method without class blocks). */
  readonly blocksFull: boolean;
  /** Refines one sample against the memory built from the samples before it, then updates the memory. */
  step(sample: SampleRef): StepResult;
  /**
   * Refined prediction against the memory as it is now, without updating it
   * (the reference protocol's second pass, SPEC §7). Only methods whose
   * capabilities say `blocksFill` support it; the others throw.
   */
  predict(sample: SampleRef): number;
  /** Empties the memory and the step count (a new stream). */
  reset(): void;
  snapshot(): MethodSnapshot;
}

/** A declared hyper-parameter. */
export type ParamSpec =
  | {
      readonly kind: "number" | "integer";
      readonly description: string;
      readonly default: number;
      readonly min: number;
      readonly max?: number;
    }
  | {
      readonly kind: "choice";
      readonly description: string;
      readonly default: string;
      readonly choices: readonly string[];
    };

/** Hyper-parameter values by name (numbers, or strings for choices). */
export type MethodParams = Readonly<Record<string, number | string>>;

/** What protocols may do with a method. */
export interface MethodCapabilities {
  /**
   * Its class blocks hold at most K entries each and can all fill, so the reference
   * protocol's second pass (every block full → re-score against the final
   * memory) applies; `predict` works.
   */
  readonly blocksFill: boolean;
  /** It weighs descriptor slots with the prior's class weights (Eq. 9): the slot and prior ablations apply. */
  readonly fusionWeights: boolean;
  /** The descriptor slots it reads: all eight, or the global one (slot 7). */
  readonly slots: "all" | "global";
}

/** What a method is built for: the stream's shape and the prior. */
export interface MethodContext {
  /** U: candidate classes. */
  readonly numClasses: number;
  /** C: channels of each descriptor. */
  readonly channels: number;
  /** The split prior covering classes 0..U-1 (methods without fusion ignore it). */
  readonly prior: Prior;
  /** Overrides the prior-derived fusion weights (ablations; fusion methods only). */
  readonly weights?: FusionWeights;
  /** Retrieval kernel of the cache methods: "wasm" (default where available) or "js"; same predictions. */
  readonly kernel?: "wasm" | "js";
}

/**
 * A method as its author writes it: its name, citation, hyper-parameters
 * with defaults, validation grid, capabilities and factory. `registerMethod`
 * turns it into a registry entry (`MethodSpec`), deriving the zod config
 * schema from `params`.
 */
export interface MethodDefinition {
  /** Registry name: lower-case letters, digits, ".", "_", "-" ("auto" and "all" are reserved). */
  readonly name: string;
  /** How tables and reports name it. */
  readonly title: string;
  /** One line: what it does. */
  readonly description: string;
  /** Where its equations come from. */
  readonly reference: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /**
   * The points the validation and reference protocols sweep: each key a
   * numeric parameter, the cartesian product in key order (first key outermost).
   */
  readonly grid: Readonly<Record<string, readonly number[]>>;
  readonly capabilities: MethodCapabilities;
  /** Lookup returns the method of highest priority under a name (default 0). */
  readonly priority?: number;
  /** The package that ships it (a second installed copy of that package then registers nothing new). */
  readonly origin?: string;
  /** Builds the method; `params` are complete and valid (see `resolveMethodParams`). */
  create(context: MethodContext, params: MethodParams): TestTimeMethod;
}

/** A registered method: its definition and its hyper-parameters as one zod schema (strict, defaults applied). */
export interface MethodSpec extends MethodDefinition {
  readonly configSchema: z.ZodType<MethodParams>;
}
