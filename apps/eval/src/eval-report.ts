/**
 * The report of one run: report.json is an `EvalReport` (its JSON schema:
 * schemas.ts). The types live here, apart from the run that fills them, so
 * the readers (report.md, report.html, the summary) depend on the report,
 * not on the run.
 */
import type {
  Accuracy,
  CacheStatistics,
  GzslResult,
  PerClassAccuracy,
  StreamOrderStats,
} from "@skeleton-cache/metrics";
import type {
  AblationRow,
  GridPoint,
  GridValues,
  OrdersResult,
  Protocol,
  ReferencePoint,
} from "@skeleton-cache/protocols";
import type { MethodCapabilities, MethodParams } from "@skeleton-cache/tta";
import type { EvalConfig } from "./config.js";
import type { EVAL_REPORT_FORMAT } from "./schemas.js";

/** Accuracy figures of one set of predictions. */
export interface PredictionSummary {
  readonly top1: Accuracy;
  /** Top-5 (or top-U when U < 5) from the logits; null where no logits exist (second-pass predictions). */
  readonly top5: Accuracy | null;
  readonly perClass: PerClassAccuracy;
  /** Row-major U × U, rows = true class. */
  readonly confusion: number[][];
}

export interface GzslSection {
  readonly seenIds: number[];
  readonly seenIndices: number[];
  readonly average: "sample" | "class";
  readonly mode: "given" | "sweep";
  readonly backbone: { readonly best: GzslResult; readonly points: GzslResult[] };
  readonly cache: { readonly best: GzslResult; readonly points: GzslResult[] };
}

/** The method of a run, as the report names it. */
export interface MethodSection {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly reference: string;
  readonly capabilities: MethodCapabilities;
  /** Whether the runner-up hedge was on (the cache methods), null for methods without one. */
  readonly hedgeActive: boolean | null;
}

/** Everything a run computed; report.json is this object. */
export interface EvalReport {
  /** Schema name and version of report.json (schemas.ts). */
  readonly format: typeof EVAL_REPORT_FORMAT;
  readonly tool: Record<string, unknown>;
  readonly synthetic: boolean;
  readonly syntheticNote: string | null;
  readonly protocol: {
    readonly name: Protocol;
    readonly description: string;
    readonly selectsOnTestLabels: boolean;
  };
  readonly config: EvalConfig;
  readonly seed: number;
  /** How the labels run along the bundle's order (sorted by label = long runs of one class). */
  readonly stream: StreamOrderStats;
  /** What the reader of the figures must know (also printed by `skc eval`). */
  readonly warnings: string[];
  readonly bundle: {
    readonly source: string;
    readonly numSamples: number;
    readonly numClasses: number;
    readonly channels: number;
    readonly input: "features" | "descriptors";
    readonly classIds: number[] | null;
    readonly classNames: string[];
    readonly meta: Record<string, unknown>;
  };
  readonly prior: { readonly kind: string; readonly source: string; readonly split: string | null };
  readonly method: MethodSection;
  /** The hyper-parameters of the main pass (the one in predictions.csv). */
  readonly params: MethodParams;
  readonly results: {
    readonly backbone: PredictionSummary;
    readonly cache: PredictionSummary;
    readonly gain: number;
    /** Block occupancy and pseudo-label precision; null for a method without class blocks. */
    readonly cacheStatistics: CacheStatistics | null;
    readonly running: { readonly positions: number[]; readonly backbone: number[]; readonly cache: number[] };
  };
  readonly grid: {
    readonly on: "validation bundle" | "test labels";
    /** The grid's parameter names, outermost first. */
    readonly keys: string[];
    readonly points: (GridPoint | ReferencePoint)[];
    readonly best: GridPoint | ReferencePoint;
  } | null;
  readonly validation: {
    readonly bundle: string;
    readonly prior: { readonly kind: string; readonly source: string };
    readonly numSamples: number;
    readonly numClasses: number;
    readonly chosen: GridValues;
    readonly validationTop1: number;
  } | null;
  /** The spread over R stream orders (the orders protocol, and beside online / validation runs). */
  readonly orders: (OrdersResult & { readonly streamOrderTop1: number }) | null;
  readonly reference: {
    readonly label: string;
    readonly best: ReferencePoint;
    readonly reportedTop1: number;
    readonly meanMaxBaseLogit: number;
    readonly threshold: number;
    readonly fixed: { readonly params: MethodParams; readonly top1: number };
  } | null;
  readonly ablations: AblationRow[] | null;
  readonly gzsl: GzslSection | null;
  readonly files: string[];
  readonly timing: Record<string, number>;
}
