/** A process that loads the committed ONNX fixture, runs it once and exits (for the telemetry test). */
import { fileURLToPath } from "node:url";
import { loadOnnxBackbone } from "../index.js";

const model = fileURLToPath(new URL("../../fixtures/stgcn-tiny/model.onnx", import.meta.url));
const backbone = await loadOnnxBackbone({ model, threads: 1, batchSize: 1, warmup: 1 });
await backbone.close();
process.stdout.write("ran\n");
