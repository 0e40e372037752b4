/**
 * The common flags: every command of `skc` (every leaf of the commander
 * tree, walked) takes `--quiet` (then prints nothing on stdout) and `--json`
 * (then prints one valid JSON document on stdout). Each command runs for real
 * on small inputs; a command added without an entry in RUNS fails the first
 * test.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Command } from "@skeleton-cache/cli";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { parityDir, repoPath, suiteTempDir, tempDir } from "@skeleton-cache/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram, main } from "./cli.js";
import { captureIo } from "./test-support/io.js";

const BUNDLE = parityDir("u5-hedge");
const PRIOR = path.join(BUNDLE, "prior.json");
const MODEL = repoPath("packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");
const ANSWER = JSON.stringify({
  spatial: { head: 1, torso: 2, arms: 3, feet: 1 },
  temporal: { begin: 1, middle: 2, end: 1 },
  gamma: 0.5,
});

/** Every command's name, as `skc` spells it, from the program's tree. */
function leaves(command: Command, prefix: string[] = []): string[] {
  return command.commands.flatMap((sub) => {
    const name = [...prefix, sub.name()];
    return sub.commands.length === 0 ? [name.join(" ")] : leaves(sub as Command, name);
  });
}

const shared = suiteTempDir("skc-flags-");
let server: http.Server;
let baseURL = "";

/** An OpenAI-compatible endpoint that gives every class the same valid answer. */
async function startServer(): Promise<void> {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "chatcmpl-1",
          object: "chat.completion",
          created: 1_700_000_000,
          model: "m",
          choices: [{ index: 0, message: { role: "assistant", content: ANSWER }, finish_reason: "stop" }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

beforeAll(async () => {
  await startServer();
  const data = path.join(shared.path, "ntu");
  writeSyntheticNtu(data, { count: 4, actions: [1, 2] });
  const names = path.join(shared.path, "classes.txt");
  fs.writeFileSync(names, "drink water\neat meal\n");
  const quiet = captureIo().io;
  for (const shard of ["0/2", "1/2"])
    expect(
      await main([...extractArgs(path.join(shared.path, `part-${shard[0]}`)), "--shard", shard], quiet),
    ).toBe(0);
  expect(await main(["eval", ...evalArgs(path.join(shared.path, "run"))], quiet)).toBe(0);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function extractArgs(out: string): string[] {
  const data = path.join(shared.path, "ntu");
  return [
    "extract",
    "--model",
    MODEL,
    "--data",
    data,
    "--classes",
    "A001,A002",
    "--workers",
    "0",
    "--out",
    out,
  ];
}

function evalArgs(out: string): string[] {
  return [
    "--bundle",
    BUNDLE,
    "--prior",
    PRIOR,
    "--no-plots",
    "--no-ablations",
    "--orders",
    "0",
    "--out",
    out,
  ];
}

/** One real run of each command (its arguments, given a fresh folder for what it writes). */
const RUNS: Record<string, (dir: string) => string[]> = {
  eval: (dir) => evalArgs(path.join(dir, "run")),
  extract: (dir) => extractArgs(path.join(dir, "bundle")).slice(1),
  "bundle info": () => [BUNDLE],
  "bundle validate": () => [BUNDLE],
  "bundle convert": (dir) => [BUNDLE, path.join(dir, "bundle.npz")],
  "bundle merge": (dir) => [
    path.join(shared.path, "part-0"),
    path.join(shared.path, "part-1"),
    "--out",
    path.join(dir, "merged"),
  ],
  report: (dir) => [path.join(shared.path, "run"), "--out", path.join(dir, "report.html")],
  "prior generate": (dir) =>
    ["--model", "m", "--base-url", baseURL, "--classes", path.join(shared.path, "classes.txt")].concat([
      "--date",
      "2026-01-01",
      "--out",
      path.join(dir, "prior.json"),
    ]),
  "prior validate": () => ["utd-mhad"],
  "prior show": () => ["utd-mhad"],
  "prior diff": () => ["ntu60_55_5", "ntu60_55_5"],
  "prior uniform": (dir) => ["--num-classes", "3", "--out", path.join(dir, "uniform.json")],
};

describe("the common flags of every skc command", () => {
  it("the tree's commands are the ones run below", () => {
    expect(leaves(buildProgram()).sort()).toEqual(Object.keys(RUNS).sort());
  });

  it.each(Object.keys(RUNS))("%s --quiet: accepted, nothing on stdout", async (name) => {
    const io = captureIo();
    const code = await main([...name.split(" "), ...RUNS[name]!(tempDir("skc-flags-")), "--quiet"], io.io);
    expect(code, io.stderr).toBe(0);
    expect(io.stdout).toBe("");
  });

  it.each(Object.keys(RUNS))("%s --json: accepted, one valid JSON document on stdout", async (name) => {
    const io = captureIo();
    const code = await main([...name.split(" "), ...RUNS[name]!(tempDir("skc-flags-")), "--json"], io.io);
    expect(code, io.stderr).toBe(0);
    const parsed = JSON.parse(io.stdout) as unknown;
    expect(typeof parsed, io.stdout).toBe("object");
    expect(parsed).not.toBeNull();
  });
});
