export { listDirectory, readFileBytes, readJsonFile, readTextFile, writeFileAtomic } from "./files.js";
export type { NpyArray, NpyData, NpyDtype, NpyFile, NpyHeader } from "./npy.js";
export {
  decodeNpyData,
  encodeNpy,
  encodeNpyArray,
  encodeNpyHeader,
  encodeNpyStrings,
  itemSizeOf,
  openNpy,
  parseNpy,
  parseNpyHeader,
  readNpy,
  toFloat32,
  toIntArray,
} from "./npy.js";
export { encodeNpz, parseNpz, readNpz, writeNpz } from "./npz.js";
export type { PickleGlobalHandler, PickleOptions, PickleValue } from "./pickle.js";
export { isPickleTuple, PickleGlobal, PickleObject, parsePickle, readPickle } from "./pickle.js";
export { NUMPY_PICKLE_GLOBALS, PickledNumpyDtype } from "./pickle-numpy.js";
export type { Safetensors } from "./safetensors.js";
export { encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors } from "./safetensors.js";
export type { TorchReadOptions } from "./torch.js";
export { parseTorch, readTorch } from "./torch.js";
export type { ZipEntry, ZipInput } from "./zip.js";
export { crc32, encodeZip, listZip, readZipEntry } from "./zip.js";
