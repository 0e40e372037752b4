import { ValueError } from "@skeleton-cache/errors";
import type { z } from "zod";
import type { Backbone } from "./backbone.js";

/**
 * A backbone adapter: a name, the zod schema of its config, and a factory.
 * Every adapter's config accepts `candidateClasses` (0-based class ids,
 * strictly ascending) and `batchSize`, which `skc extract` sets.
 */
export interface BackboneAdapter<Schema extends z.ZodType = z.ZodType, Sample = unknown> {
  /** Registry name: lower-case letters, digits, ".", "_", "-". */
  readonly name: string;
  /** One line: what the adapter runs (shown by `skc extract --help` and in refusals). */
  readonly description: string;
  /** The config's schema; `createBackbone` validates with it before `create` sees the config. */
  readonly configSchema: Schema;
  /** Opens the backbone from a validated config (adapters load models, connect to servers). */
  create(config: z.output<Schema>): Promise<Backbone<Sample>>;
}

const adapters = new Map<string, BackboneAdapter>();

const NAME = /^[a-z][a-z0-9._-]*$/;

/**
 * Registers an adapter, as onnxruntime backends register with
 * onnxruntime-common: an adapter package calls this on import. Registering
 * the same adapter object twice is a no-op; another adapter under a taken
 * name is an error unless `replace` is set.
 */
export function registerBackbone<Schema extends z.ZodType, Sample>(
  adapter: BackboneAdapter<Schema, Sample>,
  options: { replace?: boolean } = {},
): void {
  const name = adapter?.name;
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new ValueError(
      `backbone adapter name ${JSON.stringify(name)} is invalid; use lower-case letters, digits, ".", "_", "-"`,
      { field: "name", value: name },
    );
  }
  if (typeof adapter.create !== "function" || typeof adapter.configSchema?.safeParse !== "function") {
    throw new ValueError(`backbone adapter "${name}" needs a create function and a zod configSchema`, {
      field: typeof adapter.create !== "function" ? "create" : "configSchema",
      value: name,
    });
  }
  const existing = adapters.get(name);
  if (existing && existing !== adapter && !options.replace) {
    throw new ValueError(
      `backbone adapter "${name}" is already registered by another package; pass { replace: true } to override`,
      { field: "name", value: name },
    );
  }
  adapters.set(name, adapter);
}

/** Removes an adapter; returns whether it was registered. */
export function unregisterBackbone(name: string): boolean {
  return adapters.delete(name);
}

/** Names of the registered adapters, in registration order (the order `resolveBackbone` tries them). */
export function listBackbones(): string[] {
  return [...adapters.keys()];
}

/** Whether an adapter is registered under `name`. */
export function hasBackbone(name: string): boolean {
  return adapters.has(name);
}

/** The adapter registered under `name` (its schema and description), or undefined. */
export function getBackboneAdapter(name: string): BackboneAdapter | undefined {
  return adapters.get(name);
}

function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of keys) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The first problem of a config, as "field F is V: message". */
function describeIssue(error: z.ZodError, config: unknown): { field: string; value: unknown; text: string } {
  const issue = error.issues[0]!;
  const keys = issue.path as PropertyKey[];
  if (issue.code === "unrecognized_keys") {
    const at = keys.length > 0 ? `${keys.map(String).join(".")}.` : "";
    const field = `${at}${issue.keys[0]}`;
    return {
      field,
      value: valueAt(config, [...keys, issue.keys[0]!]),
      text: `unknown field ${issue.keys.map((k) => `"${at}${k}"`).join(", ")}`,
    };
  }
  const field = keys.length > 0 ? keys.map(String).join(".") : "(config)";
  const value = valueAt(config, keys);
  const shown = value === undefined ? "missing" : `${JSON.stringify(value)}`;
  return { field, value, text: `field "${field}" is ${shown}: ${issue.message}` };
}

/** Where a config came from, for messages: a file name, or "config". */
export interface BackboneConfigSource {
  readonly source?: string;
}

/**
 * Validates `config` with the adapter's schema; a bad config is a ValueError
 * naming the adapter, the field and the value.
 */
export function parseBackboneConfig<Schema extends z.ZodType>(
  adapter: BackboneAdapter<Schema>,
  config: unknown,
  options: BackboneConfigSource = {},
): z.output<Schema> {
  const parsed = adapter.configSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issue = describeIssue(parsed.error, config);
  const where = options.source ? ` (${options.source})` : "";
  throw new ValueError(`backbone "${adapter.name}" config${where}: ${issue.text}`, {
    ...(options.source ? { file: options.source } : {}),
    field: issue.field,
    value: issue.value,
  });
}

function unknownAdapter(name: string): ValueError {
  const known = listBackbones();
  return new ValueError(
    `no backbone adapter named "${name}" is registered (registered: ${known.length ? known.join(", ") : "none"}); import its package first, e.g. @skeleton-cache/backbone-${name}`,
    { field: "backbone", value: name, expected: known },
  );
}

/**
 * Creates a backbone with the adapter registered under `name`, after
 * validating `config` with the adapter's schema.
 */
export async function createBackbone<Sample = unknown>(
  name: string,
  config: unknown,
  options: BackboneConfigSource = {},
): Promise<Backbone<Sample>> {
  const adapter = adapters.get(name);
  if (!adapter) throw unknownAdapter(name);
  return (await adapter.create(parseBackboneConfig(adapter, config, options))) as Backbone<Sample>;
}

/**
 * Picks the adapter for a config, as onnxruntime-common's `resolveBackend`
 * picks an execution backend: the registered adapters (or `names`) are tried
 * in order and the first whose schema accepts the config and whose `create`
 * succeeds wins. When none does, one ValueError lists every adapter and why
 * it refused.
 */
export async function resolveBackbone<Sample = unknown>(
  config: unknown,
  options: BackboneConfigSource & { names?: readonly string[] } = {},
): Promise<Backbone<Sample>> {
  const names = options.names ?? listBackbones();
  const refusals: string[] = [];
  for (const name of names) {
    const adapter = adapters.get(name);
    if (!adapter) {
      refusals.push(`  ${name}: not registered`);
      continue;
    }
    const parsed = adapter.configSchema.safeParse(config);
    if (!parsed.success) {
      refusals.push(`  ${name}: ${describeIssue(parsed.error, config).text}`);
      continue;
    }
    try {
      return (await adapter.create(parsed.data)) as Backbone<Sample>;
    } catch (error) {
      refusals.push(`  ${name}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  const where = options.source ?? "the config";
  throw new ValueError(
    `no backbone adapter accepts ${where}${names.length === 0 ? " (none is registered)" : ""}:\n${refusals.join("\n")}`,
    { ...(options.source ? { file: options.source } : {}), field: "backbone", value: [...names] },
  );
}
