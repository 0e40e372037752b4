import { FormatError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { assertFinite, COSINE_NORM_EPS } from "@skeleton-cache/tensor";
import { createDotKernel, type DotKernel } from "./kernel/dots.js";

export interface CacheOptions {
  /** U: number of class blocks (candidate classes). */
  readonly numClasses: number;
  /** K: entries per class block (paper: 8). */
  readonly K: number;
  /** D: descriptor slots per key (8 with the default phases). */
  readonly numSlots: number;
  /** C: channels of each descriptor. */
  readonly channels: number;
  /**
   * Dot-product kernel for retrieval: "wasm" (WebAssembly SIMD, the default
   * where available) or "js" (plain loops). Both give the same results up
   * to float32 rounding.
   */
  readonly kernel?: "wasm" | "js";
}

/**
 * What happened to an entry offered to a block (Eq. 5). The cache returns
 * the same object from every `insert` (no allocation per sample): read it
 * before the next insert, or copy it.
 */
export interface InsertResult {
  readonly inserted: boolean;
  /** Position in the block it now holds, or -1. */
  readonly position: number;
  /** Id of the entry it replaced, or null when it was appended or dropped. */
  readonly replacedId: number | null;
}

type MutableInsertResult = { -readonly [K in keyof InsertResult]: InsertResult[K] };

/**
 * An entry offered to the cache (Eq. 5). Named fields, because a block
 * index, an offset, an entropy and an id are all numbers that would swap
 * silently as positional arguments. A caller in a hot loop may reuse one
 * mutable object across calls.
 */
export interface CacheEntry {
  /** The class block c to offer it to. */
  readonly block: number;
  /** Holds the entry's (D, C) descriptors from `keyOffset`. */
  readonly key: Float32Array;
  /** Index of the first descriptor value in `key` (default 0). */
  readonly keyOffset?: number;
  /** Entropy H of the posterior that put it there (not NaN). */
  readonly entropy: number;
  /** The id the block reports for it (e.g. the sample's index). */
  readonly id: number;
}

/** A retrieval (Eq. 6–8): named fields, for the same reason as `CacheEntry`. */
export interface RetrievalRequest {
  /** Holds the query's (D, C) descriptors from `queryOffset`. */
  readonly query: Float32Array;
  /** Index of the first descriptor value in `query` (default 0). */
  readonly queryOffset?: number;
  /** β: affinity sharpness (Eq. 6). */
  readonly beta: number;
  /** Receives the (D, U) slot-wise class scores; overwritten. */
  readonly out: Float64Array | Float32Array;
}

/** A block's entries in block position order. */
export interface BlockContents {
  readonly ids: number[];
  readonly entropies: number[];
}

/** The serialised cache (`toBytes`): its magic, and its format version (2: the header names K as `K`). */
const SERIALISED_MAGIC = "SKCCACHE";
const SERIALISED_VERSION = 2;

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ValueError(`cache: ${name} must be a positive integer, got ${value}`, { field: name, value });
  }
}

/** A serialised cache's JSON header, checked: magic, version and positive dimensions; the arrays start at `dataOffset`. */
function readSerialisedHeader(
  bytes: Uint8Array,
  file: string,
): { options: CacheOptions; dataOffset: number } {
  if (bytes.length < 8)
    throw new FormatError(`${file}: too short for a serialised cache`, { file, position: 0 });
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
    throw new FormatError(`${file}: not a serialised cache (header is not JSON)`, { file, position: 8 });
  }
  checkSerialisedHeader(header, file);
  return { options: header as unknown as CacheOptions, dataOffset: 8 + headerLength };
}

function checkSerialisedHeader(header: Record<string, unknown>, file: string): void {
  if (header.magic !== SERIALISED_MAGIC || header.version !== SERIALISED_VERSION) {
    throw new FormatError(
      `${file}: not a version ${SERIALISED_VERSION} serialised cache (magic ${String(header.magic)}, version ${String(header.version)})`,
      {
        file,
        position: 8,
      },
    );
  }
  const dims = ["numClasses", "K", "numSlots", "channels"] as const;
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
}

