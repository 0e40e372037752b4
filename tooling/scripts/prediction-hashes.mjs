#!/usr/bin/env node
// The sha256 of predictions.csv for every parity fixture and every shipped demo,
// under each protocol (and every method), through the built `skc` CLI.
// Recorded once before the library moved out of apps/eval (issue 19) so that
// any restructuring can prove it changed no prediction:
//   node tooling/scripts/prediction-hashes.mjs           check against fixtures/prediction-hashes.json
//   node tooling/scripts/prediction-hashes.mjs --write   record them (only when a change is meant to alter predictions)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const cli = path.join(root, "apps", "eval", "dist", "cli.js");
const file = path.join(root, "fixtures", "prediction-hashes.json");
const parity = path.join(root, "fixtures", "parity");

/** Every case: a name and the `skc eval` arguments (without --out). */
export function cases() {
  const out = [];
  for (const id of fs.readdirSync(parity).sort()) {
    const dir = path.join(parity, id);
    const params = JSON.parse(fs.readFileSync(path.join(dir, "params.json"), "utf8"));
    const base = ["--bundle", dir, "--prior", path.join(dir, "prior.json")];
    const fixed = ["--alpha", String(params.alpha_s), "--beta", String(params.beta), "-K", String(params.K)];
    fixed.push("--hedge", params.hedge ? "on" : "off", "--hedge-margin", String(params.hedge_margin));
    out.push({ name: `parity/${id}/online`, args: [...base, ...fixed] });
    out.push({
      name: `parity/${id}/orders`,
      args: [...base, ...fixed, "--protocol", "orders", "--orders", "5"],
    });
    out.push({ name: `parity/${id}/reference`, args: [...base, "--protocol", "reference"] });
    out.push({ name: `parity/${id}/all`, args: [...base, "--method", "all"], methods: true });
  }
  for (const demo of ["utd-mhad", "synthetic"]) {
    out.push({ name: `demo/${demo}/online`, args: ["--demo", demo] });
    out.push({ name: `demo/${demo}/validation`, args: ["--demo", demo, "--protocol", "validation"] });
    out.push({ name: `demo/${demo}/reference`, args: ["--demo", demo, "--protocol", "reference"] });
    out.push({ name: `demo/${demo}/all`, args: ["--demo", demo, "--method", "all"], methods: true });
  }
  out.push({ name: "demo/synthetic-gzsl/online", args: ["--demo", "synthetic-gzsl", "--gzsl"] });
  return out;
}

function sha256(p) {
  return createHash("sha256").update(fs.readFileSync(p)).digest("hex");
}

/** Runs every case; returns { name: sha256 } (a `--method all` case gives one entry per method). */
export function computeHashes() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skc-hashes-"));
  const hashes = {};
  try {
    for (const c of cases()) {
      const out = path.join(tmp, c.name.replaceAll("/", "_"));
      const run = spawnSync(
        process.execPath,
        [cli, "eval", ...c.args, "--out", out, "--quiet", "--no-plots"],
        {
          cwd: root,
          encoding: "utf8",
          env: { ...process.env, NO_COLOR: "1" },
        },
      );
      if (run.status !== 0) throw new Error(`${c.name}: skc eval exited ${run.status}\n${run.stderr}`);
      if (c.methods) {
        for (const m of fs.readdirSync(out, { withFileTypes: true }).filter((e) => e.isDirectory())) {
          const csv = path.join(out, m.name, "predictions.csv");
          if (fs.existsSync(csv)) hashes[`${c.name}/${m.name}`] = sha256(csv);
        }
      } else hashes[c.name] = sha256(path.join(out, "predictions.csv"));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return hashes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const hashes = computeHashes();
  if (process.argv.includes("--write")) {
    fs.writeFileSync(file, `${JSON.stringify(hashes, null, 2)}\n`);
    console.log(`wrote ${Object.keys(hashes).length} hashes to ${path.relative(root, file)}`);
  } else {
    const expected = JSON.parse(fs.readFileSync(file, "utf8"));
    const names = [...new Set([...Object.keys(expected), ...Object.keys(hashes)])].sort();
    const differ = names.filter((n) => expected[n] !== hashes[n]);
    for (const n of differ)
      console.log(`${n}: expected ${expected[n] ?? "(none)"}, got ${hashes[n] ?? "(none)"}`);
    console.log(`${names.length - differ.length} of ${names.length} predictions.csv hashes unchanged`);
    process.exit(differ.length === 0 ? 0 : 1);
  }
}
