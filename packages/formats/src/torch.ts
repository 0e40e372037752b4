import { FormatError } from "@skeleton-cache/errors";
import { readFileBytes } from "./files.js";
import { decodeNpyData, itemSizeOf, type NpyArray, type NpyDtype } from "./npy.js";
import { zipMemberRange } from "./npz.js";
import {
  isPickleTuple,
  PickleGlobal,
  type PickleGlobalHandler,
  type PickleValue,
  parsePickle,
} from "./pickle.js";
import { NUMPY_PICKLE_GLOBALS } from "./pickle-numpy.js";
import { type ArrayStream, arrayStream, OpenFile, subRange } from "./stream.js";
import { bytesSource, listZip, readZipEntry, type ZipEntry, type ZipSource } from "./zip.js";

/**
 * Reads PyTorch's zip serialization (`torch.save`, torch >= 1.6) without
 * PyTorch and without running code: `<archive>/data.pkl` goes through the
 * restricted pickle reader with an allow-list of torch rebuild functions;
 * tensors come back as `NpyArray`s (C-contiguous copies honouring the
 * storage offset and strides), `OrderedDict`s as `Map`s, NumPy values as in
 * `NUMPY_PICKLE_GLOBALS`. Legacy (pre-1.6, non-zip) files are refused.
 */

const STORAGE_DTYPES: Record<string, NpyDtype> = {
  FloatStorage: "f4",
  DoubleStorage: "f8",
  LongStorage: "i8",
  IntStorage: "i4",
  ShortStorage: "i2",
  CharStorage: "i1",
  ByteStorage: "u1",
  BoolStorage: "b1",
};

/** A storage named by a persistent id: its member; its bytes are read when a tensor is materialised. */
class TorchStorage {
  constructor(
    readonly dtype: NpyDtype,
    readonly key: string,
    readonly numel: number,
    readonly entry: ZipEntry,
  ) {}
}

/**
 * A tensor of a `.pt` opened for streaming (`openTorchStream`): where its
 * values lie, not the values. `TorchStream.array(ref)` reads it in chunks.
 */
export class TorchTensorRef {
  constructor(
    readonly dtype: NpyDtype,
    readonly shape: readonly number[],
    /** Strides in elements, as `tensor.stride()`. */
    readonly strides: readonly number[],
    readonly storageKey: string,
    /** Offset of the first element in the storage, in elements. */
    readonly storageOffset: number,
  ) {}

  /** Whether the elements lie in C order, one after the other (sizes of 1 may have any stride). */
  get contiguous(): boolean {
    let expected = 1;
    for (let axis = this.shape.length - 1; axis >= 0; axis--) {
      if (this.shape[axis] !== 1 && this.strides[axis] !== expected) return false;
      expected *= this.shape[axis]!;
    }
    return true;
  }
}

export interface TorchReadOptions {
  readonly file?: string;
  /** Extra allow-list entries (merged over the built-in torch, collections and numpy ones). */
  readonly globals?: Readonly<Record<string, PickleGlobalHandler>>;
}

function fail(file: string, position: number | string, message: string): never {
  throw new FormatError(
    `${file}: ${message} (at ${typeof position === "number" ? `byte ${position}` : position})`,
    {
      file,
      position,
    },
  );
}

function asInts(value: PickleValue | undefined, what: string): number[] {
  if (!Array.isArray(value)) throw new FormatError(`${what} is not a tuple`);
  return value.map((v) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v))
      throw new FormatError(`${what} holds ${String(v)}`);
    return v;
  });
}

/** The view `_rebuild_tensor_v2(storage, offset, size, stride, ...)` describes, checked against the storage. */
function tensorView(args: readonly PickleValue[]): {
  storage: TorchStorage;
  offsetValue: number;
  shape: number[];
  strides: number[];
} {
  const [storage, offsetValue, sizeValue, strideValue] = args;
  if (!(storage instanceof TorchStorage))
    throw new FormatError("_rebuild_tensor_v2: first argument is not a storage");
  if (typeof offsetValue !== "number" || !Number.isSafeInteger(offsetValue) || offsetValue < 0)
    throw new FormatError(`_rebuild_tensor_v2: storage offset ${String(offsetValue)}`);
  const shape = asInts(sizeValue, "tensor size");
  const strides = asInts(strideValue, "tensor stride");
  if (strides.length !== shape.length)
    throw new FormatError(
      `tensor size (${shape.join(", ")}) and stride (${strides.join(", ")}) differ in rank`,
    );
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > 0) {
    let last = offsetValue;
    for (let axis = 0; axis < shape.length; axis++) {
      if (shape[axis]! < 0 || strides[axis]! < 0) throw new FormatError("negative tensor size or stride");
      last += (shape[axis]! - 1) * strides[axis]!;
    }
    if (last >= storage.numel)
      throw new FormatError(
        `tensor (size (${shape.join(", ")}), stride (${strides.join(", ")}), offset ${offsetValue}) reaches element ${last} of storage ${storage.key}, which has ${storage.numel}`,
      );
  }
  return { storage, offsetValue, shape, strides };
}

