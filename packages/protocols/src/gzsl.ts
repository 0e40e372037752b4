import { calibratedArgmax as calibratedArgmaxOfMask } from "@skeleton-cache/metrics";

/**
 * GZSL predictions by calibrated stacking (Chao et al. 2016) with the seen
 * classes as a list: per sample, argmax_u (score_u − calibration · [u seen]),
 * the first index on ties (metrics' calibratedArgmax, which GZSL accuracy uses too).
 */
export function calibratedArgmax(
  scores: ArrayLike<number>,
  options: { readonly numClasses: number; readonly seen: readonly number[]; readonly calibration: number },
): Int32Array {
  const seenMask = new Uint8Array(options.numClasses);
  for (const u of options.seen) seenMask[u] = 1;
  return calibratedArgmaxOfMask(scores, { ...options, seenMask });
}
