/**
 * tooling/export/export_onnx.py (the exporter of this package's models) where
 * Python lacks PyTorch or onnx. The imports are refused by a meta-path finder
 * installed before the script runs, so the test runs the same whether the
 * machine has them or not (it needs only python3, never torch).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { childEnv, REPO, repoPath, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";

const EXPORTER = repoPath("tooling", "export", "export_onnx.py");

/** `python3 -c REFUSE "torch,onnx" script args…`: runs the script with those top-level modules unimportable. */
const REFUSE = `
import runpy, sys

class Refuse:
    """A meta-path finder that refuses the modules named in argv[1], as if they were not installed."""

    def __init__(self, names):
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Refuse(set(sys.argv[1].split(","))))
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
`;

function exportWithout(refused: readonly string[], out: string) {
  const args = [
    "--model",
    "tooling/export/stgcn_tiny.py:build_model",
    "--model-kwargs",
    '{"num_classes": 60}',
    "--feature-module",
    "blocks.3",
    "--frames",
    "64",
    "--out",
    out,
    "--reference",
    "2",
  ];
  return spawnSync("python3", ["-c", REFUSE, refused.join(","), EXPORTER, ...args], {
    cwd: REPO,
    env: childEnv({ PYTHONDONTWRITEBYTECODE: "1" }),
    encoding: "utf8",
  });
}

describe("export_onnx.py without its Python modules", () => {
  it("without torch and onnx: names both with their install lines, exit 2, writes nothing", () => {
    const dir = tempDir("skc-export-");
    const run = exportWithout(["torch", "onnx"], path.join(dir, "models", "mine.onnx"));
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).not.toContain("Traceback");
    expect(run.stderr).toMatch(/missing Python modules?: .*\btorch\b.*\bonnx\b/);
    expect(run.stderr).toMatch(/apt-get install .*python3-torch.* python3-onnx/);
    expect(run.stderr).toMatch(/pip install .*\btorch\b.*\bonnx\b/);
    expect(run.stderr).toContain("nothing was written");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("without onnx alone (torch there or not): onnx is named before the model is exported; nothing written", () => {
    const dir = tempDir("skc-export-");
    const run = exportWithout(["onnx"], path.join(dir, "mine.onnx"));
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).not.toContain("Traceback");
    expect(run.stderr).toMatch(/missing Python modules?: .*\bonnx\b/);
    expect(run.stderr).toMatch(/apt-get install .*python3-onnx/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