/**
 * The Skeleton-Cache store: U class blocks of at most K entries, each entry
 * an 8-slot descriptor key with the entropy of the posterior that put it
 * there (SPEC §3–4).
 *
 * Keys live in one preallocated Float32Array, slot-major
 * (`keys[((slot · U + block) · K + position) · S + channel]`, with the row
 * stride S = C rounded up to 16 and zero padding), so retrieval for one slot
 * walks contiguous memory and nothing is re-stacked per query. Keys are
 * stored unit-normalised (each norm clamped at 1e-8 as in the cosine of
 * SPEC §4), so retrieval is a dot product, computed for all U·K·8 keys in
 * one call of a WebAssembly SIMD kernel (or plain loops).
 */
export class SkeletonCache {
  readonly numClasses: number;
  /** K: entries per class block. */
  readonly K: number;
  readonly numSlots: number;
  readonly channels: number;
  /** Row stride of keys and query in floats: C rounded up to a multiple of 16. */
  readonly stride: number;
  /** Which dot-product kernel retrieval uses. */
  readonly kernel: "wasm" | "js";
  /** Unit-normalised keys, slot-major, rows of `stride` floats. */
  private readonly keys: Float32Array;
  private readonly entropies: Float64Array;
  private readonly ids: Float64Array;
  private readonly counts: Int32Array;
  /** The query, normalised per slot, rows of `stride` floats. */
  private readonly query: Float32Array;
  /** Cosines of the query with every key slot, (D, U·K). */
  private readonly similarities: Float32Array;
  /** Scratch: a key being inserted, normalised per slot. */
  private readonly keyScratch: Float32Array;
  private readonly dotKernel: DotKernel | null;
  /** Returned by every insert (overwritten each time). */
  private readonly lastInsert: MutableInsertResult = { inserted: false, position: -1, replacedId: null };

  constructor(options: CacheOptions) {
    checkPositiveInteger("numClasses (U)", options.numClasses);
    checkPositiveInteger("K", options.K);
    checkPositiveInteger("numSlots (D)", options.numSlots);
    checkPositiveInteger("channels (C)", options.channels);
    this.numClasses = options.numClasses;
    this.K = options.K;
    this.numSlots = options.numSlots;
    this.channels = options.channels;
    this.stride = Math.ceil(options.channels / 16) * 16;
    const entries = this.numClasses * this.K;
    const queryFloats = this.numSlots * this.stride;
    const keyFloats = this.numSlots * entries * this.stride;
    const similarityFloats = this.numSlots * entries;
    const bytes = 4 * (queryFloats + keyFloats + similarityFloats);
    // One memory block: [query | keys | similarities], shared with the kernel.
    this.dotKernel = options.kernel === "js" ? null : createDotKernel(bytes);
    if (options.kernel === "wasm" && !this.dotKernel) {
      throw new ValueError(
        'cache: the WebAssembly SIMD kernel is not available in this runtime; use kernel: "js"',
        {
          field: "kernel",
          value: options.kernel,
        },
      );
    }
    this.kernel = this.dotKernel ? "wasm" : "js";
    const buffer = this.dotKernel ? this.dotKernel.memory.buffer : new ArrayBuffer(bytes);
    this.query = new Float32Array(buffer, 0, queryFloats);
    this.keys = new Float32Array(buffer, 4 * queryFloats, keyFloats);
    this.similarities = new Float32Array(buffer, 4 * (queryFloats + keyFloats), similarityFloats);
    this.entropies = new Float64Array(entries);
    this.ids = new Float64Array(entries);
    this.counts = new Int32Array(this.numClasses);
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
    for (let block = 0; block < this.numClasses; block++) if (this.counts[block]! < this.K) return false;
    return true;
  }

  /** Bytes held by the keys (rows padded to the stride), entropies, ids and counts. */
  get byteLength(): number {
    return this.keys.byteLength + this.entropies.byteLength + this.ids.byteLength + this.counts.byteLength;
  }

