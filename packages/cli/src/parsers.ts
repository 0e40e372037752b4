/**
 * Option-value parsers. Each throws commander's InvalidArgumentError with a
 * predicate ("is not a number"), which `runProgram` turns into
 * `<bin> <command>: error: -K/--capacity: "0" is not an integer ≥ 1`.
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";

/** A finite number, optionally bounded below. */
export function parseNumber(options: { readonly min?: number } = {}) {
  return (value: string): number => {
    const n = value.trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError("is not a number");
    if (options.min !== undefined && n < options.min)
      throw new InvalidArgumentError(`is not a number ≥ ${options.min}`);
    return n;
  };
}

/** An integer ≥ `min` (default 0). */
export function parseInteger(options: { readonly min?: number } = {}) {
  const min = options.min ?? 0;
  return (value: string): number => {
    const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`is not an integer ≥ ${min}`);
    return n;
  };
}

/** A `YYYY-MM-DD` date. */
export function parseDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError("is not a date YYYY-MM-DD");
  return value;
}

/**
 * A comma-separated list of class ids: 0-based ids (`10,11`) or, when
 * `actionCodes` is given, dataset action codes (`A011`, `a11`: action 11 =
 * id 10). Duplicates are refused.
 */
export function parseClassIds(options: { readonly actionCodes?: boolean } = {}) {
  return (value: string): number[] => {
    const ids = value.split(",").map((part, position) => {
      const text = part.trim();
      const code = /^[Aa](\d+)$/.exec(text);
      if (code && options.actionCodes) {
        const action = Number(code[1]);
        if (action < 1)
          throw new InvalidArgumentError(
            `has action code ${text} at position ${position}; codes start at A001`,
          );
        return action - 1;
      }
      if (!/^\d+$/.test(text))
        throw new InvalidArgumentError(
          `has ${JSON.stringify(text)} at position ${position}: not a 0-based class id${options.actionCodes ? " or an action code such as A011" : ""}`,
        );
      return Number(text);
    });
    const seen = new Set<number>();
    for (const id of ids) {
      if (seen.has(id)) throw new InvalidArgumentError(`lists class id ${id} twice`);
      seen.add(id);
    }
    return ids;
  };
}
