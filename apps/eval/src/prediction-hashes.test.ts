/**
 * Same answers everywhere: the sha256 of predictions.csv for every parity
 * fixture and demo (each protocol, every method of `--method all`), recorded
 * in fixtures/prediction-hashes.json before the library left apps/eval, are
 * still what the built CLI writes.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { REPO } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";

describe("predictions.csv of the parity fixtures and demos", () => {
  it("hash exactly as recorded in fixtures/prediction-hashes.json", () => {
    const run = spawnSync(process.execPath, [path.join(REPO, "tooling/scripts/prediction-hashes.mjs")], {
      cwd: REPO,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim().split("\n").at(-1)).toBe("43 of 43 predictions.csv hashes unchanged");
    expect(run.status).toBe(0);
  }, 120_000);
});
