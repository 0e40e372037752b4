import { FormatError } from "@skeleton-cache/errors";
import { readFileBytes, writeFileAtomic } from "./files.js";
import { encodeNpyArray, type NpyArray, parseNpy } from "./npy.js";
import { encodeZip, listZip, readZipEntry } from "./zip.js";

/**
 * NumPy .npz archives: a ZIP of `.npy` members (stored by `np.savez`,
 * deflated by `np.savez_compressed`). Keys are member names without `.npy`.
 * Object arrays (`allow_pickle`) are refused.
 */

/** Decodes every array of an .npz archive held in memory, in archive order. */
export function parseNpz(bytes: Uint8Array, file = "<npz>"): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (const entry of listZip(bytes, file)) {
    if (!entry.name.endsWith(".npy")) {
      throw new FormatError(
        `${file}: member ${entry.name} is not a .npy array (at byte ${entry.headerOffset})`,
        {
          file,
          field: entry.name,
          position: entry.headerOffset,
        },
      );
    }
    const data = readZipEntry(bytes, entry, file);
    arrays.set(entry.name.slice(0, -4), parseNpy(data, `${file}[${entry.name}]`));
  }
  return arrays;
}

/** Reads and decodes an .npz file. */
export function readNpz(path: string): Map<string, NpyArray> {
  const bytes = readFileBytes(path);
  return parseNpz(bytes, path);
}

/** Encodes named arrays as an .npz archive (deterministic bytes; `compress` = savez_compressed). */
export function encodeNpz(
  arrays: ReadonlyMap<string, NpyArray> | Readonly<Record<string, NpyArray>>,
  options: { compress?: boolean } = {},
): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays.entries()] : Object.entries(arrays);
  return encodeZip(
    entries.map(([name, array]) => ({ name: `${name}.npy`, data: encodeNpyArray(array) })),
    options,
  );
}

/** Writes an .npz file atomically. */
export function writeNpz(
  path: string,
  arrays: ReadonlyMap<string, NpyArray> | Readonly<Record<string, NpyArray>>,
  options: { compress?: boolean } = {},
): void {
  writeFileAtomic(path, encodeNpz(arrays, options));
}
