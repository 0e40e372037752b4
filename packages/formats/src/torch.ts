import { FormatError } from "@skeleton-cache/errors";
import { readFileBytes } from "./files.js";
import { decodeNpyData, itemSizeOf, type NpyArray, type NpyDtype } from "./npy.js";
import {
  isPickleTuple,
  PickleGlobal,
  type PickleGlobalHandler,
  type PickleValue,
  parsePickle,
} from "./pickle.js";
import { NUMPY_PICKLE_GLOBALS } from "./pickle-numpy.js";
import { listZip, readZipEntry, type ZipEntry } from "./zip.js";

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

/** A storage named by a persistent id; its bytes are read when a tensor uses it. */
class TorchStorage {
  constructor(
    readonly dtype: NpyDtype,
    readonly key: string,
    readonly numel: number,
    readonly bytes: Uint8Array,
  ) {}
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

/** Copies a strided view of a storage into a C-contiguous array. */
function rebuildTensor(args: readonly PickleValue[], file: string): NpyArray {
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
  const itemSize = itemSizeOf(storage.dtype);
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
    out.set(
      storage.bytes.subarray(element * itemSize, (element + rowLength) * itemSize),
      row * rowLength * itemSize,
    );
    for (let axis = rowAxes - 1; axis >= 0; axis--) {
      if (++index[axis]! < shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return decodeNpyData(out, storage.dtype, shape, false, `${file}[storage ${storage.key}]`);
}

/** Decodes a PyTorch zip checkpoint held in memory into plain values. */
export function parseTorch(bytes: Uint8Array, options: TorchReadOptions = {}): PickleValue {
  const file = options.file ?? "<pt>";
  if (bytes.length >= 2 && bytes[0] === 0x80)
    fail(file, 0, "legacy (pre-1.6) torch.save format is not supported; re-save with a recent PyTorch");
  const entries = listZip(bytes, file);
  const pickleEntry = entries.find((e) => e.name === "data.pkl" || /^[^/]+\/data\.pkl$/.test(e.name));
  if (!pickleEntry) fail(file, 0, "no <archive>/data.pkl member: not a PyTorch zip checkpoint");
  const prefix = pickleEntry.name.slice(0, -"data.pkl".length);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const byteOrder = byName.get(`${prefix}byteorder`);
  if (byteOrder) {
    const order = new TextDecoder().decode(readZipEntry(bytes, byteOrder, file)).trim();
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
    const storage = new TorchStorage(dtype, key, numel, readZipEntry(bytes, entry, file));
    storages.set(key, storage);
    return storage as unknown as PickleValue;
  };
  const globals: Record<string, PickleGlobalHandler> = {
    ...NUMPY_PICKLE_GLOBALS,
    "torch._utils._rebuild_tensor_v2": (args) => rebuildTensor(args, file) as unknown as PickleValue,
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
  return parsePickle(readZipEntry(bytes, pickleEntry, file), {
    file: `${file}[${pickleEntry.name}]`,
    globals,
    persistentLoad,
  });
}

/** Reads a PyTorch zip checkpoint (`.pt`, `.pth`, `.pth.tar`). */
export function readTorch(path: string, options: Omit<TorchReadOptions, "file"> = {}): PickleValue {
  const bytes = readFileBytes(path);
  return parseTorch(bytes, { ...options, file: path });
}
