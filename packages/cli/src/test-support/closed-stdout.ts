/**
 * A tiny executable for the closed-stdout test (`skc eval --help | head -3`):
 * it waits until its stdin ends — the test closes the read end of its stdout
 * first — then runs its arguments: `--help`, or `print`, which writes 1000
 * lines to stdout.
 */
import { createProgram, processIo, runMain } from "../index.js";

const program = createProgram({
  name: "talker",
  description: "writes to a stdout whose reader has gone",
  version: "0.0.0",
});
program
  .command("print")
  .description("prints 1000 lines")
  .action(() => {
    for (let line = 0; line < 1000; line++) processIo.stdout.write(`line ${line}\n`);
  });
await new Promise<void>((resolve) => {
  process.stdin.on("end", () => resolve());
  process.stdin.resume();
});
await runMain(program);
