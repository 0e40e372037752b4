import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FormatError, InterruptedError, ValueError } from "@skeleton-cache/errors";
import { childEnv, REPO } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import {
  commonFlags,
  createProgram,
  example,
  flagName,
  helpDefault,
  Option,
  parseClassIds,
  parseInteger,
  parseNumber,
  printResult,
  rewriteCommanderMessage,
  runProgram,
} from "./index.js";

function capture() {
  let out = "";
  let err = "";
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } },
    out: () => out,
    err: () => err,
  };
}

/** A small program in the shape of `skc`: one command with a numeric, a choice and a list option. */
function tool(
  io: ReturnType<typeof capture>["io"],
  action: (options: Record<string, unknown>) => void = () => {},
) {
  const program = createProgram({ name: "tool", description: "a test tool", version: "1.2.3", io });
  const run = program
    .command("run")
    .description("runs")
    .option("-K, --capacity <K>", "entries per class", parseInteger({ min: 1 }), 8)
    .option("--alpha <α>", "fusion scale", parseNumber({ min: 0 }))
    .addOption(new Option("--protocol <name>", "protocol").choices(["online", "orders"] as const))
    .addOption(helpDefault(new Option("--beta <β>", "sharpness").argParser(parseNumber()), 5))
    .option("--classes <ids>", "class ids", parseClassIds({ actionCodes: true }))
    .action((options) => action(options));
  example(run, "tool run -K 4 --classes A011,A012");
  return program;
}

