import fs from "node:fs";
import {
  assertFinite,
  COSINE_NORM_EPS,
  FormatError,
  ShapeError,
  ValueError,
  writeFileAtomic,
} from "@skeleton-cache/tensor";

export interface CacheOptions {
  /** U: number of class blocks (candidate classes). */
  readonly numClasses: number;
  /** K: entries per block (paper: 8). */
  readonly capacity: number;
  /** D: descriptor slots per key (8 with the default phases). */
  readonly numSlots: number;
  /** C: channels of each descriptor. */
  readonly channels: number;
}

/** What happened to an entry offered to a block (Eq. 5). */
export interface InsertResult {
  readonly inserted: boolean;
  /** Position in the block it now holds, or -1. */
  readonly position: number;
  /** Id of the entry it replaced, or null when it was appended or dropped. */
  readonly replacedId: number | null;
}

/** A block's entries in block position order. */
export interface BlockContents {
  readonly ids: number[];
  readonly entropies: number[];
}

const SNAPSHOT_MAGIC = "SKCCACHE";
const SNAPSHOT_VERSION = 1;

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ValueError(`cache: ${name} must be a positive integer, got ${value}`, { field: name, value });
  }
}

/**
 * The Skeleton-Cache store: U class blocks of at most K entries, each entry
 * an 8-slot descriptor key with the entropy of the posterior that put it
 * there (SPEC §3–4).
 *
 * Keys live in one preallocated Float32Array, slot-major
 * (`keys[((slot · U + block) · K + position) · C + channel]`), so retrieval
 * for one slot walks contiguous memory and nothing is re-stacked per query.
 * Keys are stored unit-normalised (each norm clamped at 1e-8 as in the
 * cosine of SPEC §4), so retrieval is a dot product.
 */
export class SkeletonCache {
  readonly numClasses: number;
  readonly capacity: number;
  readonly numSlots: number;
  readonly channels: number;
  /** Unit-normalised keys, slot-major. */
  private readonly keys: Float32Array;
  private readonly entropies: Float64Array;
  private readonly ids: Float64Array;
  private readonly counts: Int32Array;
  /** Scratch: the query, normalised per slot. */
  private readonly query: Float32Array;
  /** Scratch: a key being inserted, normalised per slot. */
  private readonly keyScratch: Float32Array;

  constructor(options: CacheOptions) {
    checkPositiveInteger("numClasses (U)", options.numClasses);
    checkPositiveInteger("capacity (K)", options.capacity);
    checkPositiveInteger("numSlots (D)", options.numSlots);
    checkPositiveInteger("channels (C)", options.channels);
    this.numClasses = options.numClasses;
    this.capacity = options.capacity;
    this.numSlots = options.numSlots;
    this.channels = options.channels;
    const entries = this.numClasses * this.capacity;
    this.keys = new Float32Array(this.numSlots * entries * this.channels);
    this.entropies = new Float64Array(entries);
    this.ids = new Float64Array(entries);
    this.counts = new Int32Array(this.numClasses);
    this.query = new Float32Array(this.numSlots * this.channels);
    this.keyScratch = new Float32Array(this.numSlots * this.channels);
  }

  /** Entries in block `block`. */
  occupancy(block: number): number {
    this.checkBlock(block);
    return this.counts[block]!;
  }

  /** Entries in every block. */
  occupancies(): number[] {
    return Array.from(this.counts);
  }

  /** Total entries. */
  get size(): number {
    let total = 0;
    for (let block = 0; block < this.numClasses; block++) total += this.counts[block]!;
    return total;
  }

  /** Whether every block holds K entries. */
  get isFull(): boolean {
    for (let block = 0; block < this.numClasses; block++)
      if (this.counts[block]! < this.capacity) return false;
    return true;
  }

  /** Bytes held by keys, entropies, ids and counts. */
  get byteLength(): number {
    return this.keys.byteLength + this.entropies.byteLength + this.ids.byteLength + this.counts.byteLength;
  }

  /** Ids and entropies of a block's entries, in block position order. */
  block(block: number): BlockContents {
    this.checkBlock(block);
    const ids: number[] = [];
    const entropies: number[] = [];
    for (let position = 0; position < this.counts[block]!; position++) {
      ids.push(this.ids[block * this.capacity + position]!);
      entropies.push(this.entropies[block * this.capacity + position]!);
    }
    return { ids, entropies };
  }

  /** The stored (unit-normalised) key of one entry as a (D, C) copy. */
  key(block: number, position: number): Float32Array {
    this.checkBlock(block);
    if (position < 0 || position >= this.counts[block]!) {
      throw new ValueError(`cache: block ${block} has no entry at position ${position}`, {
        field: "position",
        value: position,
      });
    }
    const { numSlots, channels } = this;
    const out = new Float32Array(numSlots * channels);
    for (let slot = 0; slot < numSlots; slot++) {
      const from = this.keyOffset(slot, block, position);
      out.set(this.keys.subarray(from, from + channels), slot * channels);
    }
    return out;
  }

