import { DescriptorExtractor } from "@skeleton-cache/descriptors";
import { seededRandom } from "@skeleton-cache/tensor";

for (const T of [13, 25, 75]) {
  const C = 256,
    V = 25,
    N = 400;
  const r = seededRandom(1);
  const F = new Float32Array(N * C * T * V);
  for (let i = 0; i < F.length; i++) F[i] = r.next();
  const ex = new DescriptorExtractor(C, T, V);
  const out = new Float32Array(8 * C);
  const per = C * T * V;
  function plain(off: number) {
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let i = 0; i < per; i += 4) {
      s0 += F[off + i]!;
      s1 += F[off + i + 1]!;
      s2 += F[off + i + 2]!;
      s3 += F[off + i + 3]!;
    }
    return s0 + s1 + s2 + s3;
  }
  for (let w = 0; w < 2; w++)
    for (let n = 0; n < N; n++) {
      ex.extractInto(F, n * per, out, 0);
      plain(n * per);
    }
  let t0 = performance.now();
  for (let rep = 0; rep < 3; rep++) for (let n = 0; n < N; n++) ex.extractInto(F, n * per, out, 0);
  const te = (performance.now() - t0) / 1000 / 3;
  t0 = performance.now();
  let acc = 0;
  for (let rep = 0; rep < 3; rep++) for (let n = 0; n < N; n++) acc += plain(n * per);
  const tp = (performance.now() - t0) / 1000 / 3;
  console.log(
    "T",
    T,
    "extract samples/s",
    (N / te).toFixed(0),
    "plain",
    (N / tp).toFixed(0),
    "ratio",
    (te / tp).toFixed(2),
    acc > 0 ? "" : "-",
  );
}
