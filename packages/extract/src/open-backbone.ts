/**
 * The backbone of an extraction, through the registry of
 * @skeleton-cache/backbone: its config (a --backbone-config file, then
 * model / modelConfig, the candidate classes and the batch size) and the
 * adapter picked by name or by "auto".
 */
import path from "node:path";
import { type Backbone, createBackbone, resolveBackbone } from "@skeleton-cache/backbone";
import { ValueError } from "@skeleton-cache/errors";
import { readJsonFile, readTextFile } from "@skeleton-cache/formats";
import type { Tensor } from "@skeleton-cache/tensor";
import YAML from "yaml";
import type { ExtractOptions } from "./options.js";

/** Config keys whose relative paths, in a --backbone-config file, are relative to that file. */
const PATH_KEYS = ["model", "config", "classEmbeddings", "bundle"];

/** Reads a --backbone-config file (JSON, or YAML by extension). */
function readBackboneConfigFile(file: string): Record<string, unknown> {
  const value = /\.ya?ml$/i.test(file)
    ? YAML.parse(readTextFile(file, "backbone config"))
    : readJsonFile(file, "backbone config");
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ValueError(`${file}: a backbone config is an object of the adapter's fields`, {
      file,
      field: "(root)",
    });
  const config = { ...(value as Record<string, unknown>) };
  for (const key of PATH_KEYS) {
    const entry = config[key];
    if (typeof entry === "string" && !path.isAbsolute(entry) && !/^[a-z]+:\/\//.test(entry))
      config[key] = path.resolve(path.dirname(file), entry);
  }
  return config;
}

/** The adapter config: the file's fields, then --model / --model-config, candidate classes and batch size. */
export function backboneConfigOf(
  options: ExtractOptions,
  classes: number[] | undefined,
): Record<string, unknown> {
  const config = options.backboneConfig ? readBackboneConfigFile(options.backboneConfig) : {};
  if (options.model !== undefined) config.model = options.model;
  if (options.modelConfig !== undefined) config.config = options.modelConfig;
  if (classes) config.candidateClasses = classes;
  config.batchSize = options.batchSize;
  return config;
}

/** Opens the backbone: the adapter named by `options.backbone`, or for "auto" the first that takes the config. */
export async function openBackbone(
  options: ExtractOptions,
  config: Record<string, unknown>,
): Promise<Backbone<Tensor>> {
  const source = options.backboneConfig;
  if (options.backbone === "onnx" && config.model === undefined)
    throw new ValueError(
      "extract with the onnx backbone needs --model FILE.onnx (or model in --backbone-config)",
      {
        field: "model",
      },
    );
  return options.backbone === "auto"
    ? resolveBackbone<Tensor>(config, source ? { source } : {})
    : createBackbone<Tensor>(options.backbone, config, source ? { source } : {});
}
