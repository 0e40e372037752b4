import { describeValue, summarizeZodIssue, ValueError, zodIssueError } from "@skeleton-cache/errors";
import { z } from "zod";
import { type PlugPoint, plugPoint, ranked, type StoredEntry } from "./store.js";

/**
 * What every entry of every plug point carries. A plug point adds what it
 * needs (a `create` factory, an `open` reader, a `run` function, ...).
 */
export interface RegistryEntry {
  /** Lower-case letters, digits, ".", "_", "-", starting with a letter; "auto" is reserved. */
  readonly name: string;
  /**
   * Lookup returns the entry of highest priority under a name, and "auto"
   * tries higher priorities first (default 0). Register at a higher priority
   * to take the place of a shipped entry without removing it.
   */
  readonly priority?: number;
  /** One line: what the entry does (shown by `describe()` and in refusals). */
  readonly description: string;
  /** The zod (4) schema of the entry's config: checked before the entry sees a config. */
  readonly configSchema: z.ZodType;
  /**
   * The package that ships the entry. Another installed copy of that package
   * registering the same name at the same priority leaves the first in place.
   */
  readonly origin?: string;
}

/** An entry as `describe()` shows it. */
export interface RegistryDescription {
  readonly name: string;
  readonly priority: number;
  readonly description: string;
  /** The config schema as JSON Schema (the input a user writes); null where zod cannot express it. */
  readonly configSchema: Record<string, unknown> | null;
  /** Whether lookup by name returns this entry (false: a higher priority shadows it). */
  readonly active: boolean;
  readonly origin?: string;
}

/** How a plug point is defined. */
export interface RegistryOptions<E extends RegistryEntry> {
  /** The plug point's key in the store ("backbone", "method", "dataset", "protocol", "prior"). */
  readonly kind: string;
  /** How messages call one entry ("backbone adapter", "method", "dataset reader"). */
  readonly noun: string;
  /** Fields every entry must hold as functions (e.g. ["create"]). */
  readonly functions?: readonly (keyof E & string)[];
  /** More checks of an entry at registration; throw a ValueError naming the field. */
  readonly validate?: (entry: E) => void;
  /**
   * The entries the defining package ships: registered on the plug point's
   * first use, not on import (another copy's builtins under the same names stay).
   */
  readonly builtins?: () => readonly E[];
  /** How a plug-in module registers one, for `importPlugin`'s messages. */
  readonly register?: string;
  /** The page on writing one, for `importPlugin`'s messages. */
  readonly doc?: string;
}

/** Where a config came from, for messages. */
export interface ConfigSource {
  /** A file name (or another label) naming the config in errors. */
  readonly source?: string | undefined;
}

/** Options of `resolve`: the source, and for "auto" the names to try (default: every entry). */
export interface ResolveOptions extends ConfigSource {
  readonly names?: readonly string[] | undefined;
  /** What the config is, in the refusal's first line (default: `source`, else "the config"). */
  readonly what?: string | undefined;
}

/** An entry and its config, checked and with defaults applied. */
export interface Resolved<E extends RegistryEntry> {
  readonly entry: E;
  readonly config: z.output<E["configSchema"]>;
}

/** One plug point: register, look up, list, describe, resolve. */
export interface Registry<E extends RegistryEntry> {
  readonly kind: string;
  readonly noun: string;
  /**
   * Validates and adds an entry. The identical entry object again is a
   * no-op; another entry under a taken name at the same priority is an
   * error (unless both come from the same `origin`: a second copy of a package).
   */
  register(entry: E): void;
  /** Removes the entry at `priority`, or every entry under `name`; whether any was removed. */
  unregister(name: string, priority?: number): boolean;
  /** The entry of highest priority under `name`. */
  get(name: string): E | undefined;
  /** As `get`; an unknown name is a ValueError naming the known ones. */
  require(name: string): E;
  has(name: string): boolean;
  /** Names, each once, in the order "auto" tries them (descending priority, then registration). */
  list(): string[];
  /** The entries lookup returns, in `list()` order. */
  entries(): E[];
  /** Every registered entry (shadowed ones included) with its config schema as JSON Schema. */
  describe(): RegistryDescription[];
  /** Checks a config with an entry's schema; a bad one is a ValueError naming the entry, field and value. */
  parseConfig<T extends E>(entry: T, config: unknown, options?: ConfigSource): z.output<T["configSchema"]>;
  /**
   * The entry `name` with its checked config; for "auto", the first entry (by
   * descending priority, then registration order) whose schema accepts the
   * config. When none does, one ValueError lists every candidate and why.
   */
  resolve(name: string, config: unknown, options?: ResolveOptions): Resolved<E>;
  /** The first entry (in "auto" order, or of `names`) whose schema accepts `config`, or undefined. */
  find(config: unknown, options?: Pick<ResolveOptions, "names">): Resolved<E> | undefined;
  /**
   * As `resolve`, then `use(entry, config)`; for "auto", an entry whose `use`
   * throws is refused too (its message's first line) and the next one tried.
   */
  resolveWith<R>(
    name: string,
    config: unknown,
    use: (entry: E, config: z.output<E["configSchema"]>) => R | Promise<R>,
    options?: ResolveOptions,
  ): Promise<R>;
}

