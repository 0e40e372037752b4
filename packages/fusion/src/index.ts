export { fuseInto } from "./fusion.js";
