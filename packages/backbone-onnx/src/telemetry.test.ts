import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { childEnv, REPO } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";

describe("onnxruntime's telemetry", () => {
  it("is off: a process that runs a model leaves nothing in its temporary folder", () => {
    const script = fileURLToPath(new URL("./test-support/run-fixture.ts", import.meta.url));
    const env = childEnv({ ORT_DISABLE_TELEMETRY: undefined });
    const run = spawnSync(process.execPath, ["--conditions=@skc/source", "--import", "tsx", script], {
      cwd: REPO,
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("ran\n");
    // tsx keeps its compile cache there (tsx-<uid>); onnxruntime's 1DS SDK would add mat-debug-<pid>.log and .ses.
    expect(fs.readdirSync(env.TMPDIR!).filter((name) => !name.startsWith("tsx-"))).toEqual([]);
  });
});
