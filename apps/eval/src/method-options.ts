import { InvalidArgumentError } from "@skeleton-cache/cli";
import { DEFAULT_METHOD, methodNames } from "@skeleton-cache/tta";

/** `--param METHOD.KEY=VALUE` (repeatable) into { method: { key: value } }; a numeric value becomes a number. */
export function collectParam(
  value: string,
  previous: Record<string, Record<string, number | string>> = {},
): Record<string, Record<string, number | string>> {
  const match = /^([a-z0-9-]+)\.([A-Za-z0-9_]+)=(.+)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("is not METHOD.KEY=VALUE (e.g. knn-past.k=5)");
  const [, method, key, raw] = match as unknown as [string, string, string, string];
  const number = Number(raw);
  const parsed = raw.trim() !== "" && Number.isFinite(number) ? number : raw;
  return { ...previous, [method]: { ...previous[method], [key]: parsed } };
}

/** Help lines for --method and --param. */
export const METHOD_HELP = {
  method: `test-time method: ${methodNames().join(", ")} (default ${DEFAULT_METHOD}), or all (every method on the bundle, one table)`,
  param: "a method's hyper-parameter, METHOD.KEY=VALUE (repeatable), e.g. knn-past.k=5",
} as const;
