/**
 * An extraction worker: opens the dataset (and, in sessions mode, its own
 * backbone through the registry), then turns each chunk of sample names into
 * encoded outputs or preprocessed inputs.
 */
import { parentPort } from "node:worker_threads";
import {
  type Backbone,
  createBackbone,
  hasBackbone,
  listBackbones,
  resolveBackbone,
} from "@skeleton-cache/backbone";
import type { SkeletonDataset } from "@skeleton-cache/datasets";
import { ValueError } from "@skeleton-cache/errors";
import type { Tensor } from "@skeleton-cache/tensor";
import { encodeChunk, prepareChunk } from "./encode.js";
import {
  type ChunkMessage,
  type InitMessage,
  type StopMessage,
  serializeError,
  type WorkerReply,
} from "./messages.js";
import { openDataset } from "./plan.js";

const port = parentPort!;

function unregisteredInWorker(name: string, modules: readonly string[]): ValueError {
  const imported = modules.length > 0 ? modules.join(", ") : "none";
  return new ValueError(
    `backbone adapter "${name}" is not registered in the extraction worker threads (they imported: ${imported}; registered there: ${listBackbones().join(", ") || "none"}); pass the module that registers it in pluginModules (e.g. import.meta.resolve("@skeleton-cache/backbone-${name}")), or run with workers: 0`,
    { field: "pluginModules", value: [...modules], expected: name },
  );
}
let init: InitMessage | null = null;
let dataset: SkeletonDataset | null = null;
let backbone: Backbone<Tensor> | null = null;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function handle(message: InitMessage | ChunkMessage): Promise<void> {
  if (message.type === "init") {
    init = message;
    for (const module of message.modules) await import(module);
    dataset = openDataset(message.dataset);
    if (message.backbone) {
      const { name, config } = message.backbone;
      // A worker has its own module graph: only what `pluginModules` (or backboneModule) imports is registered here.
      if (name === "auto") backbone = await resolveBackbone<Tensor>(config);
      else {
        if (!hasBackbone(name)) throw unregisteredInWorker(name, message.modules);
        backbone = await createBackbone<Tensor>(name, config);
      }
    }
    reply({ type: "ready" });
    return;
  }
  const prepared = prepareChunk(dataset!, message.names, init!.preprocessing);
  if (!backbone) {
    reply({ type: "prepared", k: message.k, prepared }, [prepared.data.buffer as ArrayBuffer]);
    return;
  }
  const chunk = await encodeChunk(backbone, prepared, init!.output);
  reply({ type: "encoded", k: message.k, chunk }, [
    chunk.logits.buffer as ArrayBuffer,
    chunk.values.buffer as ArrayBuffer,
  ]);
}

const queue: (InitMessage | ChunkMessage)[] = [];
let busy = false;
let stopping = false;

/** Releases the model and ends this thread (never while a model run is in flight: onnxruntime would abort). */
async function shutdown(): Promise<void> {
  await backbone?.close();
  process.exit(0);
}

/** Works through the queue one message at a time (the pool keeps up to two chunks queued, so no worker waits). */
async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length > 0 && !stopping) {
    const message = queue.shift()!;
    await handle(message).catch((error: unknown) => reply({ type: "error", error: serializeError(error) }));
  }
  busy = false;
  if (stopping) await shutdown();
}

// "stop" ends the thread once the chunk in hand is done; chunks still queued are dropped.
port.on("message", (message: InitMessage | ChunkMessage | StopMessage) => {
  if (message.type === "stop") {
    stopping = true;
    if (!busy) void shutdown();
    return;
  }
  queue.push(message);
  void drain();
});
