import { ValueError } from "@skeleton-cache/errors";
import type { Backbone } from "./backbone.js";

/**
 * Builds a backbone from an adapter-specific config (validated by the
 * adapter, e.g. with zod). Async: adapters load models.
 */
export type BackboneFactory = (config: unknown) => Promise<Backbone<unknown>>;

const factories = new Map<string, BackboneFactory>();

const NAME = /^[a-z][a-z0-9._-]*$/;

/**
 * Registers an adapter under `name`, as onnxruntime backends register with
 * onnxruntime-common. An adapter package calls this on import. Registering
 * the same factory twice is a no-op; a different factory under a taken name
 * is an error unless `replace` is set.
 */
export function registerBackbone(
  name: string,
  factory: BackboneFactory,
  options: { replace?: boolean } = {},
): void {
  if (!NAME.test(name)) {
    throw new ValueError(
      `backbone name ${JSON.stringify(name)} is invalid; use lower-case letters, digits, ".", "_", "-"`,
      {
        field: "name",
        value: name,
      },
    );
  }
  if (typeof factory !== "function") {
    throw new ValueError(`backbone "${name}": the factory is not a function`, {
      field: "factory",
      value: typeof factory,
    });
  }
  const existing = factories.get(name);
  if (existing && existing !== factory && !options.replace) {
    throw new ValueError(
      `backbone "${name}" is already registered by another factory; pass { replace: true } to override`,
      {
        field: "name",
        value: name,
      },
    );
  }
  factories.set(name, factory);
}

/** Removes an adapter; returns whether it was registered. */
export function unregisterBackbone(name: string): boolean {
  return factories.delete(name);
}

/** Names of the registered adapters, sorted. */
export function listBackbones(): string[] {
  return [...factories.keys()].sort();
}

/** Whether an adapter is registered under `name`. */
export function hasBackbone(name: string): boolean {
  return factories.has(name);
}

/**
 * Creates a backbone with the adapter registered under `name`. The adapter
 * package must have been imported (it registers itself).
 */
export async function createBackbone<Sample = unknown>(
  name: string,
  config: unknown,
): Promise<Backbone<Sample>> {
  const factory = factories.get(name);
  if (!factory) {
    const known = listBackbones();
    throw new ValueError(
      `no backbone adapter named "${name}" is registered (registered: ${known.length ? known.join(", ") : "none"}); import its package first, e.g. @skeleton-cache/backbone-${name}`,
      { field: "name", value: name, expected: known },
    );
  }
  return (await factory(config)) as Backbone<Sample>;
}
