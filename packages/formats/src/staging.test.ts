import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { childEnv, REPO, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { partialPathOf, removeStalePartials, stageOutput, writeFileAtomic } from "./index.js";

/** The pid of a process that has ended. */
function deadPid(): number {
  const run = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(run.stdout);
}

describe("staged outputs", () => {
  it("a folder appears at its target only on commit, replacing the old one whole", () => {
    const root = tempDir("skc-stage-");
    const target = path.join(root, "run");
    const first = stageOutput(target);
    expect(first.path).toBe(partialPathOf(target));
    expect(first.path).toBe(`${target}.partial-${process.pid}`);
    writeFileAtomic(path.join(first.path, "a.txt"), "one");
    expect(fs.existsSync(target)).toBe(false);
    first.commit();
    expect(fs.readdirSync(root)).toEqual(["run"]);
    const second = stageOutput(target);
    writeFileAtomic(path.join(second.path, "b.txt"), "two");
    expect(fs.readdirSync(target)).toEqual(["a.txt"]);
    second.commit();
    expect(fs.readdirSync(target)).toEqual(["b.txt"]);
    expect(fs.readdirSync(root)).toEqual(["run"]);
    expect(() => second.commit()).toThrow("already published or removed");
  });

  it("a file is built inside the staged folder and renamed over its target; discard leaves the old one", () => {
    const root = tempDir("skc-stage-");
    const target = path.join(root, "bundle.npz");
    fs.writeFileSync(target, "old");
    const dropped = stageOutput(target, { file: true });
    expect(dropped.path).toBe(path.join(`${target}.partial-${process.pid}`, "bundle.npz"));
    fs.writeFileSync(dropped.path, "half");
    dropped.discard();
    dropped.discard();
    expect(fs.readdirSync(root)).toEqual(["bundle.npz"]);
    expect(fs.readFileSync(target, "utf8")).toBe("old");
    const kept = stageOutput(target, { file: true });
    fs.writeFileSync(kept.path, "new");
    kept.commit();
    expect(fs.readdirSync(root)).toEqual(["bundle.npz"]);
    expect(fs.readFileSync(target, "utf8")).toBe("new");
  });

  it("refuses a target of the other kind, naming it", () => {
    const root = tempDir("skc-stage-");
    fs.mkdirSync(path.join(root, "a.npz"));
    fs.writeFileSync(path.join(root, "b"), "x");
    expect(() => stageOutput(path.join(root, "a.npz"), { file: true })).toThrow(
      `${path.join(root, "a.npz")}: exists and is a folder, not the file this writes; choose another path`,
    );
    expect(() => stageOutput(path.join(root, "b"))).toThrow("exists and is a file, not the folder");
    expect(fs.readdirSync(root).sort()).toEqual(["a.npz", "b"]);
  });

  it("removes what processes that died left (an old folder put back when the target is gone), keeps live ones'", () => {
    const root = tempDir("skc-stage-");
    const target = path.join(root, "run");
    const dead = deadPid();
    fs.mkdirSync(partialPathOf(target, dead));
    fs.mkdirSync(partialPathOf(target, process.ppid));
    fs.mkdirSync(`${target}.old-${dead}`);
    fs.writeFileSync(path.join(`${target}.old-${dead}`, "report.json"), "{}");
    fs.mkdirSync(path.join(root, "other.partial-1"));
    expect(removeStalePartials(target).sort()).toEqual(
      [partialPathOf(target, dead), `${target}.old-${dead}`].sort(),
    );
    expect(fs.readdirSync(root).sort()).toEqual(
      ["other.partial-1", "run", path.basename(partialPathOf(target, process.ppid))].sort(),
    );
    expect(fs.readdirSync(target)).toEqual(["report.json"]);
    fs.mkdirSync(partialPathOf(target, dead));
    const stage = stageOutput(target);
    stage.commit();
    expect(fs.existsSync(partialPathOf(target, dead))).toBe(false);
  });

  it("a process that quits mid-write leaves no staged folder and no temporary file", () => {
    const root = tempDir("skc-stage-");
    const script = fileURLToPath(new URL("./test-support/quit-mid-write.ts", import.meta.url));
    const run = spawnSync(process.execPath, ["--conditions=@skc/source", "--import", "tsx", script, root], {
      cwd: REPO,
      env: childEnv(),
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(130);
    const [folder, file] = JSON.parse(run.stdout) as [string, string];
    expect(folder).toBe(`${path.join(root, "run")}.partial-${run.pid}`);
    expect(path.dirname(file)).toBe(`${path.join(root, "bundle.npz")}.partial-${run.pid}`);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});
