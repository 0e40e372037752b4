/** The values the restricted pickle reader produces, and the caller's allow-list. */

/** A global (class or function) referenced by the pickle, pushed as a value. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance built by an allow-listed class without its own constructor logic. */
export class PickleObject {
  state: PickleValue | undefined;
  constructor(
    readonly className: string,
    readonly args: readonly PickleValue[],
  ) {
    this.state = undefined;
  }
}

/** Any value the reader can produce. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>
  | PickleGlobal
  | PickleObject
  | { readonly [key: string]: unknown };

/**
 * How one allow-listed global behaves:
 * - `true`: it may appear as a value (e.g. a storage type named inside a
 *   persistent id) but may not be called;
 * - a function: called by REDUCE / NEWOBJ / INST / OBJ with the arguments;
 * - an object with `construct` and optional `setState` (BUILD).
 */
export type PickleGlobalHandler =
  | true
  | ((args: readonly PickleValue[]) => PickleValue)
  | {
      readonly construct: (args: readonly PickleValue[]) => PickleValue;
      /** BUILD: applies `state` (like `__setstate__`) and returns the object to keep. */
      readonly setState?: (object: PickleValue, state: PickleValue) => PickleValue;
    };

export interface PickleOptions {
  /** Name used in error messages. */
  readonly file?: string;
  /** The allow-list, keyed by "module.name" (e.g. "collections.OrderedDict"). */
  readonly globals?: Readonly<Record<string, PickleGlobalHandler>>;
  /** Resolves a persistent id (PERSID / BINPERSID); without it they are refused. */
  readonly persistentLoad?: (pid: PickleValue) => PickleValue;
  /** How Python 2 `str` (STRING / BINSTRING / SHORT_BINSTRING) decodes: default "ascii", like Python. */
  readonly encoding?: "ascii" | "latin1" | "bytes";
}

/** True when `value` came from a pickled tuple. */
export function isPickleTuple(value: unknown): value is readonly PickleValue[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

/** Freezes `items` into a pickled tuple. */
export function tuple(items: PickleValue[]): readonly PickleValue[] {
  return Object.freeze(items);
}
