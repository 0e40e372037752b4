/**
 * The one store every plug point keeps its entries in, on `globalThis` under a
 * versioned key, as tfjs keeps its engine (`getGlobal`): every installed copy
 * of every package reaches the same store, so an adapter registered through
 * one copy of `@skeleton-cache/backbone` is found through another. A new
 * layout of the store gets a new key (`.../2`); copies of different layouts
 * then keep separate stores instead of misreading each other's.
 */

/** The key of the store: `globalThis[Symbol.for("@skeleton-cache/registry/1")]`. */
export const STORE_KEY: unique symbol = Symbol.for("@skeleton-cache/registry/1") as never;

/** One registration: the entry as given, its priority and its place in registration order. */
export interface StoredEntry {
  readonly entry: {
    readonly name: string;
    readonly origin?: string | undefined;
  };
  readonly priority: number;
  /** Registration number within the plug point (ties of priority keep this order). */
  readonly order: number;
  /** Shipped with the package that defines the plug point (registered on its first use). */
  readonly builtin: boolean;
}

/** One plug point ("backbone", "method", "dataset", "protocol", "prior", ...). */
export interface PlugPoint {
  readonly kind: string;
  /** How messages call one entry ("backbone adapter"); set by the first definition. */
  noun: string | undefined;
  /** How a plug-in module registers one (e.g. "registerMethod(spec) from @skeleton-cache/tta"). */
  register: string | undefined;
  /** The page that explains writing one (e.g. "docs/write-your-own-method.md"). */
  doc: string | undefined;
  readonly entries: StoredEntry[];
  /** The next registration number. */
  next: number;
}

/** The store: plug points by kind, and what each imported plug-in module registered. */
export interface RegistryStore {
  readonly version: 1;
  readonly plugPoints: Map<string, PlugPoint>;
  /** `${kind} ${url}` → names the module registered when it was first imported. */
  readonly plugins: Map<string, readonly string[]>;
}

/** The store, created by whichever copy of this package asks first. */
export function registryStore(): RegistryStore {
  const holder = globalThis as unknown as Record<symbol, RegistryStore | undefined>;
  let store = holder[STORE_KEY];
  if (store === undefined) {
    store = { version: 1, plugPoints: new Map(), plugins: new Map() };
    Object.defineProperty(holder, STORE_KEY, { value: store, enumerable: false, configurable: false });
  }
  return store;
}

/** The plug point `kind`, created empty on first use. */
export function plugPoint(kind: string): PlugPoint {
  const points = registryStore().plugPoints;
  let point = points.get(kind);
  if (point === undefined) {
    point = { kind, noun: undefined, register: undefined, doc: undefined, entries: [], next: 0 };
    points.set(kind, point);
  }
  return point;
}

/** Entries by descending priority, then registration order: the order lookup and "auto" use. */
export function ranked(point: PlugPoint): StoredEntry[] {
  return [...point.entries].sort((a, b) => b.priority - a.priority || a.order - b.order);
}
