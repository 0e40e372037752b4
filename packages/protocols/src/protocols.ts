/**
 * The evaluation protocols as entries of the "protocol" plug point of
 * @skeleton-cache/registry: online, validation, orders and reference ship
 * here (registered on first use); `registerProtocol` adds yours. A protocol
 * decides the final hyper-parameters and the main online pass of a run;
 * `@skeleton-cache/evaluate` puts the report around it.
 */
import { ValueError } from "@skeleton-cache/errors";
import { accuracy } from "@skeleton-cache/metrics";
import type { ResolvedPrior } from "@skeleton-cache/prior";
import { defineRegistry, type RegistryDescription, type RegistryEntry } from "@skeleton-cache/registry";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { getMethodSpec, type MethodParams, type MethodRun, onlinePass } from "@skeleton-cache/tta";
import { z } from "zod";
import { checkedInput, type MethodSetup, type Tick } from "./data.js";
import { type Grid, type GridPoint, type GridValues, gridSearch } from "./grid.js";
import { buildMethod } from "./online.js";
import { type ReferencePoint, referenceGrid, SECOND_PASS_THRESHOLD } from "./reference.js";

/** What a protocol runs on. */
export interface ProtocolContext {
  /** The test stream, its descriptors computed. */
  readonly stream: LabelledStream;
  /** The method, its complete hyper-parameters and the prior. */
  readonly setup: MethodSetup;
  /** The validation protocol's stream (the split's validation classes, described) and its prior. */
  readonly validation?:
    | {
        readonly stream: LabelledStream;
        /** The validation prior and how it was named (the validation section records `kind` and `source`). */
        readonly prior: Pick<ResolvedPrior, "prior" | "kind" | "source">;
      }
    | undefined;
  /** Called after each online pass (progress). */
  readonly tick?: Tick | undefined;
}

/** The config every protocol is handed; each entry's schema checks the keys it reads. */
export interface ProtocolConfig {
  /** R: stream orders of the spread (the orders protocol needs R ≥ 1). */
  readonly orders: number;
  readonly seed: number;
  /** The method's validation grid. */
  readonly grid: Grid;
}

/** report.json `grid`: the points a protocol tried and the one it chose. */
export interface GridSection {
  readonly on: "validation bundle" | "test labels";
  readonly keys: string[];
  readonly points: (GridPoint | ReferencePoint)[];
  readonly best: GridPoint | ReferencePoint;
}

/** report.json `validation`: where the validation protocol chose its hyper-parameters. */
export interface ValidationSection {
  readonly bundle: string;
  readonly prior: { readonly kind: string; readonly source: string };
  readonly numSamples: number;
  readonly numClasses: number;
  readonly chosen: GridValues;
  readonly validationTop1: number;
}

/** report.json `reference`: the oracle's choice and the fixed hyper-parameters beside it. */
export interface ReferenceSection {
  readonly label: string;
  readonly best: ReferencePoint;
  readonly reportedTop1: number;
  readonly meanMaxBaseLogit: number;
  readonly threshold: number;
  readonly fixed: { readonly params: MethodParams; readonly top1: number };
}

/** What a protocol decided: the final hyper-parameters, the main pass and the reported predictions. */
export interface ProtocolOutcome {
  readonly params: MethodParams;
  /** The main online pass (predictions.csv's online column, the trace of report.html). */
  readonly mainRun: MethodRun;
  /** The reported predictions: the main pass's, or a second pass's. */
  readonly predictions: Int32Array;
  /** Whether `predictions` come from a pass with no updates (no logits behind them). */
  readonly secondPassFired: boolean;
  readonly grid: GridSection | null;
  readonly validation: ValidationSection | null;
  readonly reference: ReferenceSection | null;
}

/** An entry of the "protocol" plug point. */
export interface ProtocolEntry extends RegistryEntry {
  /** Whether it chooses hyper-parameters on the test labels (an oracle: reported as such). */
  readonly selectsOnTestLabels: boolean;
  /** Whether the spread over R seeded stream orders is reported beside its main pass. */
  readonly spread: boolean;
  /** The online passes `run` makes (progress). */
  passes(context: ProtocolContext, config: ProtocolConfig): number;
  /** Runs the protocol; `config` has passed `configSchema`. */
  run(context: ProtocolContext, config: ProtocolConfig): ProtocolOutcome;
}

const ORIGIN = "@skeleton-cache/protocols";
const gridSize = (grid: Grid) => Object.values(grid).reduce((n, values) => n * values.length, 1);

/** online: fixed hyper-parameters; one pass in the stream's order. */
function online(context: ProtocolContext): ProtocolOutcome {
  const mainRun = onlinePass(checkedInput(context.stream), buildMethod(context.stream, context.setup));
  context.tick?.();
  return {
    params: context.setup.params,
    mainRun,
    predictions: mainRun.refinedPred,
    secondPassFired: false,
    grid: null,
    validation: null,
    reference: null,
  };
}

const onlineProtocol: ProtocolEntry = {
  name: "online",
  description: "online: fixed hyper-parameters; one pass in the stream's order",
  configSchema: z.object({}),
  origin: ORIGIN,
  selectsOnTestLabels: false,
  spread: true,
  passes: () => 1,
  run: online,
};

const ordersProtocol: ProtocolEntry = {
  name: "orders",
  description: "orders: the online protocol over R seeded permutations of the stream (mean, sd, min, max)",
  configSchema: z.object({
    orders: z.number().int().min(1, { error: "the orders protocol needs R ≥ 1 stream orders (--orders R)" }),
  }),
  origin: ORIGIN,
  selectsOnTestLabels: false,
  spread: true,
  passes: () => 1,
  run: online,
};

