#!/usr/bin/env node
/**
 * A single-node Slurm cluster on this machine, for the tests and the bench
 * that run `skc extract` as a job array (issue "The cluster path, run on a
 * real Slurm").
 *
 *   node tooling/slurm/local-cluster.mjs up      # installs where missing, starts; prints `export SLURM_CONF=…`
 *   node tooling/slurm/local-cluster.mjs env DIR # prints `export SLURM_CONF=DIR/slurm.conf`
 *   node tooling/slurm/local-cluster.mjs down DIR
 *   node tooling/slurm/local-cluster.mjs install | check
 *
 * Everything it writes lives in one fresh temporary folder: slurm.conf
 * (`SLURM_CONF`), a generated munge key and munged's socket (`munged
 * --key-file`, `--socket`, `AuthInfo=socket=…`), state, spool, pid and log
 * files. Nothing is written under /etc beyond what apt installs. munged runs
 * as the munge user, slurmctld and slurmd as root, each on its own free port,
 * so it never meets a system Slurm. `down` cancels the cluster's jobs and
 * stops exactly the three daemons it started, by pid (a pid is signalled only
 * while its command line still names this cluster's folder).
 *
 * Plain JavaScript with node built-ins only: the tests import it, the bench
 * and a shell run it.
 */
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The Debian packages the cluster needs. */
export const SLURM_PACKAGES = ["slurm-wlm", "munge"];
/** The executables it runs (daemons and the clients tests call). */
export const SLURM_PROGRAMS = [
  "munged",
  "slurmctld",
  "slurmd",
  "sbatch",
  "squeue",
  "sinfo",
  "scontrol",
  "scancel",
];
/** The node's and the partition's names in slurm.conf. */
export const NODE_NAME = "skc-node";
export const PARTITION = "skc";
/** The file in the cluster's folder that records what was started. */
const STATE_FILE = "cluster.json";
const SCRIPT = fileURLToPath(import.meta.url);

