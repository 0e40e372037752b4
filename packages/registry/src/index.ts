export type { PluginImport, PluginOptions } from "./plugin.js";
export { importPlugin } from "./plugin.js";
export type {
  ConfigSource,
  Registry,
  RegistryDescription,
  RegistryEntry,
  RegistryOptions,
  Resolved,
  ResolveOptions,
} from "./registry.js";
export { AUTO, defineRegistry, isZodSchema, parseConfig } from "./registry.js";
export type { PlugPoint, RegistryStore, StoredEntry } from "./store.js";
export { registryStore, STORE_KEY } from "./store.js";