const NAME = /^[a-z][a-z0-9._-]*$/;

/** The name "auto" asks `resolve` to choose. */
export const AUTO = "auto";

/** Whether `value` is a zod 4 schema (any copy of zod: checked by shape, not instanceof). */
export function isZodSchema(value: unknown): value is z.ZodType {
  return (
    typeof value === "object" &&
    value !== null &&
    "_zod" in value &&
    typeof (value as { safeParse?: unknown }).safeParse === "function"
  );
}

/** The JSON Schema of a config schema (input side), or null where zod cannot express it. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> | null {
  try {
    return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0]!;
}

/**
 * Checks `config` with an entry's schema (defaults applied); a bad one is a
 * ValueError naming the plug point, the entry, the file (`source`), the field
 * and the value: `backbone "onnx" config (b.json): field "batchSize" is 0: ...`.
 */
export function parseConfig<T extends RegistryEntry>(
  kind: string,
  entry: T,
  config: unknown,
  options: ConfigSource = {},
): z.output<T["configSchema"]> {
  const parsed = entry.configSchema.safeParse(config);
  if (parsed.success) return parsed.data as z.output<T["configSchema"]>;
  throw zodIssueError(parsed.error, {
    input: config,
    what: `${kind} "${entry.name}" config`,
    ...(options.source !== undefined ? { file: options.source } : {}),
  });
}

/**
 * Defines a plug point, or reaches the one another copy of its package
 * defined: entries live in the store on `globalThis`, this object only
 * checks and reads them. Defining registers nothing: `builtins` are
 * registered on the first call of any method.
 */
