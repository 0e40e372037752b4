import { ValueError } from "@skeleton-cache/errors";
import { defineRegistry, type RegistryDescription } from "@skeleton-cache/registry";
import type { z } from "zod";
import { type BackboneAdapter, type BackboneConfigSource, parseBackboneConfig } from "./adapter.js";
import type { Backbone } from "./backbone.js";
import { httpAdapter } from "./http.js";
import { precomputedAdapter } from "./precomputed.js";

/**
 * The "backbone" plug point of @skeleton-cache/registry: one store on
 * globalThis, so an adapter registered through another installed copy of
 * this package is found here too. The shipped adapters (precomputed, http)
 * are registered on first use, not on import.
 */
const backbones = defineRegistry<BackboneAdapter>({
  kind: "backbone",
  noun: "backbone adapter",
  functions: ["create"],
  builtins: () => [precomputedAdapter, httpAdapter] as BackboneAdapter[],
  register: "registerBackbone(adapter) from @skeleton-cache/backbone",
  doc: "docs/write-your-own-adapter.md",
});

/**
 * Registers an adapter, as onnxruntime backends register with
 * onnxruntime-common: an adapter module calls this when imported. The same
 * adapter object again is a no-op; another adapter under a taken name at the
 * same priority is an error; one at a higher priority takes the name for lookup.
 */
export function registerBackbone<Schema extends z.ZodType, Sample>(
  adapter: BackboneAdapter<Schema, Sample>,
): void {
  backbones.register(adapter as unknown as BackboneAdapter);
}

/** Removes the adapter at `priority`, or every adapter under `name`; returns whether one was registered. */
export function unregisterBackbone(name: string, priority?: number): boolean {
  return backbones.unregister(name, priority);
}

/** Names of the registered adapters, in the order `resolveBackbone` tries them (priority, then registration). */
export function listBackbones(): string[] {
  return backbones.list();
}

/** Whether an adapter is registered under `name`. */
export function hasBackbone(name: string): boolean {
  return backbones.has(name);
}

/** The adapter lookup returns for `name` (its schema and description), or undefined. */
export function getBackboneAdapter(name: string): BackboneAdapter | undefined {
  return backbones.get(name);
}

/** Every registered adapter: name, priority, description and config as JSON Schema. */
export function describeBackbones(): RegistryDescription[] {
  return backbones.describe();
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
  const adapter = backbones.get(name);
  if (!adapter) throw unknownAdapter(name);
  return (await adapter.create(parseBackboneConfig(adapter, config, options))) as Backbone<Sample>;
}

/**
 * Picks the adapter for a config, as onnxruntime-common's `resolveBackend`
 * picks an execution backend: the registered adapters (or `names`) are tried
 * by descending priority, then registration order, and the first whose schema
 * accepts the config and whose `create` succeeds wins. When none does, one
 * ValueError lists every adapter and why it refused.
 */
export async function resolveBackbone<Sample = unknown>(
  config: unknown,
  options: BackboneConfigSource & { names?: readonly string[] } = {},
): Promise<Backbone<Sample>> {
  return (await backbones.resolveWith(
    "auto",
    config,
    (adapter, checked) => adapter.create(checked),
    options,
  )) as Backbone<Sample>;
}