/** validation: the method's grid on the validation stream, then one online pass over the test stream. */
function validation(context: ProtocolContext, config: ProtocolConfig): ProtocolOutcome {
  const given = context.validation;
  if (!given) {
    throw new ValueError(
      "protocol validation needs a validation stream and its prior (setup.validation; skc eval: --validation-bundle DIR|FILE)",
      { field: "validation" },
    );
  }
  const { setup, stream } = context;
  const search = gridSearch(given.stream, { ...setup, prior: given.prior.prior }, config.grid, context.tick);
  const params = { ...setup.params, ...search.best.values };
  const mainRun = onlinePass(checkedInput(stream), buildMethod(stream, { ...setup, params }));
  context.tick?.();
  return {
    params,
    mainRun,
    predictions: mainRun.refinedPred,
    secondPassFired: false,
    grid: {
      on: "validation bundle",
      keys: Object.keys(config.grid),
      points: search.points,
      best: search.best,
    },
    validation: {
      bundle: given.stream.source ?? "validation stream",
      prior: { kind: given.prior.kind, source: given.prior.source },
      numSamples: given.stream.labels.length,
      numClasses: given.stream.logits.shape[1]!,
      chosen: search.best.values,
      validationTop1: search.best.top1,
    },
    reference: null,
  };
}

const validationProtocol: ProtocolEntry = {
  name: "validation",
  description:
    "validation: the method's hyper-parameters chosen over its grid on a validation bundle (the split's validation classes), then one online pass over the test bundle",
  configSchema: z.object({ grid: z.record(z.string(), z.array(z.number()).min(1)) }),
  origin: ORIGIN,
  selectsOnTestLabels: false,
  spread: true,
  passes: (_, config) => 1 + gridSize(config.grid),
  run: validation,
};

/** reference: the method's grid judged on the TEST labels (an oracle), with the conditional second pass. */
function reference(context: ProtocolContext): ProtocolOutcome {
  const { stream, setup } = context;
  const grid = getMethodSpec(setup.method).grid;
  const result = referenceGrid(stream, setup, grid, context.tick);
  const fixedRun = onlinePass(checkedInput(stream), buildMethod(stream, setup));
  context.tick?.();
  const best = result.best;
  return {
    params: { ...setup.params, ...best.values },
    mainRun: result.bestRun.run,
    predictions: result.bestRun.predictions,
    secondPassFired: best.secondPassFired,
    grid: { on: "test labels", keys: Object.keys(grid), points: result.points, best },
    validation: null,
    reference: {
      label:
        "hyper-parameters selected on TEST labels (oracle); reproduces the authors' reported figure, not a deployable setting",
      best,
      reportedTop1: best.top1,
      meanMaxBaseLogit: result.meanMax,
      threshold: SECOND_PASS_THRESHOLD,
      fixed: { params: setup.params, top1: accuracy(fixedRun.refinedPred, stream.labels).percent },
    },
  };
}

const referenceProtocol: ProtocolEntry = {
  name: "reference",
  description:
    "reference: the authors' evaluation — best point of the method's grid CHOSEN ON TEST LABELS (an oracle), with the conditional second pass where the method's blocks fill",
  configSchema: z.object({}),
  origin: ORIGIN,
  selectsOnTestLabels: true,
  spread: false,
  passes: (context) => gridSize(getMethodSpec(context.setup.method).grid) + 2,
  run: reference,
};

/**
 * The "protocol" plug point (one store on globalThis, shared by every
 * installed copy). The shipped protocols are registered on first use, in
 * this order: online (the default), validation, orders, reference.
 */
const protocols = defineRegistry<ProtocolEntry>({
  kind: "protocol",
  noun: "protocol",
  functions: ["passes", "run"],
  validate: (entry) => {
    for (const field of ["selectsOnTestLabels", "spread"] as const)
      if (typeof entry[field] !== "boolean")
        throw new ValueError(`protocol ${entry.name} needs ${field}: true | false`, {
          field,
          value: entry[field],
        });
  },
  builtins: () => [onlineProtocol, validationProtocol, ordersProtocol, referenceProtocol],
  register: "registerProtocol(entry) from @skeleton-cache/protocols",
});

/** The protocol used when none is named. */
export const DEFAULT_PROTOCOL = onlineProtocol.name;

/**
 * Registers a protocol: validated (name, priority, description, zod
 * configSchema, passes and run functions). The same entry again is a no-op;
 * another under a taken name at the same priority is an error; a higher
 * priority takes the name.
 */
export function registerProtocol(entry: ProtocolEntry): void {
  protocols.register(entry);
}

/** Removes the protocol at `priority`, or every protocol under `name`; whether one was registered. */
export function unregisterProtocol(name: string, priority?: number): boolean {
  return protocols.unregister(name, priority);
}

/** Names of the registered protocols: by priority, then registration order (the shipped ones first). */
export function protocolNames(): string[] {
  return protocols.list();
}

/** Every registered protocol: name, priority, description and config as JSON Schema. */
export function describeProtocols(): RegistryDescription[] {
  return protocols.describe();
}

/**
 * The protocol `name` with its config checked by the entry's schema; an
 * unknown name is a ValueError naming the known ones, a bad config one naming
 * the field and value.
 */
export function resolveProtocol(
  name: string,
  config: ProtocolConfig,
): { readonly entry: ProtocolEntry; readonly config: ProtocolConfig } {
  const resolved = protocols.resolve(name, config);
  // The entry's schema may fill defaults of keys it adds; the shared keys stay as given.
  return { entry: resolved.entry, config: { ...(resolved.config as object), ...config } };
}