  /** Empties every block. */
  clear(): void {
    this.counts.fill(0);
  }

  /**
   * Offers an entry to block `block` (Eq. 5): appended while the block holds
   * fewer than K; otherwise it replaces the entry of largest entropy (the
   * first such on ties) if and only if its own entropy is strictly smaller,
   * else it is dropped. `descriptors` holds (D, C) values from `offset`.
   */
  insert(
    block: number,
    descriptors: Float32Array,
    offset: number,
    entropy: number,
    id: number,
  ): InsertResult {
    this.checkBlock(block);
    if (Number.isNaN(entropy)) {
      throw new ValueError(`cache: entropy of entry ${id} is NaN`, { field: "entropy", value: entropy });
    }
    const { capacity } = this;
    const count = this.counts[block]!;
    let position: number;
    let replacedId: number | null = null;
    if (count < capacity) {
      position = count;
      this.counts[block] = count + 1;
    } else {
      let worst = 0;
      let worstEntropy = this.entropies[block * capacity]!;
      for (let candidate = 1; candidate < capacity; candidate++) {
        const h = this.entropies[block * capacity + candidate]!;
        if (h > worstEntropy) {
          worst = candidate;
          worstEntropy = h;
        }
      }
      if (!(entropy < worstEntropy)) return { inserted: false, position: -1, replacedId: null };
      position = worst;
      replacedId = this.ids[block * capacity + worst]!;
    }
    this.entropies[block * capacity + position] = entropy;
    this.ids[block * capacity + position] = id;
    this.storeKey(block, position, descriptors, offset);
    return { inserted: true, position, replacedId };
  }

  /**
   * Descriptor-wise retrieval (Eq. 6–8): for every slot d and block u,
   * `out[d·U + u] = Σ_{entries j of block u} exp(−β·(1 − cos(q_d, k_{j,d})))`.
   * `query` holds (D, C) values from `offset`; `out` has D·U elements and is
   * overwritten. An empty cache gives zeros.
   */
  retrieveInto(query: Float32Array, offset: number, beta: number, out: Float64Array | Float32Array): void {
    const { numSlots, numClasses, capacity, channels, keys, counts } = this;
    if (out.length < numSlots * numClasses) {
      throw new ShapeError(
        `cache: retrieval output has ${out.length} elements, needs D·U = ${numSlots * numClasses}`,
        {
          field: "out",
          value: out.length,
        },
      );
    }
    if (query.length - offset < numSlots * channels) {
      throw new ShapeError(
        `cache: query has ${query.length - offset} values from offset ${offset}, needs D·C = ${numSlots * channels}`,
        {
          field: "query",
          value: query.length - offset,
        },
      );
    }
    const normalised = this.query;
    normaliseSlots(query, offset, normalised, numSlots, channels);
    for (let slot = 0; slot < numSlots; slot++) {
      const queryBase = slot * channels;
      for (let block = 0; block < numClasses; block++) {
        let score = 0;
        const count = counts[block]!;
        for (let position = 0; position < count; position++) {
          const keyBase = ((slot * numClasses + block) * capacity + position) * channels;
          let similarity = 0;
          for (let channel = 0; channel < channels; channel++) {
            similarity += normalised[queryBase + channel]! * keys[keyBase + channel]!;
          }
          // Eq. 6: affinity of the query to this cached key.
          score += Math.exp(-beta * (1 - similarity));
        }
        // Eq. 7–8: affinities summed per class block.
        out[slot * numClasses + block] = score;
      }
    }
  }

  /** Retrieval as a new (D·U) Float64Array, row d = slot d's class scores. */
  retrieve(query: Float32Array, beta: number, offset = 0): Float64Array {
    const out = new Float64Array(this.numSlots * this.numClasses);
    this.retrieveInto(query, offset, beta, out);
    return out;
  }

  /** The cache as bytes: a JSON header line and the raw arrays (little-endian). */
  toBytes(): Uint8Array {
    const header = JSON.stringify({
      magic: SNAPSHOT_MAGIC,
      version: SNAPSHOT_VERSION,
      numClasses: this.numClasses,
      capacity: this.capacity,
      numSlots: this.numSlots,
      channels: this.channels,
      keysNormalised: true,
    });
    const headerBytes = new TextEncoder().encode(`${header}\n`);
    // Align the binary part to 8 bytes.
    const headerLength = Math.ceil(headerBytes.length / 8) * 8;
    const total =
      8 +
      headerLength +
      this.counts.byteLength +
      this.entropies.byteLength +
      this.ids.byteLength +
      this.keys.byteLength;
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    view.setUint32(0, headerLength, true);
    out.set(headerBytes, 8);
    out.fill(0x20, 8 + headerBytes.length, 8 + headerLength);
    let at = 8 + headerLength;
    for (const array of [this.counts, this.entropies, this.ids, this.keys]) {
      out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
      at += array.byteLength;
    }
    return out;
  }

