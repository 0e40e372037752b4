import type { FusionWeights } from "@skeleton-cache/fusion";
import type { Prior } from "@skeleton-cache/prior";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import { checkStream, type MethodParams } from "@skeleton-cache/tta";

/** Which method runs, with which hyper-parameters and prior. */
export interface MethodSetup {
  /** Registry name (`@skeleton-cache/tta`'s `methodNames()`). */
  readonly method: string;
  /** Hyper-parameters; missing ones take the method's defaults. */
  readonly params: MethodParams;
  /** The split prior (used by the methods with fusion weights). */
  readonly prior: Prior;
  /** Masked fusion weights (ablations). */
  readonly weights?: FusionWeights;
  /** Retrieval kernel of the cache methods (default: WebAssembly where available). */
  readonly kernel?: "wasm" | "js";
}

/** Called once per finished pass (progress). */
export type Tick = () => void;

/** A stream's logits and descriptors, checked (and F described) once. */
type CheckedInput = ReturnType<typeof checkStream>;

const checkedInputs = new WeakMap<LabelledStream, CheckedInput>();

/**
 * The stream's logits and descriptors as a checked tta stream: checked
 * (finite), and described from F (Eq. 3–4) where it holds F, on the first
 * pass only.
 */
export function checkedInput(stream: LabelledStream): CheckedInput & { readonly descriptors: Tensor } {
  let input = checkedInputs.get(stream);
  if (!input) {
    input = checkStream(stream);
    checkedInputs.set(stream, input);
  }
  return input as CheckedInput & { readonly descriptors: Tensor };
}