/** Full path of an executable (PATH, then the sbin folders a non-login root shell may lack), or null. */
export function findProgram(name) {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** The executables of SLURM_PROGRAMS that are not installed. */
export function missingPrograms() {
  return SLURM_PROGRAMS.filter((name) => findProgram(name) === null);
}

/** uid and gid of a system user from /etc/passwd, or null. */
function systemUser(name) {
  let passwd = "";
  try {
    passwd = fs.readFileSync("/etc/passwd", "utf8");
  } catch {
    return null;
  }
  for (const line of passwd.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && fields.length >= 4) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  return null;
}

/**
 * Why a local cluster cannot start on this machine, in one line, or null
 * when it can (Linux, root, the packages installed, the munge user present).
 */
export function slurmPreflight() {
  if (process.platform !== "linux") return `Slurm's daemons run on Linux only (this is ${process.platform})`;
  if (typeof process.getuid !== "function" || process.getuid() !== 0)
    return "the local cluster runs slurmctld and slurmd as root (and munged as the munge user): run as root";
  const missing = missingPrograms();
  if (missing.length > 0)
    return `${missing.join(", ")} not installed (node tooling/slurm/local-cluster.mjs install, or apt-get install --no-install-recommends ${SLURM_PACKAGES.join(" ")})`;
  if (!systemUser("munge")) return "no munge user (the munge package creates it; reinstall munge)";
  return null;
}

function aptListsPresent() {
  try {
    return fs.readdirSync("/var/lib/apt/lists").some((name) => name.endsWith("_Packages"));
  } catch {
    return false;
  }
}

function apt(args, log) {
  log(`local-cluster: apt-get ${args.join(" ")}`);
  const run = spawnSync("apt-get", args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return run.status === 0;
}

/**
 * Installs slurm-wlm and munge with apt where a program is missing
 * (`--no-install-recommends`; `apt-get update` first when the package lists
 * are absent, or once more when the install fails). Returns whether it
 * installed anything; throws when it cannot.
 */
export function installSlurm({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (missingPrograms().length === 0) return false;
  if (process.platform !== "linux" || process.getuid?.() !== 0 || !findProgram("apt-get"))
    throw new Error(
      `cannot install ${SLURM_PACKAGES.join(" ")}: needs root on Debian/Ubuntu (apt-get); missing: ${missingPrograms().join(", ")}`,
    );
  const install = ["install", "-y", "-q", "--no-install-recommends", ...SLURM_PACKAGES];
  const updated = !aptListsPresent() && (apt(["update", "-q"], log) || true);
  let installed = apt(install, log);
  if (!installed && !updated) installed = apt(["update", "-q"], log) && apt(install, log);
  if (!installed) throw new Error(`apt-get install ${SLURM_PACKAGES.join(" ")} failed (output above)`);
  const missing = missingPrograms();
  if (missing.length > 0) throw new Error(`after apt-get install, still missing: ${missing.join(", ")}`);
  return true;
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; closed again before use). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Blocks for `ms` (the synchronous teardown runs in process exit hooks too). */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether `pid` is a live process (not gone, not a zombie). */
function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Whether `pid` is still the daemon this cluster started: alive, and its command line names the folder. */
function ours(pid, dir) {
  if (!alive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").includes(dir);
  } catch {
    return false;
  }
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** slurm.conf for one node with `cpus` CPUs, everything under `dir`. */
function slurmConf({ dir, host, cpus, ports, schedulerParameters }) {
  const lines = [
    "# Written by tooling/slurm/local-cluster.mjs: a single-node test cluster (removed by `down`).",
    "ClusterName=skc-local",
    `SlurmctldHost=${host}(127.0.0.1)`,
    `SlurmctldPort=${ports.slurmctld}`,
    `SlurmdPort=${ports.slurmd}`,
    "AuthType=auth/munge",
    "CredType=cred/munge",
    `AuthInfo=socket=${path.join(dir, "munge", "munge.socket")}`,
    "SlurmUser=root",
    "SlurmdUser=root",
    `StateSaveLocation=${path.join(dir, "state")}`,
    `SlurmdSpoolDir=${path.join(dir, "spool")}`,
    `SlurmctldPidFile=${path.join(dir, "slurmctld.pid")}`,
    `SlurmdPidFile=${path.join(dir, "slurmd.pid")}`,
    `SlurmctldLogFile=${path.join(dir, "log", "slurmctld.log")}`,
    `SlurmdLogFile=${path.join(dir, "log", "slurmd.log")}`,
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_Core",
    "JobAcctGatherType=jobacct_gather/none",
    "AccountingStorageType=accounting_storage/none",
    "JobCompType=jobcomp/none",
    "MpiDefault=none",
    "MailProg=/bin/true",
    // A node that restarts is idle at once; configured CPUs stand whatever the hardware says.
    "ReturnToService=2",
    "SlurmdParameters=config_overrides",
    // scancel: SIGTERM, then SIGKILL 2 s later (default 30 s).
    "KillWait=2",
    ...(schedulerParameters ? [`SchedulerParameters=${schedulerParameters}`] : []),
    `NodeName=${NODE_NAME} NodeHostname=${host} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN`,
    `PartitionName=${PARTITION} Nodes=${NODE_NAME} Default=YES MaxTime=INFINITE State=UP`,
  ];
  return `${lines.join("\n")}\n`;
}

function readState(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), "utf8"));
}

function writeState(dir, state) {
  const file = path.join(dir, STATE_FILE);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** Runs a Slurm client against the cluster of `conf`; its stdout, or throws with its stderr. */
export function slurmCommand(conf, program, args, options = {}) {
  const run = spawnSync(findProgram(program) ?? program, args, {
    encoding: "utf8",
    // options.env replaces this process's environment (a job submitted with sbatch inherits it).
    env: { ...(options.env ?? process.env), SLURM_CONF: conf },
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 30_000,
  });
  if (run.status !== 0)
    throw new Error(
      `${program} ${args.join(" ")} exited ${run.status ?? run.signal}: ${(run.stderr || run.stdout || run.error?.message || "").trim()}`,
    );
  return run.stdout;
}

/** The node's state as sinfo reports it (e.g. "idle", "mix", "down*"), or null while slurmctld does not answer. */
function nodeState(conf) {
  const run = spawnSync(findProgram("sinfo") ?? "sinfo", ["-h", "-N", "-o", "%t"], {
    encoding: "utf8",
    env: { ...process.env, SLURM_CONF: conf },
    timeout: 10_000,
  });
  return run.status === 0 ? run.stdout.trim() : null;
}

/** Spawns a daemon in the foreground of its own process group, its output to `log`. */
function startDaemon(program, args, { log, user }) {
  const out = fs.openSync(log, "a");
  try {
    const child = spawn(findProgram(program), args, {
      detached: true,
      stdio: ["ignore", out, out],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    child.unref();
    return child;
  } finally {
    fs.closeSync(out);
  }
}

async function waitFor(what, check, { timeoutMs, failed }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problem = failed();
    if (problem) throw new Error(`${what}: ${problem}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts munged, slurmctld and slurmd in a fresh folder under `parent` and
 * resolves when sinfo shows the node idle. On failure, stops what it started,
 * removes the folder and throws with the daemons' log tails.
 *
 * @param {{ cpus?: number, parent?: string, timeoutMs?: number, schedulerParameters?: string }} [options]
 */
export async function startLocalCluster(options = {}) {
  const reason = slurmPreflight();
  if (reason) throw new Error(`cannot start a local Slurm: ${reason}`);
  const cpus = options.cpus ?? 2;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const dir = fs.mkdtempSync(path.join(options.parent ?? os.tmpdir(), "skc-slurm-"));
  // o+x on the way to munged's socket: job steps that drop to another user still reach it.
  fs.chmodSync(dir, 0o711);
  const munge = systemUser("munge");
  const mungeDir = path.join(dir, "munge");
  for (const sub of ["munge", "state", "spool", "log"]) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
  fs.chmodSync(mungeDir, 0o711);
  fs.chownSync(mungeDir, munge.uid, munge.gid);
  const key = path.join(mungeDir, "munge.key");
  fs.writeFileSync(key, crypto.randomBytes(1024), { mode: 0o400 });
  fs.chownSync(key, munge.uid, munge.gid);
  const conf = path.join(dir, "slurm.conf");
  const host = os.hostname().split(".")[0];
  const ports = { slurmctld: await freePort(), slurmd: await freePort() };
  if (ports.slurmd === ports.slurmctld) ports.slurmd = await freePort();
  fs.writeFileSync(
    conf,
    slurmConf({ dir, host, cpus, ports, schedulerParameters: options.schedulerParameters }),
  );
  const state = { dir, conf, node: NODE_NAME, partition: PARTITION, cpus, ports, pids: {} };
  writeState(dir, state);
  const children = {};
  const started = (name, child) => {
    children[name] = child;
    state.pids[name] = child.pid;
    writeState(dir, state);
  };
  const exited = () => {
    for (const [name, child] of Object.entries(children))
      if (child.exitCode !== null || child.signalCode !== null)
        return `${name} exited (${child.exitCode ?? child.signalCode})`;
    return null;
  };
  const log = (name) => path.join(dir, "log", `${name}.out`);
  try {
    const socket = path.join(mungeDir, "munge.socket");
    started(
      "munged",
      startDaemon(
        "munged",
        [
          "--foreground",
          `--key-file=${key}`,
          `--socket=${socket}`,
          `--pid-file=${path.join(mungeDir, "munged.pid")}`,
          `--log-file=${path.join(mungeDir, "munged.log")}`,
          `--seed-file=${path.join(mungeDir, "munged.seed")}`,
        ],
        { log: log("munged"), user: munge },
      ),
    );
    await waitFor("munged", () => fs.existsSync(socket), { timeoutMs, failed: exited });
    started("slurmctld", startDaemon("slurmctld", ["-D", "-f", conf], { log: log("slurmctld") }));
    await waitFor("slurmctld", () => nodeState(conf) !== null, { timeoutMs, failed: exited });
    started("slurmd", startDaemon("slurmd", ["-D", "-N", NODE_NAME, "-f", conf], { log: log("slurmd") }));
    await waitFor(`sinfo: node ${NODE_NAME} idle`, () => nodeState(conf) === "idle", {
      timeoutMs,
      failed: exited,
    });
  } catch (error) {
    const logs = [
      ["munged", path.join(mungeDir, "munged.log")],
      ["slurmctld", path.join(dir, "log", "slurmctld.log")],
      ["slurmd", path.join(dir, "log", "slurmd.log")],
    ]
      .map(([name, file]) => `--- ${name} (${file}):\n${tail(file)}\n${tail(log(name), 5)}`)
      .join("\n");
    stopLocalCluster(dir);
    throw new Error(`cannot start a local Slurm: ${error.message}\n${logs}`);
  }
  return cluster(state);
}

/** The handle of a started cluster (also rebuilt from its folder by `openLocalCluster`). */
function cluster(state) {
  const { dir, conf } = state;
  return {
    dir,
    conf,
    node: state.node,
    partition: state.partition,
    cpus: state.cpus,
    pids: { ...state.pids },
    env: { SLURM_CONF: conf },
    run: (program, args, options) => slurmCommand(conf, program, args, options),
    stop: () => stopLocalCluster(dir),
  };
}

/** The cluster started in `dir` (by `up` in another process). */
export function openLocalCluster(dir) {
  return cluster(readState(path.resolve(dir)));
}

/**
 * Cancels the cluster's jobs, stops the daemons it started (SIGTERM, then
 * SIGKILL after 10 s; only pids whose command line still names `dir`), and
 * removes `dir` unless `keep`. Synchronous: it also runs in exit hooks.
 * Returns the pids it signalled.
 */
export function stopLocalCluster(dir, { keep = false } = {}) {
  let state;
  try {
    state = readState(dir);
  } catch {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    return [];
  }
  const pids = state.pids ?? {};
  if (pids.slurmctld && ours(pids.slurmctld, dir)) {
    // Jobs first: their processes belong to slurmd's job steps, not to the daemons.
    spawnSync(findProgram("scancel") ?? "scancel", [`--partition=${state.partition}`], {
      env: { ...process.env, SLURM_CONF: state.conf },
      timeout: 10_000,
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const run = spawnSync(
        findProgram("squeue") ?? "squeue",
        ["-h", "-t", "RUNNING,COMPLETING", "-o", "%i"],
        {
          encoding: "utf8",
          env: { ...process.env, SLURM_CONF: state.conf },
          timeout: 10_000,
        },
      );
      if (run.status !== 0 || run.stdout.trim() === "") break;
      sleepSync(200);
    }
  }
  const signalled = [];
  for (const name of ["slurmd", "slurmctld", "munged"]) {
    const pid = pids[name];
    if (!pid || !ours(pid, dir)) continue;
    process.kill(pid, "SIGTERM");
    signalled.push(pid);
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) sleepSync(50);
    if (alive(pid)) process.kill(pid, "SIGKILL");
    while (alive(pid)) sleepSync(20);
  }
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  return signalled;
}

function usage() {
  return [
    "usage: node tooling/slurm/local-cluster.mjs <command>",
    "  up [--cpus N] [--scheduler-parameters S]  install slurm-wlm + munge where missing, start a",
    "                                             single-node cluster; prints `export SLURM_CONF=…`",
    "  env DIR                                    print `export SLURM_CONF=DIR/slurm.conf`",
    "  down DIR                                   cancel its jobs, stop its daemons, remove DIR",
    "  install                                    only install the packages where missing",
    "  check                                      say whether a cluster can start here (exit 1 if not)",
  ].join("\n");
}

async function main(argv) {
  const [command, ...rest] = argv;
  const option = (name) => {
    const at = rest.indexOf(name);
    return at >= 0 ? rest[at + 1] : undefined;
  };
  switch (command) {
    case "up": {
      installSlurm();
      const cpus = option("--cpus");
      const started = await startLocalCluster({
        ...(cpus ? { cpus: Number(cpus) } : {}),
        schedulerParameters: option("--scheduler-parameters"),
      });
      process.stderr.write(
        `local Slurm up: node ${started.node} (${started.cpus} CPUs), partition ${started.partition}, pids ${JSON.stringify(started.pids)}\nstop it: node ${path.relative(process.cwd(), SCRIPT)} down ${started.dir}\n`,
      );
      process.stdout.write(`export SLURM_CONF=${started.conf}\n`);
      return 0;
    }
    case "env": {
      if (!rest[0]) break;
      process.stdout.write(`export SLURM_CONF=${openLocalCluster(rest[0]).conf}\n`);
      return 0;
    }
    case "down": {
      if (!rest[0]) break;
      const dir = path.resolve(rest[0]);
      const signalled = stopLocalCluster(dir);
      process.stderr.write(
        `local Slurm down: stopped ${signalled.length} daemons (${signalled.join(", ")})\n`,
      );
      return 0;
    }
    case "install":
      process.stderr.write(installSlurm() ? "installed\n" : "already installed\n");
      return 0;
    case "check": {
      const reason = slurmPreflight();
      process.stdout.write(reason ? `cannot start: ${reason}\n` : "a local cluster can start here\n");
      return reason ? 1 : 0;
    }
  }
  process.stderr.write(`${usage()}\n`);
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === SCRIPT) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`local-cluster: ${error.message}\n`);
      process.exit(1);
    },
  );
}
