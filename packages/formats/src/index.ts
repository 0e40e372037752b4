export type { AtomicWriter } from "./files.js";
export {
  checkFormatVersion,
  createAtomicWriter,
  listDirectory,
  readFileBytes,
  readJsonFile,
  readTextFile,
  writeFileAtomic,
} from "./files.js";
export type { NpyArray, NpyData, NpyDtype, NpyHeader } from "./npy.js";
export {
  decodeNpyData,
  encodeNpy,
  encodeNpyArray,
  encodeNpyHeader,
  encodeNpyStrings,
  itemSizeOf,
  parseNpy,
  parseNpyHeader,
  readNpy,
  toFloat32,
  toIntArray,
} from "./npy.js";
export type { NpzStream, NpzWriter } from "./npz.js";
export { createNpzWriter, encodeNpz, openNpzStream, parseNpz, readNpz, writeNpz } from "./npz.js";
export type { PickleGlobalHandler, PickleOptions, PickleValue } from "./pickle.js";
export { isPickleTuple, PickleGlobal, PickleObject, parsePickle, readPickle } from "./pickle.js";
export { NUMPY_PICKLE_GLOBALS, PickledNumpyDtype } from "./pickle-numpy.js";
export type { Safetensors, SafetensorsEntry, SafetensorsHeader, SafetensorsStream } from "./safetensors.js";
export {
  encodeSafetensors,
  encodeSafetensorsHeader,
  openSafetensorsStream,
  parseSafetensors,
  parseSafetensorsHeader,
  readSafetensors,
  writeSafetensors,
} from "./safetensors.js";
export type { StagedOutput } from "./staging.js";
export { partialPathOf, removeStalePartials, stageOutput } from "./staging.js";
export type { ArrayStream, NpyFile, NpyStream } from "./stream.js";
export { OpenFile, openNpy, openNpyStream } from "./stream.js";
export type { TorchReadOptions, TorchStream } from "./torch.js";
export { openTorchStream, parseTorch, readTorch, TorchTensorRef } from "./torch.js";
export type { ZipEntry, ZipInput, ZipSource } from "./zip.js";
export { encodeZip, listZip, readZipEntry } from "./zip.js";