  /** Ids and entropies of a block's entries, in block position order. */
  block(block: number): BlockContents {
    this.checkBlock(block);
    const ids: number[] = [];
    const entropies: number[] = [];
    for (let position = 0; position < this.counts[block]!; position++) {
      ids.push(this.ids[block * this.K + position]!);
      entropies.push(this.entropies[block * this.K + position]!);
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
   * Offers an entry to its block (Eq. 5): appended while the block holds
   * fewer than K; otherwise it replaces the entry of largest entropy (the
   * first such on ties) if and only if its own entropy is strictly smaller,
   * else it is dropped.
   */
  insert(entry: CacheEntry): InsertResult {
    const { block, key, entropy, id } = entry;
    const offset = entry.keyOffset ?? 0;
    this.checkBlock(block);
    if (Number.isNaN(entropy)) {
      throw new ValueError(`cache: entropy of entry ${id} is NaN`, { field: "entropy", value: entropy });
    }
    const { K } = this;
    const count = this.counts[block]!;
    let position: number;
    let replacedId: number | null = null;
    if (count < K) {
      position = count;
      this.counts[block] = count + 1;
    } else {
      let worst = 0;
      let worstEntropy = this.entropies[block * K]!;
      for (let candidate = 1; candidate < K; candidate++) {
        const h = this.entropies[block * K + candidate]!;
        if (h > worstEntropy) {
          worst = candidate;
          worstEntropy = h;
        }
      }
      if (!(entropy < worstEntropy)) return this.report(false, -1, null);
      position = worst;
      replacedId = this.ids[block * K + worst]!;
    }
    this.entropies[block * K + position] = entropy;
    this.ids[block * K + position] = id;
    this.storeKey(block, position, key, offset);
    return this.report(true, position, replacedId);
  }

  private report(inserted: boolean, position: number, replacedId: number | null): InsertResult {
    const result = this.lastInsert;
    result.inserted = inserted;
    result.position = position;
    result.replacedId = replacedId;
    return result;
  }

  /**
   * Descriptor-wise retrieval (Eq. 6–8): for every slot d and block u,
   * `out[d·U + u] = Σ_{entries j of block u} exp(−β·(1 − cos(q_d, k_{j,d})))`.
   * `out` needs D·U elements and is overwritten. An empty cache gives zeros.
   */
  retrieveInto(request: RetrievalRequest): void {
    const { query, beta, out } = request;
    const offset = request.queryOffset ?? 0;
    const { numSlots, numClasses, K, channels, stride, counts, similarities } = this;
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
        { field: "query", value: query.length - offset },
      );
    }
    if (this.size === 0) {
      out.fill(0, 0, numSlots * numClasses);
      return;
    }
    normaliseSlots(query, offset, this.query, numSlots, channels, stride);
    // cos(q_d, k_{j,d}) for every slot and key position (empty positions are ignored below).
    this.computeSimilarities();
    const entries = numClasses * K;
    for (let slot = 0; slot < numSlots; slot++) {
      for (let block = 0; block < numClasses; block++) {
        let score = 0;
        const count = counts[block]!;
        const base = slot * entries + block * K;
        for (let position = 0; position < count; position++) {
          // Eq. 6: affinity of the query to this cached key.
          score += Math.exp(-beta * (1 - similarities[base + position]!));
        }
        // Eq. 7–8: affinities summed per class block.
        out[slot * numClasses + block] = score;
      }
    }
  }

  private computeSimilarities(): void {
    const { numSlots, stride, keys, similarities } = this;
    const entries = this.numClasses * this.K;
    if (this.dotKernel) {
      this.dotKernel.dots(
        this.query.byteOffset,
        keys.byteOffset,
        similarities.byteOffset,
        numSlots,
        entries,
        stride,
      );
      return;
    }
    const query = this.query;
    for (let slot = 0; slot < numSlots; slot++) {
      const queryBase = slot * stride;
      for (let entry = 0; entry < entries; entry++) {
        const keyBase = (slot * entries + entry) * stride;
        // Four partial sums, as the SIMD kernel keeps.
        let sum0 = 0;
        let sum1 = 0;
        let sum2 = 0;
        let sum3 = 0;
        for (let channel = 0; channel < stride; channel += 4) {
          sum0 += query[queryBase + channel]! * keys[keyBase + channel]!;
          sum1 += query[queryBase + channel + 1]! * keys[keyBase + channel + 1]!;
          sum2 += query[queryBase + channel + 2]! * keys[keyBase + channel + 2]!;
          sum3 += query[queryBase + channel + 3]! * keys[keyBase + channel + 3]!;
        }
        similarities[slot * entries + entry] = sum0 + sum1 + sum2 + sum3;
      }
    }
  }

  /** Retrieval as a new (D·U) Float64Array, row d = slot d's class scores. */
  retrieve(request: Omit<RetrievalRequest, "out">): Float64Array {
    const out = new Float64Array(this.numSlots * this.numClasses);
    this.retrieveInto({ ...request, out });
    return out;
  }

