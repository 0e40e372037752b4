/**
 * A tiny executable for the Ctrl-C tests. Each command prints "ready" and
 * then waits for Ctrl-C its own way:
 * - `wait`: watches its signal, then throws what a library throws when
 *   interrupted;
 * - `spin`: spins synchronously forever (only `runSync` can end it);
 * - `finish`: sees the signal, but finishes its work anyway;
 * - `ignore`: says it saw the first Ctrl-C and goes on (a second one must end it);
 * - `steps`: passes the checkpoints `first` and `second` (the test hook
 *   SKC_TEST_INTERRUPT_AT stops it at one).
 */
import { InterruptedError } from "@skeleton-cache/errors";
import { createProgram, currentInterrupt, runMain } from "../index.js";

const program = createProgram({ name: "waiter", description: "waits for Ctrl-C", version: "0.0.0" });
/** Says "ready" once the action's synchronous start (which Ctrl-C ends at once: "nothing was written") is over. */
const ready = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  process.stdout.write("ready\n");
};
/** Stands for work in flight (a request, a model run), which keeps the process alive until `signal` aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const work = setInterval(() => {}, 1000);
    signal.addEventListener("abort", () => {
      clearInterval(work);
      resolve();
    });
  });

program.command("wait").action(async () => {
  await ready();
  await aborted(currentInterrupt().signal);
  throw new InterruptedError("2 of 5 items saved in out.json; run the same command again to resume");
});
program.command("spin").action(() => {
  process.stdout.write("ready\n");
  for (;;);
});
program.command("finish").action(async () => {
  const interrupt = currentInterrupt();
  await ready();
  await aborted(interrupt.signal);
  interrupt.keeping("out.json is complete");
});
program.command("ignore").action(async () => {
  const interrupt = currentInterrupt();
  interrupt.keeping("3 of 5 items saved in out.json; run the same command again to resume");
  interrupt.signal.addEventListener("abort", () => process.stdout.write("going on\n"));
  await ready();
  await new Promise(() => setInterval(() => {}, 1000));
});
program.command("steps").action(async () => {
  const interrupt = currentInterrupt();
  await interrupt.checkpoint("first");
  interrupt.keeping("the first step is done");
  await interrupt.checkpoint("second");
  process.stdout.write("both steps done\n");
});
await runMain(program);
