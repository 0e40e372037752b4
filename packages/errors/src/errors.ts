/**
 * Typed errors shared by every package. Each names what is at fault (a file, a
 * field, a position, a value) so a user can find and fix it; `code` is stable
 * for programs, `message` is for people.
 */

/** Details carried by every error: any of these that are known. */
export interface ErrorDetails {
  /** File the bad input came from. */
  readonly file?: string;
  /** Field, key, option or argument name (dotted path for nested data). */
  readonly field?: string;
  /** The offending value, as found. */
  readonly value?: unknown;
  /** Byte offset, line number or element index inside the file / array. */
  readonly position?: number | string;
  /** What was expected instead. */
  readonly expected?: unknown;
}

/** Base class of every error this project throws on purpose. */
export class SkeletonCacheError extends Error {
  readonly code: string;
  readonly details: ErrorDetails;
  constructor(code: string, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** An array whose shape is not the one required. */
export class ShapeError extends SkeletonCacheError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("E_SHAPE", message, details);
  }
}

/** NaN or ±Infinity where finite numbers are required. */
export class NonFiniteError extends SkeletonCacheError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("E_NON_FINITE", message, details);
  }
}

/** A value outside its allowed domain (negative count, bad option, unknown key). */
export class ValueError extends SkeletonCacheError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("E_VALUE", message, details);
  }
}

/** A file that does not follow its format (truncated, corrupted, unsupported). */
export class FormatError extends SkeletonCacheError {
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super("E_FORMAT", message, details, options);
  }
}

/** Formats a value for an error message: short, and NaN / Infinity visible. */
export function describeValue(value: unknown): string {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    return String(value);
  }
  if (typeof value === "string")
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return "undefined";
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  try {
    const text = JSON.stringify(value, (_k, v) =>
      typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
    );
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}

/** Work stopped by the user (Ctrl-C / SIGINT); what was finished is kept and the message says where. */
export class InterruptedError extends SkeletonCacheError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("E_INTERRUPTED", message, details);
  }
}
