#!/usr/bin/env node
import { runPriorCommand } from "./cli.js";

// Standalone `skc-prior`: the same commands `skc prior ...` mounts.
const controller = new AbortController();
let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write(
    "\nskc-prior: interrupted; finished classes are saved (press Ctrl-C again to quit now)\n",
  );
  controller.abort(new Error("interrupted"));
});
const code = await runPriorCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = interrupted && code === 1 ? 130 : code;
