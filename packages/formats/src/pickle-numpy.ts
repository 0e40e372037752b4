import { FormatError } from "@skeleton-cache/errors";
import { decodeNpyData, type NpyArray, type NpyDtype } from "./npy.js";
import { isPickleTuple, type PickleGlobalHandler, type PickleValue } from "./pickle.js";

/**
 * Allow-list entries that rebuild NumPy arrays, dtypes and scalars found in
 * pickles (as `np.save(allow_pickle)`, torch checkpoints and ST-GCN label
 * files write them) into plain `NpyArray`s and numbers — without running
 * NumPy or any other code. Arrays of dtype object are refused.
 */

/** A `numpy.dtype` rebuilt from a pickle. */
export class PickledNumpyDtype {
  byteOrder = "|";
  constructor(readonly descr: string) {}
  /** The project dtype name, or a FormatError for what it cannot hold. */
  toNpyDtype(): NpyDtype {
    const match = /^([a-zA-Z])(\d+)$/.exec(this.descr);
    const order = this.byteOrder;
    if (!match) throw new FormatError(`numpy dtype '${this.descr}' is not supported`, { value: this.descr });
    const [, kind, size] = match;
    if (order === ">" && Number(size) > 1)
      throw new FormatError(`big-endian numpy dtype '${this.descr}' is not supported`, { value: this.descr });
    if (kind === "b" && size === "1") return "b1";
    if (kind === "U") return `U${Number(size)}`;
    if (kind === "O")
      throw new FormatError("numpy object arrays are refused (they need code to load)", { value: "O" });
    const name = `${kind}${size}`;
    if (!["f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"].includes(name))
      throw new FormatError(`numpy dtype '${this.descr}' is not supported`, { value: this.descr });
    return name as NpyDtype;
  }
}

/** An `ndarray` between `_reconstruct` and its BUILD. */
class PendingArray {}

function asDtype(value: PickleValue, what: string): PickledNumpyDtype {
  if (!(value instanceof PickledNumpyDtype)) throw new FormatError(`${what} is not a numpy dtype`);
  return value;
}

function asShape(value: PickleValue): number[] {
  if (!Array.isArray(value)) throw new FormatError("numpy array shape is not a tuple");
  return value.map((dim) => {
    if (typeof dim !== "number" || !Number.isSafeInteger(dim) || dim < 0)
      throw new FormatError(`numpy array shape holds ${String(dim)}`, { value: dim });
    return dim;
  });
}

function rawBytes(value: PickleValue, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  // Protocol 2 pickles bytes as _codecs.encode(str, "latin1"), handled below; a str here is latin-1 data.
  if (typeof value === "string") {
    const out = new Uint8Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code > 0xff) throw new FormatError(`${what} holds a character above U+00FF`);
      out[i] = code;
    }
    return out;
  }
  throw new FormatError(`${what} is not bytes`);
}

function dtypeHandler(): PickleGlobalHandler {
  return {
    construct: (args) => {
      const [descr] = args;
      if (typeof descr !== "string") throw new FormatError("numpy.dtype() needs a string");
      return new PickledNumpyDtype(descr) as unknown as PickleValue;
    },
    setState: (object, state) => {
      const dtype = asDtype(object, "BUILD target");
      if (!isPickleTuple(state) || typeof state[1] !== "string")
        throw new FormatError("numpy dtype state is not (version, byteorder, ...)");
      dtype.byteOrder = state[1];
      return dtype as unknown as PickleValue;
    },
  };
}

function arrayFromState(state: PickleValue): NpyArray {
  // state = (version, shape, dtype, is_fortran, raw data)
  if (!isPickleTuple(state) || state.length !== 5)
    throw new FormatError("numpy array state is not a 5-tuple");
  const [, shapeValue, dtypeValue, fortran, data] = state;
  const shape = asShape(shapeValue!);
  const dtype = asDtype(dtypeValue!, "numpy array dtype").toNpyDtype();
  if (Array.isArray(data)) throw new FormatError("numpy object arrays are refused (they need code to load)");
  return decodeNpyData(rawBytes(data!, "numpy array data"), dtype, shape, fortran === true, "<pickle>");
}

/** Decodes one scalar of `dtype` from its raw bytes (number, bigint when large, boolean or string). */
function scalarFrom(dtype: PickledNumpyDtype, raw: Uint8Array): PickleValue {
  const array = decodeNpyData(raw, dtype.toNpyDtype(), [], false, "<pickle>");
  if (array.strings) return array.strings[0]!;
  const value = array.data[0]!;
  if (array.dtype === "b1") return value === 1;
  if (typeof value === "bigint")
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  return value;
}

const reconstruct: PickleGlobalHandler = {
  construct: () => new PendingArray() as unknown as PickleValue,
  setState: (object, state) => {
    if (!(object instanceof PendingArray)) throw new FormatError("BUILD target is not a numpy array");
    return arrayFromState(state) as unknown as PickleValue;
  },
};

const scalar: PickleGlobalHandler = (args) => {
  const [dtype, data] = args;
  return scalarFrom(asDtype(dtype!, "numpy scalar dtype"), rawBytes(data!, "numpy scalar data"));
};

const frombuffer: PickleGlobalHandler = (args) => {
  // numpy.core.numeric._frombuffer(buffer, dtype, shape, order) — protocol 5 arrays.
  const [buffer, dtype, shape, order] = args;
  return decodeNpyData(
    rawBytes(buffer!, "numpy buffer"),
    asDtype(dtype!, "numpy buffer dtype").toNpyDtype(),
    asShape(shape!),
    order === "F",
    "<pickle>",
  ) as unknown as PickleValue;
};

/** `_codecs.encode(text, "latin1")`: how protocol 2 stores Python 3 bytes. */
const codecsEncode: PickleGlobalHandler = (args) => {
  const [text, encoding] = args;
  if (typeof text !== "string") throw new FormatError("_codecs.encode needs a string");
  if (encoding !== "latin1" && encoding !== "latin-1")
    throw new FormatError(`_codecs.encode with encoding ${String(encoding)} is not supported`);
  return rawBytes(text, "_codecs.encode argument");
};

/** The allow-list for NumPy values (numpy 1.x `numpy.core` and 2.x `numpy._core` module names). */
export const NUMPY_PICKLE_GLOBALS: Readonly<Record<string, PickleGlobalHandler>> = Object.freeze({
  "numpy.ndarray": true,
  "numpy.dtype": dtypeHandler(),
  "numpy.core.multiarray._reconstruct": reconstruct,
  "numpy._core.multiarray._reconstruct": reconstruct,
  "numpy.core.multiarray.scalar": scalar,
  "numpy._core.multiarray.scalar": scalar,
  "numpy.core.numeric._frombuffer": frombuffer,
  "numpy._core.numeric._frombuffer": frombuffer,
  "_codecs.encode": codecsEncode,
});
