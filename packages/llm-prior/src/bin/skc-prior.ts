#!/usr/bin/env node
/** `skc-prior`: the prior commands on their own (the same ones `skc prior` mounts). */
import { createProgram, packageVersion, runMain } from "@skeleton-cache/cli";
import { addPriorCommands } from "./commands.js";

const program = createProgram({
  name: "skc-prior",
  description:
    "class priors for Skeleton-Cache: generate (any OpenAI-compatible endpoint), validate, show, diff, uniform",
  version: packageVersion(new URL("../../package.json", import.meta.url)),
});
await runMain(
  addPriorCommands(program, { io: { stdout: process.stdout, stderr: process.stderr }, bin: "skc-prior" }),
);
