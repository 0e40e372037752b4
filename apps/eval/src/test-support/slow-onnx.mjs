/**
 * Test-only backbone module (`skc extract --backbone-module THIS --backbone
 * slow-onnx`): the "onnx" adapter with every encoded batch held back
 * SKC_TEST_ENCODE_DELAY_MS milliseconds (default 0), so that a test can catch
 * an array task mid-run. The backbone it opens is the onnx one (its name,
 * outputs and model info), so meta.json and every byte of the bundle are a
 * plain `--backbone onnx` run's.
 */
import { getBackboneAdapter, registerBackbone } from "@skeleton-cache/backbone";
import "@skeleton-cache/backbone-onnx"; // registers "onnx"

const onnx = getBackboneAdapter("onnx");
const delay = Number(process.env.SKC_TEST_ENCODE_DELAY_MS ?? 0);

registerBackbone({
  ...onnx,
  name: "slow-onnx",
  description: "onnx, each encoded batch held back SKC_TEST_ENCODE_DELAY_MS ms (tests only)",
  async create(config) {
    const inner = await onnx.create(config);
    return new Proxy(inner, {
      get(target, key) {
        if (key === "encodeAll")
          return async function* (samples) {
            for await (const batch of target.encodeAll(samples)) {
              await new Promise((resolve) => setTimeout(resolve, delay));
              yield batch;
            }
          };
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  },
});