export function defineRegistry<E extends RegistryEntry>(options: RegistryOptions<E>): Registry<E> {
  const { kind, noun } = options;
  let point: PlugPoint | undefined;
  const state = (): PlugPoint => {
    if (point) return point;
    point = plugPoint(kind);
    point.noun ??= noun;
    point.register ??= options.register;
    point.doc ??= options.doc;
    // Builtins once this copy first uses the plug point; another copy's (same origin) stay.
    for (const entry of options.builtins?.() ?? []) add(point, entry, true);
    return point;
  };

  function check(entry: E): number {
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name !== "string" || !NAME.test(name) || name === AUTO) {
      throw new ValueError(
        `${noun} name ${describeValue(name)} is invalid; use lower-case letters, digits, ".", "_", "-" (starting with a letter; "auto" is reserved)`,
        { field: "name", value: name },
      );
    }
    const priority = entry.priority ?? 0;
    if (typeof priority !== "number" || !Number.isFinite(priority)) {
      throw new ValueError(
        `${noun} "${name}": priority must be a finite number, got ${describeValue(priority)}`,
        {
          field: "priority",
          value: priority,
        },
      );
    }
    if (typeof entry.description !== "string" || entry.description.trim() === "") {
      throw new ValueError(
        `${noun} "${name}" needs a description (one line), got ${describeValue(entry.description)}`,
        {
          field: "description",
          value: entry.description,
        },
      );
    }
    if (!isZodSchema(entry.configSchema)) {
      throw new ValueError(
        `${noun} "${name}" needs a zod configSchema (a zod 4 schema such as z.object({...})), got ${describeValue(entry.configSchema)}`,
        { field: "configSchema", value: describeValue(entry.configSchema) },
      );
    }
    for (const field of options.functions ?? []) {
      if (typeof entry[field] !== "function") {
        throw new ValueError(
          `${noun} "${name}" needs a ${field} function, got ${describeValue(entry[field])}`,
          {
            field,
            value: describeValue(entry[field]),
          },
        );
      }
    }
    options.validate?.(entry);
    return priority;
  }

  function add(into: PlugPoint, entry: E, builtin: boolean): void {
    const priority = check(entry);
    const taken = into.entries.find((s) => s.entry.name === entry.name && s.priority === priority);
    if (taken) {
      if (taken.entry === entry) return;
      // Another installed copy of the package that ships it: the first copy's entry stays.
      if (builtin && taken.builtin) return;
      if (entry.origin !== undefined && taken.entry.origin === entry.origin) return;
      throw new ValueError(
        `${noun} "${entry.name}" is already registered at priority ${priority}${taken.entry.origin ? ` by ${taken.entry.origin}` : ""}; give yours a higher priority to take its place, or unregister it first`,
        { field: "name", value: entry.name },
      );
    }
    into.entries.push({ entry, priority, order: into.next++, builtin });
  }

  const winners = (): StoredEntry[] => {
    const seen = new Set<string>();
    return ranked(state()).filter((s) => !seen.has(s.entry.name) && seen.add(s.entry.name));
  };

  const registry: Registry<E> = {
    kind,
    noun,
    register(entry) {
      add(state(), entry, false);
    },
    unregister(name, priority) {
      const entries = state().entries;
      const before = entries.length;
      for (let i = entries.length - 1; i >= 0; i--) {
        const s = entries[i]!;
        if (s.entry.name === name && (priority === undefined || s.priority === priority))
          entries.splice(i, 1);
      }
      return entries.length < before;
    },
    get(name) {
      return ranked(state()).find((s) => s.entry.name === name)?.entry as E | undefined;
    },
    require(name) {
      const entry = registry.get(name);
      if (entry) return entry;
      const known = registry.list();
      throw new ValueError(
        `unknown ${noun} "${name}"; known ${noun}s: ${known.length ? known.join(", ") : "none"}`,
        {
          field: kind,
          value: name,
          expected: known,
        },
      );
    },
    has(name) {
      return registry.get(name) !== undefined;
    },
    list() {
      return winners().map((s) => s.entry.name);
    },
    entries() {
      return winners().map((s) => s.entry as E);
    },
    describe() {
      const active = new Set(winners());
      return ranked(state()).map((s) => {
        const entry = s.entry as E;
        return {
          name: entry.name,
          priority: s.priority,
          description: entry.description,
          configSchema: jsonSchemaOf(entry.configSchema),
          active: active.has(s),
          ...(entry.origin !== undefined ? { origin: entry.origin } : {}),
        };
      });
    },
    parseConfig(entry, config, source = {}) {
      return parseConfig(kind, entry, config, source);
    },
    resolve(name, config, options = {}) {
      if (name !== AUTO) {
        const entry = registry.require(name);
        return { entry, config: registry.parseConfig(entry, config, options) };
      }
      const refusals: string[] = [];
      const names = options.names ?? registry.list();
      for (const candidate of names) {
        const entry = registry.get(candidate);
        if (!entry) {
          refusals.push(`  ${candidate}: not registered`);
          continue;
        }
        const parsed = entry.configSchema.safeParse(config);
        if (parsed.success) return { entry, config: parsed.data as z.output<E["configSchema"]> };
        refusals.push(`  ${candidate}: ${summarizeZodIssue(parsed.error, { value: config }).text}`);
      }
      throw noneAccepts(names, refusals, options);
    },
    find(config, options = {}) {
      for (const candidate of options.names ?? registry.list()) {
        const entry = registry.get(candidate);
        const parsed = entry?.configSchema.safeParse(config);
        if (entry && parsed?.success) return { entry, config: parsed.data as z.output<E["configSchema"]> };
      }
      return undefined;
    },
    async resolveWith(name, config, use, options = {}) {
      if (name !== AUTO) {
        const { entry, config: checked } = registry.resolve(name, config, options);
        return use(entry, checked);
      }
      const refusals: string[] = [];
      const names = options.names ?? registry.list();
      for (const candidate of names) {
        const entry = registry.get(candidate);
        if (!entry) {
          refusals.push(`  ${candidate}: not registered`);
          continue;
        }
        const parsed = entry.configSchema.safeParse(config);
        if (!parsed.success) {
          refusals.push(`  ${candidate}: ${summarizeZodIssue(parsed.error, { value: config }).text}`);
          continue;
        }
        try {
          return await use(entry, parsed.data as z.output<E["configSchema"]>);
        } catch (error) {
          refusals.push(`  ${candidate}: ${firstLine(error)}`);
        }
      }
      throw noneAccepts(names, refusals, options);
    },
  };

  function noneAccepts(
    names: readonly string[],
    refusals: readonly string[],
    options: ResolveOptions,
  ): ValueError {
    const where = options.what ?? options.source ?? "the config";
    return new ValueError(
      `no ${noun} accepts ${where}${names.length === 0 ? ` (no ${noun} is registered)` : ""}:\n${refusals.join("\n")}`,
      { ...(options.source !== undefined ? { file: options.source } : {}), field: kind, value: [...names] },
    );
  }

  return registry;
}
