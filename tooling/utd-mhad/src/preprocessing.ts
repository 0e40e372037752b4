import type { Preprocessing } from "@skeleton-cache/datasets";

/**
 * The one preprocessing both training (through `prepare.ts`) and bundle
 * extraction use: resample every sequence to T = 64 frames (first and last
 * kept), one body, joints relative to the spine joint of the first frame.
 * Scale normalisation and frame differences happen inside the exported graph
 * (see `python/model.py`), so the ONNX input is exactly this.
 */
export const UTD_PREPROCESS: Readonly<Preprocessing> = Object.freeze({
  frames: 64,
  bodies: 1,
  temporal: "resample",
  center: "first-frame",
});

/** Input shape of every exported UTD-MHAD model: (N, 3, T, V, M). */
export const UTD_INPUT = Object.freeze({ channels: 3, frames: 64, joints: 20, persons: 1 });
