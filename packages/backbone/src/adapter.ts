import { type ConfigSource, parseConfig, type RegistryEntry } from "@skeleton-cache/registry";
import type { z } from "zod";
import type { Backbone } from "./backbone.js";

/**
 * A backbone adapter: a registry entry (name, priority, description, the zod
 * schema of its config) and a factory. Every adapter's config accepts
 * `candidateClasses` (0-based class ids, strictly ascending) and `batchSize`,
 * which `skc extract` sets.
 */
export interface BackboneAdapter<Schema extends z.ZodType = z.ZodType, Sample = unknown>
  extends RegistryEntry {
  /** Registry name: lower-case letters, digits, ".", "_", "-". */
  readonly name: string;
  /** One line: what the adapter runs (shown by `skc extract --help` and in refusals). */
  readonly description: string;
  /** The config's schema; `createBackbone` validates with it before `create` sees the config. */
  readonly configSchema: Schema;
  /** Opens the backbone from a validated config (adapters load models, connect to servers). */
  create(config: z.output<Schema>): Promise<Backbone<Sample>>;
}

/** Where a config came from, for messages: a file name, or "config". */
export type BackboneConfigSource = ConfigSource;

/**
 * Validates `config` with the adapter's schema; a bad config is a ValueError
 * naming the adapter, the field and the value.
 */
export function parseBackboneConfig<Schema extends z.ZodType>(
  adapter: BackboneAdapter<Schema>,
  config: unknown,
  options: BackboneConfigSource = {},
): z.output<Schema> {
  return parseConfig("backbone", adapter, config, options) as z.output<Schema>;
}
