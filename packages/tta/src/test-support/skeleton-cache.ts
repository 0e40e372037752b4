import { SkeletonCacheMethod, type SkeletonCacheOptions, type StreamInput } from "../index.js";

/**
 * A fresh `skeleton-cache` method sized for a stream: U from its logits (N, U),
 * C from its descriptors (N, 8, C) or its feature volumes (N, C, T, V).
 */
export function skeletonCacheFor(
  input: StreamInput,
  options: Omit<SkeletonCacheOptions, "numClasses" | "channels">,
): SkeletonCacheMethod {
  const numClasses = input.logits.shape[1]!;
  const channels = input.descriptors ? input.descriptors.shape[2]! : input.features!.shape[1]!;
  return new SkeletonCacheMethod({ ...options, numClasses, channels });
}
