/**
 * The prior commands (generate, validate, show, diff, uniform) as commander
 * commands: the argument parsing of `skc-prior` and of `skc prior`, which
 * mounts them. Each action hands its flags to this package's functions
 * (`../flags.ts` says what each flag means); nothing here computes.
 */

import {
  type CliIo,
  type Command,
  commonFlags,
  currentInterrupt,
  example,
  parseInteger,
  parseNumber,
  printResult,
} from "@skeleton-cache/cli";
import { priorToJson, resolvePrior, savePrior } from "@skeleton-cache/prior";
import { priorValidation, priorValidationText, uniformPriorFromFlags } from "../flags.js";
import { diffPriors, formatDiff, formatPrior } from "../report.js";
import { classesOption, selectionFlags } from "./class-flags.js";
import { addGenerate } from "./generate-command.js";

/** Where the prior commands write, what they read from the environment, and how they are called. */
export interface PriorCommandContext {
  readonly io: CliIo;
  /** OPENAI_API_KEY, OPENAI_BASE_URL (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How a user calls them, for examples and messages: `skc-prior` or `skc prior`. */
  readonly bin: string;
}

const SHIPPED =
  "a prior file, or a shipped id (ntu60_55_5, ntu60_48_12, ntu120_110_10, ntu120_96_24, utd-mhad)";

function addChecks(parent: Command, context: PriorCommandContext): void {
  const { io } = context;
  const validate = parent
    .command("validate")
    .description("check prior files: schema, ranges, class count; a file without any class importances fails")
    .argument("<files...>", SHIPPED)
    .option("--num-classes <n>", "the number of classes each file must have", parseInteger({ min: 1 }))
    .option("--complete", "every class must have importances")
    .action((files, flags, cmd) => {
      const found = files.map((file) => priorValidation(file, flags));
      const text = found.map((one) => `${priorValidationText(one)}\n`).join("");
      printResult(io, commonFlags(cmd), { text, json: found });
    });
  example(validate, `${context.bin} validate --complete ntu60_55_5 my-prior.json`);
  const show = parent
    .command("show")
    .description("print a prior as a table")
    .argument("<file>", SHIPPED)
    .action((file, _flags, cmd) => {
      const { prior } = resolvePrior(file);
      printResult(io, commonFlags(cmd), { text: `${formatPrior(prior)}\n`, json: priorToJson(prior) });
    });
  example(show, `${context.bin} show utd-mhad`);
  const diff = parent
    .command("diff")
    .description("compare two priors class by class (L1 distances)")
    .argument("<a>", SHIPPED)
    .argument("<b>", SHIPPED)
    .action((fileA, fileB, _flags, cmd) => {
      const a = resolvePrior(fileA).prior;
      const b = resolvePrior(fileB).prior;
      const diff = diffPriors(a, b);
      printResult(io, commonFlags(cmd), { text: `${formatDiff(a, b, diff)}\n`, json: diff });
    });
  example(diff, `${context.bin} diff my-ntu60_55_5.json ntu60_55_5`);
}

function addUniform(parent: Command, context: PriorCommandContext): void {
  const command = selectionFlags(
    parent
      .command("uniform")
      .description("write the no-LLM baseline prior (uniform parts and phases)")
      .requiredOption("--out <file>", "prior file to write")
      .option("--num-classes <n>", "number of classes (instead of --classes)", parseInteger({ min: 1 }))
      .option("--gamma <γ>", "γ of every class", parseNumber({ min: 0 }), 0.5)
      .addOption(classesOption()),
  ).action((flags, cmd) => {
    const prior = uniformPriorFromFlags(flags);
    savePrior(flags.out, prior); // atomically: a stop before this line leaves nothing
    currentInterrupt().keeping(`${flags.out} is complete`);
    const { out, gamma } = flags;
    const text = `prior: wrote ${out}: uniform prior, ${prior.numClasses} classes, gamma ${gamma}\n`;
    printResult(
      context.io,
      commonFlags(cmd),
      { text, json: { out, numClasses: prior.numClasses, gamma } },
      { to: "stderr" },
    );
  });
  example(command, `${context.bin} uniform --num-classes 5 --split ntu60_55_5 --out uniform.json`);
}

/** Adds generate, validate, show, diff and uniform under `parent` (a program or a `prior` command). */
export function addPriorCommands<C extends Command>(parent: C, context: PriorCommandContext): C {
  addGenerate(parent, context);
  addChecks(parent, context);
  addUniform(parent, context);
  return parent;
}
