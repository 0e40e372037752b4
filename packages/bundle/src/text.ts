/** What `skc bundle` prints: a bundle's layout (info), a full check (validate), a conversion (convert). */
import type { BundleInfo, BundleValidation, ConvertResult } from "./tools.js";

/** Bytes on disk as "5.8 MB" or "1.23 GB". */
export function sizeText(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function idRange(ids: readonly number[]): string {
  if (ids.length === 0) return "none";
  const contiguous = ids.every((id, u) => id === ids[0]! + u);
  return contiguous ? `${ids[0]}..${ids[ids.length - 1]}` : ids.join(", ");
}

const META_KEYS = ["dataset", "split", "backbone", "synthetic", "source"] as const;

/** The lines `skc bundle info` prints. */
export function bundleInfoText(info: BundleInfo): string {
  const shape = [info.numSamples, ...info.featureShape].join(", ");
  const volume =
    info.kind === "features"
      ? `F (N, C, T, V) = (${shape}) ${info.featureDtype}`
      : `descriptors (N, 8, C) = (${shape}) ${info.featureDtype}`;
  const known = META_KEYS.filter((key) => info.meta[key] !== undefined).map(
    (key) => `${key}=${JSON.stringify(info.meta[key])}`,
  );
  const others = Object.keys(info.meta).filter((key) => !(META_KEYS as readonly string[]).includes(key));
  return [
    `bundle: ${info.source} (${info.format}, ${sizeText(info.bytes)} on disk)`,
    `samples: N=${info.numSamples}  classes: U=${info.numClasses} (${info.classIds ? `class ids ${idRange(info.classIds)}` : "no dataset class ids"})`,
    `holds: ${volume}, C=${info.channels}`,
    `meta: ${known.join(", ") || "(none)"}${others.length > 0 ? `; also ${others.join(", ")}` : ""}`,
    "",
  ].join("\n");
}

/** The line `skc bundle validate` prints for a bundle that passed. */
export function bundleValidationText(report: BundleValidation): string {
  const counts = report.samplesPerClass;
  const layout = report.layout ? `, descriptors finite with layout ${report.layout}` : "";
  return `valid: ${report.source} (${report.format}): N=${report.numSamples}, U=${report.numClasses}, ${report.valuesChecked} values of ${report.kind} finite${layout}; samples per class ${Math.min(...counts)}..${Math.max(...counts)}\n`;
}

/** The line `skc bundle convert` prints. */
export function convertText(result: ConvertResult): string {
  return `wrote ${result.target} (${result.format}, ${result.kind}, N=${result.numSamples}, ${sizeText(result.bytes)})\n`;
}
