export { writeFileAtomic } from "./atomic.js";
export type { NpyArray, NpyData, NpyDtype, NpyHeader } from "./npy.js";
export {
  encodeNpy,
  encodeNpyHeader,
  parseNpy,
  parseNpyHeader,
  readNpy,
  toFloat32,
  toIntArray,
} from "./npy.js";
