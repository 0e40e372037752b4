import { describeValue, type ErrorDetails, FormatError, ValueError } from "./errors.js";

/**
 * The parts of a zod issue the conversion reads: zod 4's `$ZodIssue`, typed
 * by shape so that this package needs no zod (every other package brings its own).
 */
export interface ZodIssueLike {
  readonly code?: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** `unrecognized_keys`: the keys the schema does not take. */
  readonly keys?: readonly string[];
  /** The value at fault, where zod reports it (`reportInput`). */
  readonly input?: unknown;
}

/** A zod failure (`ZodError`, or `safeParse(...).error`), by shape. */
export interface ZodErrorLike {
  readonly issues: readonly ZodIssueLike[];
}

/** The first issue of a zod failure, as a person reads it. */
export interface ZodIssueSummary {
  /** Dotted path of the field at fault ("(root)": the value itself); for unknown keys, the first one. */
  readonly field: string;
  /** The value found there (undefined where it is missing or the input was not given). */
  readonly value: unknown;
  /** zod's message for the issue. */
  readonly reason: string;
  /** Dotted paths of the keys the schema does not take, when that is the issue. */
  readonly unknownFields?: readonly string[];
  /** `field "F" is V: reason` (`is missing` where absent), or `unknown field "F"`. */
  readonly text: string;
}

function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of keys) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function dotted(keys: readonly PropertyKey[]): string {
  return keys.map(String).join(".");
}

/**
 * The first issue of `error` with the field it names and the value found
 * there in `input` (the value that was parsed). Without `input` (and without
 * zod's `reportInput`) the text names the field only.
 */
export function summarizeZodIssue(error: ZodErrorLike, input?: { readonly value: unknown }): ZodIssueSummary {
  const issue = error.issues[0];
  if (!issue) return { field: "(root)", value: undefined, reason: "invalid", text: "invalid" };
  const keys = issue.path;
  if (issue.code === "unrecognized_keys" && issue.keys && issue.keys.length > 0) {
    const unknownFields = issue.keys.map((key) => dotted([...keys, key]));
    return {
      field: unknownFields[0]!,
      value: input ? valueAt(input.value, [...keys, issue.keys[0]!]) : undefined,
      reason: issue.message,
      unknownFields,
      text: `unknown field ${unknownFields.map((f) => `"${f}"`).join(", ")}`,
    };
  }
  const field = keys.length > 0 ? dotted(keys) : "(root)";
  const known = input !== undefined || "input" in issue;
  const value = "input" in issue ? issue.input : input ? valueAt(input.value, keys) : undefined;
  const shown = !known ? "" : value === undefined ? " is missing" : ` is ${describeValue(value)}`;
  return { field, value, reason: issue.message, text: `field "${field}"${shown}: ${issue.message}` };
}

/** How `zodIssueError` names the input and words the error. */
export interface ZodIssueErrorOptions {
  /** The value that was parsed: the field's value is read from it. */
  readonly input?: unknown;
  /** The file the value came from (in the message and in `details.file`). */
  readonly file?: string;
  /** What the value is, e.g. `backbone "onnx" config`: the message starts with it. */
  readonly what?: string;
  /** A bad file (`FormatError`) or a bad value (`ValueError`, the default); both exit 2. */
  readonly kind?: "value" | "format";
  /** Prefix of `details.field` (e.g. the method a hyper-parameter belongs to). */
  readonly fieldPrefix?: string;
  /** Words the message from the summary instead of `what (file): text`. */
  readonly message?: (issue: ZodIssueSummary) => string;
}

/**
 * The typed error for a zod failure: its first issue, naming the file (when
 * given), the field and the value — `what (file): field "F" is V: reason`.
 * The one conversion of a zod failure (a schema's wording stays zod's; this
 * adds where and what, which zod's `prettifyError` does not say).
 */
export function zodIssueError(
  error: ZodErrorLike,
  options: ZodIssueErrorOptions = {},
): ValueError | FormatError {
  const summary = summarizeZodIssue(error, "input" in options ? { value: options.input } : undefined);
  const { file, what } = options;
  const where = what !== undefined ? (file !== undefined ? `${what} (${file})` : what) : file;
  const message = options.message
    ? options.message(summary)
    : where !== undefined
      ? `${where}: ${summary.text}`
      : summary.text;
  const details: ErrorDetails = {
    ...(file !== undefined ? { file } : {}),
    field: options.fieldPrefix ? `${options.fieldPrefix}.${summary.field}` : summary.field,
    value: summary.value,
  };
  return options.kind === "format" ? new FormatError(message, details) : new ValueError(message, details);
}
