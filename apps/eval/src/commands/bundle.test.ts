/**
 * `skc eval` reads every bundle format through the streaming path (F read in
 * chunks straight into the descriptor kernel) with the same predictions, byte
 * for byte; truncated bundles fail naming the file and byte with nothing
 * written; and `skc bundle info | validate | convert`.
 */
import fs from "node:fs";
import path from "node:path";
import { encodeBundleNpz, readBundleDir, writeBundle } from "@skeleton-cache/bundle";
import { parityCases, parityDir, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "../cli.js";
import { captureIo } from "../test-support/io.js";

/** Runs `skc eval` in process on `bundle` at the case's params; returns the exit code, stderr and predictions.csv. */
async function evalCase(name: string, bundle: string, out: string) {
  const dir = parityDir(name);
  const params = JSON.parse(fs.readFileSync(path.join(dir, "params.json"), "utf8"));
  const io = captureIo();
  const code = await main(
    [
      "eval",
      "--bundle",
      bundle,
      "--prior",
      path.join(dir, "prior.json"),
      "--alpha",
      String(params.alpha_s),
      "--beta",
      String(params.beta),
      "-K",
      String(params.K),
      "--hedge",
      params.hedge ? "on" : "off",
      "--out",
      out,
      "--no-plots",
      "--no-ablations",
      "--quiet",
    ],
    io.io,
  );
  const csv = path.join(out, "predictions.csv");
  return { code, stderr: io.stderr, predictions: fs.existsSync(csv) ? fs.readFileSync(csv, "utf8") : null };
}

/** The case written in every format: dir, npz (stored, deflated), safetensors, and its .pt when it has one. */
function formats(name: string, dir: string): [string, string][] {
  const bundle = readBundleDir(parityDir(name));
  const out: [string, string][] = [["dir", parityDir(name)]];
  writeBundle(path.join(dir, `${name}.npz`), bundle);
  out.push(["npz", path.join(dir, `${name}.npz`)]);
  fs.writeFileSync(path.join(dir, `${name}-deflated.npz`), encodeBundleNpz(bundle, { compress: true }));
  out.push(["npz deflated", path.join(dir, `${name}-deflated.npz`)]);
  writeBundle(path.join(dir, `${name}.safetensors`), bundle);
  out.push(["safetensors", path.join(dir, `${name}.safetensors`)]);
  const pt = path.join(parityDir(name), "encoder_outputs.pt");
  if (fs.existsSync(pt)) out.push(["pt", pt]);
  return out;
}

describe("skc eval streams every bundle format to the same predictions", () => {
  const dir = tempDir("skc-eval-formats-");
  for (const name of parityCases()) {
    it(`${name}: predictions.csv is byte-identical in every format and equals the reference's refined_pred`, async () => {
      const expected = JSON.parse(fs.readFileSync(path.join(parityDir(name), "expected.json"), "utf8"));
      let first: string | null = null;
      for (const [format, bundle] of formats(name, dir)) {
        const run = await evalCase(name, bundle, path.join(dir, `run-${name}-${format.replace(" ", "-")}`));
        expect(run.stderr, format).toBe("");
        expect(run.code, format).toBe(0);
        const refined = run
          .predictions!.trim()
          .split("\n")
          .slice(1)
          .map((line) => Number(line.split(",")[3]));
        expect(refined, format).toEqual(expected.refined_pred);
        first ??= run.predictions;
        expect(run.predictions === first, `${format} predictions.csv`).toBe(true);
      }
    });
  }

  it("a truncated bundle fails with exit 2 naming the file and byte, and writes nothing", async () => {
    const bundle = path.join(dir, "cut");
    writeBundle(bundle, readBundleDir(parityDir("u5-k4")));
    const features = path.join(bundle, "features.npy");
    fs.truncateSync(features, fs.statSync(features).size - 4096);
    const out = path.join(dir, "run-cut");
    const run = await evalCase("u5-k4", bundle, out);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /skc eval: error: .*cut\/features\.npy: holds \d+ bytes but the header .* \(at byte \d+\)/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("skc bundle info | validate | convert", () => {
  const dir = tempDir("skc-bundle-cmd-");

  async function skc(args: string[]) {
    const io = captureIo();
    const code = await main(args, io.io);
    return { code, stdout: io.stdout, stderr: io.stderr };
  }

  it("info shows the format, N, U, what the bundle holds and its meta", async () => {
    const result = await skc(["bundle", "info", path.join(parityDir("u12-t13"), "encoder_outputs.pt")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("(pt, 7.5 MB on disk)");
    // unseen_class_indices 0..11 of a dataset without a catalog name no dataset classes.
    expect(result.stdout).toContain("samples: N=180  classes: U=12 (no dataset class ids)");
    expect(result.stdout).toContain("holds: F (N, C, T, V) = (180, 32, 13, 25) f4, C=32");
    expect(result.stdout).toMatch(
      /meta: dataset="synthetic", split="synthetic_u12_s11", backbone="smie", synthetic=true/,
    );
    const json = await skc(["bundle", "info", parityDir("u5-k4"), "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ format: "dir", numSamples: 150, numClasses: 5 });
  });

  it("validate passes a good bundle and fails a corrupt one with exit 2, naming the file", async () => {
    const good = await skc(["bundle", "validate", parityDir("u5-hedge")]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^valid: .*u5-hedge \(dir\): N=150, U=5, 1440000 values of features finite/);
    // --quiet: the exit code says it (no bar, no line).
    expect(await skc(["bundle", "validate", parityDir("u5-hedge"), "--quiet"])).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    const target = path.join(dir, "corrupt.npz");
    const bytes = encodeBundleNpz(readBundleDir(parityDir("u5-hedge")));
    bytes[30 + "features.npy".length + 128 + 777] ^= 0x01;
    fs.writeFileSync(target, bytes);
    const bad = await skc(["bundle", "validate", target, "--quiet"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/corrupt\.npz\[features\.npy\]: CRC-32 mismatch \(at byte \d+\)/);
  });

  it("convert --descriptors-only streams F to a descriptors bundle that evaluates to the same predictions", async () => {
    const target = path.join(dir, "u12.safetensors");
    const convert = await skc([
      "bundle",
      "convert",
      path.join(parityDir("u12-t13"), "encoder_outputs.pt"),
      target,
      "--descriptors-only",
    ]);
    expect(convert.code).toBe(0);
    expect(convert.stdout).toMatch(/^wrote .*u12\.safetensors \(safetensors, descriptors, N=180, /);
    const fromDescriptors = await evalCase("u12-t13", target, path.join(dir, "run-desc"));
    const fromFeatures = await evalCase("u12-t13", parityDir("u12-t13"), path.join(dir, "run-f"));
    expect(fromDescriptors.code).toBe(0);
    expect(fromDescriptors.predictions).toBe(fromFeatures.predictions);
    const refused = await skc(["bundle", "convert", parityDir("u5-k4"), path.join(dir, "x"), "--to", "zip"]);
    expect(refused.code).toBe(2);
  });
});