/** Copies a strided view of a storage into a C-contiguous array. */
function rebuildTensor(
  args: readonly PickleValue[],
  storageBytes: (storage: TorchStorage) => Uint8Array,
  file: string,
): NpyArray {
  const { storage, offsetValue, shape, strides } = tensorView(args);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemSize = itemSizeOf(storage.dtype);
  const bytes = storageBytes(storage);
  const out = new Uint8Array(count * itemSize);
  // Contiguous rows: when the last axis has stride 1, copy whole rows at a time.
  const rank = shape.length;
  const contiguousLast = rank > 0 && strides[rank - 1] === 1;
  const rowLength = contiguousLast ? shape[rank - 1]! : 1;
  const rowAxes = contiguousLast ? rank - 1 : rank;
  const rows = rowLength === 0 ? 0 : count / rowLength;
  const index = new Array<number>(rowAxes).fill(0);
  for (let row = 0; row < rows; row++) {
    let element = offsetValue;
    for (let axis = 0; axis < rowAxes; axis++) element += index[axis]! * strides[axis]!;
    out.set(bytes.subarray(element * itemSize, (element + rowLength) * itemSize), row * rowLength * itemSize);
    for (let axis = rowAxes - 1; axis >= 0; axis--) {
      if (++index[axis]! < shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return decodeNpyData(out, storage.dtype, shape, false, `${file}[storage ${storage.key}]`);
}

/**
 * Parses `<archive>/data.pkl` of a torch zip read from `source`; `rebuild`
 * turns each `_rebuild_tensor_v2` call (storage, offset, size, stride) into a value.
 */
function loadTorch(
  source: ZipSource,
  file: string,
  options: Omit<TorchReadOptions, "file">,
  rebuild: (args: readonly PickleValue[]) => PickleValue,
): PickleValue {
  if (source.size >= 2 && source.read(0, 1)[0] === 0x80)
    fail(file, 0, "legacy (pre-1.6) torch.save format is not supported; re-save with a recent PyTorch");
  const entries = listZip(source, file);
  const pickleEntry = entries.find((e) => e.name === "data.pkl" || /^[^/]+\/data\.pkl$/.test(e.name));
  if (!pickleEntry) fail(file, 0, "no <archive>/data.pkl member: not a PyTorch zip checkpoint");
  const prefix = pickleEntry.name.slice(0, -"data.pkl".length);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const byteOrder = byName.get(`${prefix}byteorder`);
  if (byteOrder) {
    const order = new TextDecoder().decode(readZipEntry(source, byteOrder, file)).trim();
    if (order !== "little")
      fail(file, byteOrder.dataOffset, `byte order ${JSON.stringify(order)} is not supported`);
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: PickleValue): PickleValue => {
    if (!isPickleTuple(pid) || pid.length !== 5 || pid[0] !== "storage")
      throw new FormatError(`persistent id is not ('storage', type, key, location, numel)`);
    const [, type, key, , numel] = pid;
    if (!(type instanceof PickleGlobal) || type.module !== "torch")
      throw new FormatError("storage type is not a torch storage class");
    const dtype = STORAGE_DTYPES[type.name];
    if (!dtype) throw new FormatError(`storage type torch.${type.name} is not supported`);
    if (typeof key !== "string" || typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0)
      throw new FormatError("storage key or size is malformed");
    const cached = storages.get(key);
    if (cached) return cached as unknown as PickleValue;
    const entry = byName.get(`${prefix}data/${key}`);
    if (!entry) throw new FormatError(`storage ${key}: member ${prefix}data/${key} is missing`);
    if (entry.size !== numel * itemSizeOf(dtype))
      throw new FormatError(
        `storage ${key}: member has ${entry.size} bytes, ${numel} elements of torch.${type.name} need ${numel * itemSizeOf(dtype)}`,
      );
    const storage = new TorchStorage(dtype, key, numel, entry);
    storages.set(key, storage);
    return storage as unknown as PickleValue;
  };
  const globals: Record<string, PickleGlobalHandler> = {
    ...NUMPY_PICKLE_GLOBALS,
    "torch._utils._rebuild_tensor_v2": rebuild,
    "torch._utils._rebuild_parameter": (args) => {
      const [data] = args;
      if (data === undefined) throw new FormatError("_rebuild_parameter without data");
      return data;
    },
    "collections.OrderedDict": {
      construct: (args) => {
        if (args.length > 0) throw new FormatError("OrderedDict with constructor arguments is not supported");
        return new Map();
      },
      // Instance attributes (a state_dict's `_metadata`) carry no tensor data and are dropped.
      setState: (object) => object,
    },
    ...Object.fromEntries(Object.keys(STORAGE_DTYPES).map((name) => [`torch.${name}`, true as const])),
    ...options.globals,
  };
  return parsePickle(readZipEntry(source, pickleEntry, file), {
    file: `${file}[${pickleEntry.name}]`,
    globals,
    persistentLoad,
  });
}

/** Decodes a PyTorch zip checkpoint held in memory into plain values. */
export function parseTorch(bytes: Uint8Array, options: TorchReadOptions = {}): PickleValue {
  const file = options.file ?? "<pt>";
  const source = bytesSource(bytes);
  const read = new Map<string, Uint8Array>();
  const storageBytes = (storage: TorchStorage): Uint8Array => {
    let data = read.get(storage.key);
    if (!data) read.set(storage.key, (data = readZipEntry(source, storage.entry, file)));
    return data;
  };
  return loadTorch(
    source,
    file,
    options,
    (args) => rebuildTensor(args, storageBytes, file) as unknown as PickleValue,
  );
}

/** A `.pt` opened for streaming: `value` holds `TorchTensorRef`s where tensors are. */
export interface TorchStream {
  readonly path: string;
  readonly value: PickleValue;
  /** Opens a tensor for streaming; a non-contiguous view is refused (read it with `readTorch`). */
  array(ref: TorchTensorRef): ArrayStream;
  close(): void;
}

/**
 * Opens a PyTorch zip checkpoint for streaming: `data.pkl` is parsed, no
 * tensor is read. Storage members are stored by torch.save, so a contiguous
 * tensor is read by byte offset straight from the file.
 */
export function openTorchStream(path: string, options: Omit<TorchReadOptions, "file"> = {}): TorchStream {
  const file = new OpenFile(path);
  try {
    const source = file.asZipSource();
    const storages = new Map<string, TorchStorage>();
    const value = loadTorch(source, path, options, (args) => {
      const { storage, offsetValue, shape, strides } = tensorView(args);
      storages.set(storage.key, storage);
      return new TorchTensorRef(
        storage.dtype,
        shape,
        strides,
        storage.key,
        offsetValue,
      ) as unknown as PickleValue;
    });
    return {
      path,
      value,
      array(ref) {
        const storage = storages.get(ref.storageKey);
        if (!storage) throw new FormatError(`${path}: no storage ${ref.storageKey}`, { file: path });
        const name = `${path}[storage ${ref.storageKey}]`;
        if (!ref.contiguous)
          throw new FormatError(
            `${name}: tensor of size (${ref.shape.join(", ")}) has stride (${ref.strides.join(", ")}), not C-contiguous, so it cannot be streamed; read it whole (readTorch) or save tensor.contiguous()`,
            { file: path, field: `storage ${ref.storageKey}`, value: [...ref.strides] },
          );
        const itemSize = itemSizeOf(ref.dtype);
        const count = ref.shape.reduce((a, b) => a * b, 1);
        const range = subRange(
          zipMemberRange(file, storage.entry),
          ref.storageOffset * itemSize,
          count * itemSize,
          name,
        );
        return arrayStream(range, { dtype: ref.dtype, shape: [...ref.shape], itemSize });
      },
      close: () => file.close(),
    };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Reads a PyTorch zip checkpoint (`.pt`, `.pth`, `.pth.tar`). */
export function readTorch(path: string, options: Omit<TorchReadOptions, "file"> = {}): PickleValue {
  const bytes = readFileBytes(path);
  return parseTorch(bytes, { ...options, file: path });
}
