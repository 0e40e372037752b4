import { FormatError } from "@skeleton-cache/errors";

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Line-oriented reader for whitespace-separated text formats. Every error it
 * throws is a FormatError naming the file and the 1-based line.
 */
export class LineReader {
  private readonly lines: string[];
  private index = 0;
  constructor(
    text: string,
    readonly file: string,
  ) {
    this.lines = text.split("\n");
    // A final newline ends the last line; it does not start another.
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] === "") this.lines.pop();
  }

  /** 1-based number of the line `next()` returned last. */
  get line(): number {
    return this.index;
  }

  fail(message: string, value?: unknown, line = this.index): never {
    throw new FormatError(`${this.file}: line ${line}: ${message}`, {
      file: this.file,
      position: `line ${line}`,
      ...(value === undefined ? {} : { value }),
    });
  }

  /** Tokens of the next line; end of file → FormatError saying what was expected. */
  next(what: string): string[] {
    if (this.index >= this.lines.length)
      this.fail(`file ends where ${what} was expected`, undefined, this.index + 1);
    const text = this.lines[this.index++]!.trim();
    return text === "" ? [] : text.split(/\s+/);
  }

  /** True when only blank lines remain. */
  atEnd(): boolean {
    for (let i = this.index; i < this.lines.length; i++) if (this.lines[i]!.trim() !== "") return false;
    return true;
  }

  /** Skips blank lines; returns the 1-based number of the first non-blank line left. */
  firstContentLine(): number {
    let i = this.index;
    while (i < this.lines.length && this.lines[i]!.trim() === "") i++;
    return i + 1;
  }

  /** The next line as exactly `count` tokens. */
  tokens(count: number, what: string): string[] {
    const tokens = this.next(what);
    if (tokens.length !== count)
      this.fail(`${what}: expected ${count} values, found ${tokens.length}`, tokens.join(" "));
    return tokens;
  }

  /** A finite decimal number. */
  number(token: string, what: string): number {
    if (!NUMBER.test(token)) this.fail(`${what} is not a number`, token);
    const value = Number(token);
    if (!Number.isFinite(value)) this.fail(`${what} is not finite`, token);
    return value;
  }

  /** An integer in [min, max]. */
  integer(token: string, what: string, min: number, max: number): number {
    const value = this.number(token, what);
    if (!Number.isInteger(value) || value < min || value > max)
      this.fail(`${what} must be an integer in [${min}, ${max}]`, token);
    return value;
  }

  /** A line holding exactly one integer in [min, max]. */
  count(what: string, min: number, max: number): number {
    const [token] = this.tokens(1, what);
    return this.integer(token!, what, min, max);
  }
}
