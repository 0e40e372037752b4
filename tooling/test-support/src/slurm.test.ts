import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { describeWithSlurm, type LocalCluster, repoPath, tempDir } from "./index.js";

const SCRIPT = repoPath("tooling", "slurm", "local-cluster.mjs");

/** Whether `pid` is a live process (a zombie is not). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

/** Polls squeue until job `id` (all its array tasks) has left the queue. */
async function waitForJob(cluster: LocalCluster, id: string): Promise<void> {
  for (;;) {
    if (cluster.run("squeue", ["-h", "-j", id, "-o", "%i"]).trim() === "") return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("local-cluster.mjs check", () => {
  it("says in one line why a cluster cannot start for a user who is not root", () => {
    // As root the check is run as nobody; otherwise as this user. Nobody may not read the checkout (a clone
    // in a mode-700 folder), so it runs a copy of the script (node builtins only) from a folder it can read.
    const root = process.getuid?.() === 0;
    let script = SCRIPT;
    if (root) {
      const dir = tempDir("skc-slurm-check-");
      fs.chmodSync(dir, 0o755);
      script = path.join(dir, "local-cluster.mjs");
      fs.copyFileSync(SCRIPT, script);
      fs.chmodSync(script, 0o644);
    }
    const asNobody = root ? { uid: 65534, gid: 65534 } : {};
    const run = spawnSync(process.execPath, [script, "check"], { encoding: "utf8", cwd: "/", ...asNobody });
    expect(run.status).toBe(1);
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
    expect(run.stdout).toMatch(/^cannot start: .*run as root/);
  });
});

describeWithSlurm("a local single-node Slurm (tooling/slurm)", (cluster) => {
  it("shows one idle node with 2 CPUs, configured and authenticated from its own folder", () => {
    const c = cluster();
    expect(c.run("sinfo", ["-h", "-N", "-o", "%N %t %c %P"]).trim()).toBe("skc-node idle 2 skc*");
    const conf = fs.readFileSync(c.conf, "utf8");
    for (const line of [
      `AuthInfo=socket=${path.join(c.dir, "munge", "munge.socket")}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      `StateSaveLocation=${path.join(c.dir, "state")}`,
    ])
      expect(conf.split("\n")).toContain(line);
    // munged runs as the munge user, with the key and the socket in the folder.
    const munged = fs.readFileSync(`/proc/${c.pids.munged}/cmdline`, "utf8").split("\0");
    expect(munged).toContain(`--key-file=${path.join(c.dir, "munge", "munge.key")}`);
    expect(munged).toContain(`--socket=${path.join(c.dir, "munge", "munge.socket")}`);
    const uid = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${c.pids.munged}/status`, "utf8"))?.[1];
    const mungeUid = /^munge:[^:]*:(\d+):/m.exec(fs.readFileSync("/etc/passwd", "utf8"))?.[1];
    expect(uid).toBe(mungeUid);
    expect(fs.statSync(path.join(c.dir, "munge")).mode & 0o001).toBe(0o001);
  });

  it("runs a two-task job array, each task with its own index and log", async () => {
    const c = cluster();
    const out = tempDir("skc-slurm-array-");
    const id = c
      .run("sbatch", [
        "--parsable",
        "--array=0-1",
        `--output=${out}/task-%a.log`,
        "--wrap",
        'echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT"',
      ])
      .trim();
    expect(id).toMatch(/^\d+$/);
    await waitForJob(c, id);
    expect(fs.readFileSync(path.join(out, "task-0.log"), "utf8")).toBe("task 0 of 2\n");
    expect(fs.readFileSync(path.join(out, "task-1.log"), "utf8")).toBe("task 1 of 2\n");
  });

  it("up / env / down from the shell: a second cluster writes nothing under /etc, and down stops exactly its own daemons by pid", () => {
    const marker = path.join(tempDir("skc-slurm-marker-"), "before");
    fs.writeFileSync(marker, "");
    const up = execFileSync(process.execPath, [SCRIPT, "up"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const conf = /^export SLURM_CONF=(.+)$/m.exec(up)?.[1];
    expect(conf).toBeDefined();
    const dir = path.dirname(conf!);
    expect(execFileSync(process.execPath, [SCRIPT, "env", dir], { encoding: "utf8" })).toBe(
      `export SLURM_CONF=${conf}\n`,
    );
    const pids = Object.values(
      JSON.parse(fs.readFileSync(path.join(dir, "cluster.json"), "utf8")).pids,
    ) as number[];
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(alive(pid)).toBe(true);
    execFileSync(process.execPath, [SCRIPT, "down", dir], { stdio: "ignore" });
    expect(execFileSync("find", ["/etc", "-newer", marker, "-print"], { encoding: "utf8" })).toBe("");
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
    // This file's cluster is untouched.
    for (const pid of Object.values(cluster().pids)) expect(alive(pid!)).toBe(true);
    expect(cluster().run("sinfo", ["-h", "-N", "-o", "%t"]).trim()).toBe("idle");
  });
});
