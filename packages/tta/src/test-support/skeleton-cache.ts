import { type LabelledStream, streamShape } from "@skeleton-cache/skeleton";
import { SkeletonCacheMethod, type SkeletonCacheOptions } from "../index.js";

/**
 * A fresh `skeleton-cache` method sized for a stream: U from its logits (N, U),
 * C from its descriptors (N, 8, C) or its feature volumes (N, C, T, V).
 */
export function skeletonCacheFor(
  input: Pick<LabelledStream, "logits" | "descriptors" | "features">,
  options: Omit<SkeletonCacheOptions, "numClasses" | "channels">,
): SkeletonCacheMethod {
  const { numClasses, channels } = streamShape(input);
  return new SkeletonCacheMethod({ ...options, numClasses, channels });
}