  /** The cache as bytes: a JSON header line and the raw arrays (little-endian). */
  toBytes(): Uint8Array {
    const header = JSON.stringify({
      magic: SERIALISED_MAGIC,
      version: SERIALISED_VERSION,
      numClasses: this.numClasses,
      K: this.K,
      numSlots: this.numSlots,
      channels: this.channels,
      keysNormalised: true,
    });
    const headerBytes = new TextEncoder().encode(`${header}\n`);
    // Align the binary part to 8 bytes.
    const headerLength = Math.ceil(headerBytes.length / 8) * 8;
    const logicalKeys = this.logicalKeys();
    const total =
      8 +
      headerLength +
      this.counts.byteLength +
      this.entropies.byteLength +
      this.ids.byteLength +
      logicalKeys.byteLength;
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    view.setUint32(0, headerLength, true);
    out.set(headerBytes, 8);
    out.fill(0x20, 8 + headerBytes.length, 8 + headerLength);
    let at = 8 + headerLength;
    for (const array of [this.counts, this.entropies, this.ids, logicalKeys]) {
      out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
      at += array.byteLength;
    }
    return out;
  }

  /** Rebuilds a cache from `toBytes()` output; `file` names the source in errors. */
  static fromBytes(bytes: Uint8Array, file = "<serialised cache>"): SkeletonCache {
    const { options, dataOffset } = readSerialisedHeader(bytes, file);
    const cache = new SkeletonCache(options);
    const logicalKeys = cache.readSerialisedArrays(bytes, dataOffset, file);
    cache.checkLoadedOccupancy(file);
    assertFinite(logicalKeys, "keys", undefined, file);
    cache.checkLoadedEntropies(file);
    cache.setLogicalKeys(logicalKeys);
    return cache;
  }

  /** Fills counts, entropies and ids from a serialised cache's arrays at `at`; returns its keys (D, U, K, C). */
  private readSerialisedArrays(bytes: Uint8Array, at: number, file: string): Float32Array {
    const logicalKeys = new Float32Array(this.numSlots * this.numClasses * this.K * this.channels);
    for (const array of [this.counts, this.entropies, this.ids, logicalKeys]) {
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
      throw new FormatError(
        `${file}: ${bytes.length - at} unexpected bytes after the serialised cache's arrays`,
        {
          file,
          position: at,
        },
      );
    }
    return logicalKeys;
  }

  /** Every block of a deserialised cache holds 0..K entries. */
  private checkLoadedOccupancy(file: string): void {
    for (let block = 0; block < this.numClasses; block++) {
      const count = this.counts[block]!;
      if (count < 0 || count > this.K) {
        throw new FormatError(`${file}: block ${block} claims ${count} entries, K is ${this.K}`, {
          file,
          field: `occupancy[${block}]`,
          value: count,
        });
      }
    }
  }

  /** No occupied entry of a deserialised cache has entropy NaN. */
  private checkLoadedEntropies(file: string): void {
    for (let block = 0; block < this.numClasses; block++) {
      for (let position = 0; position < this.counts[block]!; position++) {
        const h = this.entropies[block * this.K + position]!;
        if (Number.isNaN(h)) {
          throw new FormatError(`${file}: entry ${position} of block ${block} has entropy NaN`, {
            file,
            field: `entropies[${block}, ${position}]`,
            value: h,
          });
        }
      }
    }
  }

  private keyOffset(slot: number, block: number, position: number): number {
    return ((slot * this.numClasses + block) * this.K + position) * this.stride;
  }

  /** Keys without the row padding: (D, U, K, C). */
  private logicalKeys(): Float32Array {
    const rows = this.numSlots * this.numClasses * this.K;
    const out = new Float32Array(rows * this.channels);
    for (let row = 0; row < rows; row++) {
      out.set(this.keys.subarray(row * this.stride, row * this.stride + this.channels), row * this.channels);
    }
    return out;
  }

  private setLogicalKeys(logical: Float32Array): void {
    const rows = this.numSlots * this.numClasses * this.K;
    for (let row = 0; row < rows; row++) {
      this.keys.set(logical.subarray(row * this.channels, (row + 1) * this.channels), row * this.stride);
    }
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

/**
 * Writes each slot of (D, C) `source` divided by its norm (clamped at 1e-8,
 * SPEC §4) into `target`, rows `targetStride` floats apart (default C).
 */
export function normaliseSlots(
  source: Float32Array,
  offset: number,
  target: Float32Array,
  numSlots: number,
  channels: number,
  targetStride = channels,
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
      target[slot * targetStride + channel] = source[base + channel]! * scale;
    }
  }
}
