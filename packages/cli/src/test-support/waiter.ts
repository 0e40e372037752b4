/**
 * A tiny executable for the Ctrl-C test: `waiter` prints "ready", then waits
 * for its signal and throws what a command throws when interrupted.
 */
import { InterruptedError } from "@skeleton-cache/errors";
import { createProgram, interruptible, processIo, runMain } from "../index.js";

const program = createProgram({ name: "waiter", description: "waits for Ctrl-C", version: "0.0.0" });
program.command("wait").action(async () => {
  const interrupt = interruptible(processIo, "waiter", "saving 2 of 5 items");
  try {
    process.stdout.write("ready\n");
    // Stands for work in flight (a request, a model run), which keeps the process alive.
    const work = setInterval(() => {}, 1000);
    await new Promise<void>((resolve) => interrupt.signal.addEventListener("abort", () => resolve()));
    clearInterval(work);
    throw new InterruptedError("2 of 5 items saved in out.json; run the same command again to resume");
  } finally {
    interrupt.dispose();
  }
});
await runMain(program);
