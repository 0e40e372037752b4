/**
 * Test-only backbone module (`skc extract --backbone-module`): replaces the
 * "onnx" adapter with one that holds every encoded batch back
 * SKC_TEST_ENCODE_DELAY_MS milliseconds (default 0), so that a test can catch
 * an array task mid-run. Outputs, model info and meta.json are the real
 * adapter's: a bundle written through it is byte for byte a plain run's.
 */
import { getBackboneAdapter, registerBackbone } from "@skeleton-cache/backbone";
import "@skeleton-cache/backbone-onnx"; // registers "onnx"

const onnx = getBackboneAdapter("onnx");
const delay = Number(process.env.SKC_TEST_ENCODE_DELAY_MS ?? 0);

registerBackbone(
  {
    ...onnx,
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
  },
  { replace: true },
);
