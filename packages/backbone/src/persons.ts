import { ShapeError, ValueError } from "@skeleton-cache/errors";
import type { Tensor } from "@skeleton-cache/tensor";

/**
 * Averages per-person features (N·M, C, T, V) — person m of sample n at row
 * n·M + m, the layout of ST-GCN-style backbones that fold persons into the
 * batch — into (N, C, T, V) (SPEC §1: F is the mean over persons).
 */
export function averagePersons(features: Tensor, persons: number, name = "features"): Tensor {
  if (!Number.isInteger(persons) || persons < 1) {
    throw new ValueError(`${name}: persons is ${persons}; it must be a positive integer`, {
      field: "persons",
      value: persons,
    });
  }
  if (features.shape.length !== 4) {
    throw new ShapeError(
      `${name}: expected 4 dimensions (N·M, C, T, V), got (${features.shape.join(", ")})`,
      { field: name, value: [...features.shape], expected: "(N·M, C, T, V)" },
    );
  }
  const [rows, channels, frames, joints] = features.shape as [number, number, number, number];
  if (rows % persons !== 0) {
    throw new ShapeError(
      `${name}: first dimension ${rows} is not a multiple of the ${persons} persons; shape (${features.shape.join(", ")})`,
      { field: name, value: [...features.shape], position: 0, expected: `multiple of ${persons}` },
    );
  }
  if (persons === 1) return features; // one person: the mean is the features themselves
  const samples = rows / persons;
  const volume = channels * frames * joints;
  const out = new Float32Array(samples * volume);
  const input = features.data;
  for (let sample = 0; sample < samples; sample++) {
    const outBase = sample * volume;
    for (let element = 0; element < volume; element++) {
      let sum = 0;
      for (let person = 0; person < persons; person++) {
        sum += input[(sample * persons + person) * volume + element]!;
      }
      out[outBase + element] = sum / persons;
    }
  }
  return { data: out, shape: [samples, channels, frames, joints] };
}
