import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readNpy } from "@skeleton-cache/formats";
import { afterAll, describe, expect, it } from "vitest";
import { NTU_DIR } from "../test-support/shared.js";

const bin = fileURLToPath(new URL("./ntu-gendata.ts", import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skc-bin-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ["--conditions=@skc/source", "--import", "tsx", bin, ...args], {
    encoding: "utf8",
  });

describe("skc-ntu-gendata", () => {
  it("writes train_data.npy / train_label.pkl with progress on stderr; bad input exits 2", () => {
    const ok = run(
      "--input",
      NTU_DIR,
      "--out",
      tmp,
      "--benchmark",
      "xview",
      "--split",
      "train",
      "--frames",
      "50",
    );
    expect(ok.status).toBe(0);
    expect(ok.stderr).toContain("ntu-gendata: 2/2 (100%)");
    expect(readNpy(path.join(tmp, "train_data.npy")).shape).toEqual([2, 3, 50, 25, 2]);
    expect(fs.existsSync(path.join(tmp, "train_label.pkl"))).toBe(true);
    const bad = run("--input", path.join(tmp, "nope"), "--out", tmp);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("cannot list");
    expect(run("--frames", "3").status).toBe(2);
  });
});
