/**
 * GZSL predictions by calibrated stacking (Chao et al. 2016): per sample,
 * argmax_u (score_u − calibration · [u seen]) over all candidates, the
 * first index on ties. `scores` is (N, U), row-major.
 */
export function calibratedArgmax(
  scores: ArrayLike<number>,
  options: { readonly numClasses: number; readonly seen: readonly number[]; readonly calibration: number },
): Int32Array {
  const { numClasses, calibration } = options;
  const seen = new Uint8Array(numClasses);
  for (const u of options.seen) seen[u] = 1;
  const samples = Math.floor(scores.length / numClasses);
  const out = new Int32Array(samples);
  for (let sample = 0; sample < samples; sample++) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let u = 0; u < numClasses; u++) {
      const value = scores[sample * numClasses + u]! - (seen[u] ? calibration : 0);
      if (value > bestValue) {
        best = u;
        bestValue = value;
      }
    }
    out[sample] = best;
  }
  return out;
}
