export type { FusionStep, LogitsView } from "./fusion.js";
export { fuseInto } from "./fusion.js";