  /** Rebuilds a cache from `toBytes()` output; `file` names the source in errors. */
  static fromBytes(bytes: Uint8Array, file = "<cache snapshot>"): SkeletonCache {
    if (bytes.length < 8)
      throw new FormatError(`${file}: too short for a cache snapshot`, { file, position: 0 });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = view.getUint32(0, true);
    if (8 + headerLength > bytes.length) {
      throw new FormatError(
        `${file}: header length ${headerLength} runs past the end (${bytes.length} bytes)`,
        {
          file,
          position: 0,
        },
      );
    }
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    } catch {
      throw new FormatError(`${file}: not a cache snapshot (header is not JSON)`, { file, position: 8 });
    }
    if (header.magic !== SNAPSHOT_MAGIC || header.version !== SNAPSHOT_VERSION) {
      throw new FormatError(
        `${file}: not a version ${SNAPSHOT_VERSION} cache snapshot (magic ${String(header.magic)})`,
        {
          file,
          position: 8,
        },
      );
    }
    const dims = ["numClasses", "capacity", "numSlots", "channels"] as const;
    for (const dim of dims) {
      const value = header[dim];
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
        throw new FormatError(`${file}: header field ${dim} is ${String(value)}`, {
          file,
          field: dim,
          value,
        });
      }
    }
    const cache = new SkeletonCache(header as unknown as CacheOptions);
    let at = 8 + headerLength;
    for (const array of [cache.counts, cache.entropies, cache.ids, cache.keys]) {
      if (at + array.byteLength > bytes.length) {
        throw new FormatError(
          `${file}: truncated at byte ${bytes.length}; expected at least ${at + array.byteLength}`,
          {
            file,
            position: bytes.length,
          },
        );
      }
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(
        bytes.subarray(at, at + array.byteLength),
      );
      at += array.byteLength;
    }
    if (at !== bytes.length) {
      throw new FormatError(`${file}: ${bytes.length - at} unexpected bytes after the snapshot's arrays`, {
        file,
        position: at,
      });
    }
    for (let block = 0; block < cache.numClasses; block++) {
      const count = cache.counts[block]!;
      if (count < 0 || count > cache.capacity) {
        throw new FormatError(
          `${file}: block ${block} claims ${count} entries, capacity is ${cache.capacity}`,
          {
            file,
            field: `occupancy[${block}]`,
            value: count,
          },
        );
      }
    }
    assertFinite(cache.keys, "keys", undefined, file);
    return cache;
  }

  /** Writes a snapshot atomically. */
  save(path: string): void {
    writeFileAtomic(path, this.toBytes());
  }

  /** Reads a snapshot written by `save`. */
  static load(path: string): SkeletonCache {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(path);
    } catch (error) {
      throw new FormatError(`${path}: cannot read cache snapshot (${(error as Error).message})`, {
        file: path,
      });
    }
    return SkeletonCache.fromBytes(bytes, path);
  }

  private keyOffset(slot: number, block: number, position: number): number {
    return ((slot * this.numClasses + block) * this.capacity + position) * this.channels;
  }

  private storeKey(block: number, position: number, descriptors: Float32Array, offset: number): void {
    const { numSlots, channels } = this;
    if (descriptors.length - offset < numSlots * channels) {
      throw new ShapeError(
        `cache: key has ${descriptors.length - offset} values from offset ${offset}, needs D·C = ${numSlots * channels}`,
        {
          field: "descriptors",
          value: descriptors.length - offset,
        },
      );
    }
    // Keys are stored unit-normalised so that retrieval is a dot product.
    normaliseSlots(descriptors, offset, this.keyScratch, numSlots, channels);
    for (let slot = 0; slot < numSlots; slot++) {
      this.keys.set(
        this.keyScratch.subarray(slot * channels, (slot + 1) * channels),
        this.keyOffset(slot, block, position),
      );
    }
  }

  private checkBlock(block: number): void {
    if (!Number.isInteger(block) || block < 0 || block >= this.numClasses) {
      throw new ValueError(`cache: block ${block} is outside 0..${this.numClasses - 1}`, {
        field: "block",
        value: block,
      });
    }
  }
}

/** Writes each slot of (D, C) `source` divided by its norm (clamped at 1e-8) into `target`. */
export function normaliseSlots(
  source: Float32Array,
  offset: number,
  target: Float32Array,
  numSlots: number,
  channels: number,
): void {
  for (let slot = 0; slot < numSlots; slot++) {
    const base = offset + slot * channels;
    let squares = 0;
    for (let channel = 0; channel < channels; channel++) {
      const v = source[base + channel]!;
      squares += v * v;
    }
    const scale = 1 / Math.max(Math.sqrt(squares), COSINE_NORM_EPS);
    for (let channel = 0; channel < channels; channel++) {
      target[slot * channels + channel] = source[base + channel]! * scale;
    }
  }
}