describe("runProgram", () => {
  it("--help shows every default (given or config-side) and one example; exit 0", async () => {
    const c = capture();
    expect(await runProgram(tool(c.io), ["run", "--help"], c.io)).toBe(0);
    expect(c.out()).toMatch(/-K, --capacity <K>\s+entries per class \(default: 8\)/);
    expect(c.out()).toMatch(/--beta <β>\s+sharpness \(default: 5\)/);
    expect(c.out()).toContain("Example:\n  $ tool run -K 4 --classes A011,A012");
    expect(c.err()).toBe("");
  });

  it("usage errors are one line naming the command and the flag as typed; exit 2", async () => {
    const cases: [string[], string][] = [
      [["run", "-K", "0"], 'tool run: error: -K/--capacity: "0" is not an integer ≥ 1'],
      [["run", "--capacity", "x"], 'tool run: error: -K/--capacity: "x" is not an integer ≥ 1'],
      [["run", "--alpha", "-1"], 'tool run: error: --alpha: "-1" is not a number ≥ 0'],
      [["run", "--protocol", "oracle"], 'tool run: error: --protocol: "oracle" is not one of online, orders'],
      [["run", "--classes", "1,x"], 'tool run: error: --classes: "1,x" has "x" at position 1'],
      [["run", "--bogus"], "tool run: error: unknown option --bogus"],
      [["run", "--alpha"], "tool run: error: option --alpha argument missing"],
      [["nope"], "tool: error: unknown command 'nope'"],
    ];
    for (const [argv, line] of cases) {
      const c = capture();
      expect(await runProgram(tool(c.io), argv, c.io), argv.join(" ")).toBe(2);
      expect(c.err().split("\n")[0], argv.join(" ")).toContain(line);
      expect(c.err()).not.toMatch(/option '--|option --K\b/);
    }
  });

  it("maps what an action throws: input errors 2, interruption 130, anything else 1", async () => {
    const cases: [unknown, number, RegExp][] = [
      [
        new ValueError("prior.json: num_classes is 5, expected 7"),
        2,
        /^tool run: error: prior\.json: num_classes/,
      ],
      [new FormatError("x.npy: truncated"), 2, /^tool run: error: x\.npy: truncated/],
      [new InterruptedError("3 of 6 classes saved"), 130, /^tool run: interrupted: 3 of 6 classes saved/],
      [new Error("disk on fire"), 1, /^tool run: error: disk on fire\n\(run again with --debug/],
    ];
    for (const [thrown, code, message] of cases) {
      const c = capture();
      const program = tool(c.io, () => {
        throw thrown;
      });
      expect(await runProgram(program, ["run"], c.io)).toBe(code);
      expect(c.err()).toMatch(message);
    }
    const debug = capture();
    const program = tool(debug.io, () => {
      throw new Error("disk on fire");
    });
    expect(await runProgram(program, ["run", "--debug"], debug.io)).toBe(1);
    expect(debug.err()).toMatch(/disk on fire\nError: disk on fire\n\s+at /);
  });

  it("passes parsed values to the action; --version prints the version", async () => {
    let seen: Record<string, unknown> = {};
    const c = capture();
    const program = tool(c.io, (options) => {
      seen = options;
    });
    expect(
      await runProgram(program, ["run", "-K", "4", "--classes", "A011,a1,7", "--alpha", "2"], c.io),
    ).toBe(0);
    expect(seen).toEqual({ capacity: 4, classes: [10, 0, 7], alpha: 2 });
    const v = capture();
    expect(await runProgram(tool(v.io), ["--version"], v.io)).toBe(0);
    expect(v.out()).toBe("1.2.3\n");
  });
});

describe("helpers", () => {
  it("flagName and rewriteCommanderMessage name flags as typed", () => {
    expect(flagName("-K, --capacity <K>")).toBe("-K/--capacity");
    expect(flagName("--validation-bundle <path>")).toBe("--validation-bundle");
    expect(rewriteCommanderMessage("error: required option '--model <file>' not specified")).toBe(
      "required option --model not specified",
    );
  });

  it("parseClassIds reads 0-based ids and action codes, and refuses duplicates", () => {
    expect(parseClassIds()("0, 2,10")).toEqual([0, 2, 10]);
    expect(parseClassIds({ actionCodes: true })("A001,A011,A120")).toEqual([0, 10, 119]);
    expect(() => parseClassIds()("A011")).toThrow(/not a 0-based class id/);
    expect(() => parseClassIds({ actionCodes: true })("A000")).toThrow(/codes start at A001/);
    expect(() => parseClassIds({ actionCodes: true })("A011,10")).toThrow(/lists class id 10 twice/);
  });
});

describe("the common flags", () => {
  /** A program with a parent command (`data`) over two commands, and one on its own. */
  function program(io: ReturnType<typeof capture>["io"]) {
    const root = createProgram({ name: "tool", description: "a test tool", version: "1.2.3", io });
    const data = root.command("data").description("data commands");
    data
      .command("show")
      .argument("<name>")
      .action((name, _options, command) =>
        printResult(io, commonFlags(command), {
          text: `${name}: 3 rows\n`,
          json: { name, rows: new Int32Array([1, 2, 3]) },
        }),
      );
    data
      .command("drop")
      .action((_options, command) =>
        printResult(
          io,
          commonFlags(command),
          { text: "dropped\n", json: { dropped: true } },
          { to: "stderr" },
        ),
      );
    root.command("version-only").action(() => {});
    return root;
  }

  it("every command, however deep, takes --quiet and --json; --help lists them", async () => {
    const c = capture();
    expect(await runProgram(program(c.io), ["data", "show", "--help"], c.io)).toBe(0);
    expect(c.out()).toMatch(/--quiet\s+print no progress and no summary/);
    expect(c.out()).toMatch(/--json\s+print the result as one JSON document on stdout/);
    for (const argv of [
      ["data", "drop", "--quiet"],
      ["version-only", "--json"],
      ["version-only", "--quiet"],
    ]) {
      const run = capture();
      expect(await runProgram(program(run.io), argv, run.io), argv.join(" ")).toBe(0);
      expect(run.err(), argv.join(" ")).toBe("");
    }
    // A parent command has no result of its own: it takes neither.
    const parent = capture();
    expect(await runProgram(program(parent.io), ["data", "--quiet", "show", "x"], parent.io)).toBe(2);
    expect(parent.err()).toContain("tool data: error: unknown option --quiet");
  });

  it("printResult: the text; nothing with --quiet; one JSON document with --json (typed arrays as lists)", async () => {
    const cases: [string[], string, string][] = [
      [["data", "show", "a"], "a: 3 rows\n", ""],
      [["data", "show", "a", "--quiet"], "", ""],
      [["data", "show", "a", "--json"], `${JSON.stringify({ name: "a", rows: [1, 2, 3] }, null, 2)}\n`, ""],
      [
        ["data", "show", "a", "--json", "--quiet"],
        `${JSON.stringify({ name: "a", rows: [1, 2, 3] }, null, 2)}\n`,
        "",
      ],
      [["data", "drop"], "", "dropped\n"],
      [["data", "drop", "--json"], `${JSON.stringify({ dropped: true }, null, 2)}\n`, ""],
    ];
    for (const [argv, out, err] of cases) {
      const c = capture();
      expect(await runProgram(program(c.io), argv, c.io), argv.join(" ")).toBe(0);
      expect(c.out(), argv.join(" ")).toBe(out);
      expect(c.err(), argv.join(" ")).toBe(err);
    }
    expect(commonFlags({ opts: () => ({ quiet: true }) })).toEqual({ quiet: true, json: false });
  });
});

describe("Ctrl-C (a real child process)", () => {
  /** Starts `waiter <command>`; resolves once it printed "ready" (unless `ready` is false). */
  async function waiter(command: string, options: { ready?: boolean; at?: string } = {}) {
    const script = fileURLToPath(new URL("./test-support/waiter.ts", import.meta.url));
    const child = spawn(process.execPath, ["--conditions=@skc/source", "--import", "tsx", script, command], {
      cwd: REPO,
      env: childEnv({ SKC_TEST_INTERRUPT_AT: options.at }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const started = new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("ready")) resolve();
      }),
    );
    if (options.ready !== false) await started;
    return { child, exit, stdout: () => stdout, stderr: () => stderr };
  }

  it("the first SIGINT aborts the command's signal; it exits 130 with one line saying what was kept", async () => {
    const run = await waiter("wait");
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(130);
    // One line, saying what was kept and how to continue.
    expect(run.stderr()).toBe(
      "waiter wait: interrupted: 2 of 5 items saved in out.json; run the same command again to resume\n",
    );
  });

  it("a synchronous action that never returns ends at once: exit 130, 'nothing was written'", async () => {
    const run = await waiter("spin");
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(130);
    expect(run.stderr()).toBe("waiter spin: interrupted: nothing was written; rerun the same command\n");
  });

  it("an action that finishes after Ctrl-C still exits 130, with the line it set", async () => {
    const run = await waiter("finish");
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(130);
    expect(run.stderr()).toBe("waiter finish: interrupted: out.json is complete\n");
  });

  it("a second Ctrl-C quits at once, with the same one line", async () => {
    const run = await waiter("ignore");
    run.child.kill("SIGINT");
    // The first one is handled (the command's signal aborts; it goes on) before the second is sent.
    while (!run.stdout().includes("going on")) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(run.child.exitCode).toBeNull();
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(130);
    expect(run.stderr()).toBe(
      "waiter ignore: interrupted: 3 of 5 items saved in out.json; run the same command again to resume\n",
    );
  });

  it("SKC_TEST_INTERRUPT_AT stops a command at the named checkpoint, and only there", async () => {
    const first = await waiter("steps", { ready: false, at: "first" });
    expect(await first.exit).toBe(130);
    expect(first.stderr()).toBe("waiter steps: interrupted: nothing was written; rerun the same command\n");
    const second = await waiter("steps", { ready: false, at: "second" });
    expect(await second.exit).toBe(130);
    expect(second.stderr()).toBe("waiter steps: interrupted: the first step is done\n");
    const none = await waiter("steps", { ready: false });
    expect(await none.exit).toBe(0);
    expect(none.stdout()).toBe("both steps done\n");
    expect(none.stderr()).toBe("");
  });
});

describe("a stdout whose reader has gone (`skc eval --help | head -3`)", () => {
  /** Runs test-support/closed-stdout.ts with `argv` after closing the read end of its stdout. */
  async function intoClosedPipe(argv: readonly string[]) {
    const script = fileURLToPath(new URL("./test-support/closed-stdout.ts", import.meta.url));
    const child = spawn(process.execPath, ["--conditions=@skc/source", "--import", "tsx", script, ...argv], {
      cwd: REPO,
      env: childEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // The reader goes away before the child writes anything; then the child may go on.
    await new Promise<void>((resolve) => {
      child.stdout.once("close", () => resolve());
      child.stdout.destroy();
    });
    child.stdin.end();
    return { code: await exit, stderr: () => stderr };
  }

  it("--help into a closed pipe ends quietly, exit 0", async () => {
    const run = await intoClosedPipe(["--help"]);
    expect(run.stderr()).toBe("");
    expect(run.code).toBe(0);
  });

  it("a command's output into a closed pipe: the rest is dropped, no stack trace, the command's own exit code", async () => {
    const run = await intoClosedPipe(["print"]);
    expect(run.stderr()).toBe("");
    expect(run.code).toBe(0);
  });
});
