;; Retrieval's dot products (Eq. 6 on unit-normalised keys), WebAssembly SIMD.
;;
;; dots(query, keys, out, slots, entries, stride):
;;   for slot in 0..slots:
;;     for entry in 0..entries:
;;       out[slot·entries + entry] = Σ_c query[slot·stride + c] · keys[(slot·entries + entry)·stride + c]
;;
;; Pointers are byte offsets into the imported memory; `stride` (floats) is a
;; multiple of 16. Four f32x4 accumulators per dot product: 16 lanes of
;; partial sums, added at the end as (acc0 + acc1 + acc2 + acc3), then lanes
;; 0 + 1 + 2 + 3. The JS kernel (cache.ts) keeps four partial sums too, in
;; float64. Float32 here is safe for the reason given in the descriptors
;; kernel (packages/descriptors/src/kernel/kernel.ts): the keys and the query
;; are unit vectors, so each cosine's rounding error is near 1e-7.
(module
  (import "env" "memory" (memory 1))
  (func (export "dots")
    (param $query i32) (param $keys i32) (param $out i32)
    (param $slots i32) (param $entries i32) (param $stride i32)
    (local $slot i32) (local $entry i32) (local $channelBytes i32) (local $rowBytes i32)
    (local $queryRow i32) (local $key i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $key (local.get $keys))
    (block $slotsDone
      (loop $slotLoop
        (br_if $slotsDone (i32.ge_u (local.get $slot) (local.get $slots)))
        (local.set $queryRow
          (i32.add (local.get $query) (i32.mul (local.get $slot) (local.get $rowBytes))))
        (local.set $entry (i32.const 0))
        (block $entriesDone
          (loop $entryLoop
            (br_if $entriesDone (i32.ge_u (local.get $entry) (local.get $entries)))
            (local.set $acc0 (v128.const i32x4 0 0 0 0))
            (local.set $acc1 (v128.const i32x4 0 0 0 0))
            (local.set $acc2 (v128.const i32x4 0 0 0 0))
            (local.set $acc3 (v128.const i32x4 0 0 0 0))
            (local.set $channelBytes (i32.const 0))
            ;; 16 floats (64 bytes) a turn
            (block $rowDone
              (loop $rowLoop
                (br_if $rowDone (i32.ge_u (local.get $channelBytes) (local.get $rowBytes)))
                (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul
                  (v128.load offset=0 align=1 (i32.add (local.get $queryRow) (local.get $channelBytes)))
                  (v128.load offset=0 align=1 (i32.add (local.get $key) (local.get $channelBytes))))))
                (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul
                  (v128.load offset=16 align=1 (i32.add (local.get $queryRow) (local.get $channelBytes)))
                  (v128.load offset=16 align=1 (i32.add (local.get $key) (local.get $channelBytes))))))
                (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul
                  (v128.load offset=32 align=1 (i32.add (local.get $queryRow) (local.get $channelBytes)))
                  (v128.load offset=32 align=1 (i32.add (local.get $key) (local.get $channelBytes))))))
                (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul
                  (v128.load offset=48 align=1 (i32.add (local.get $queryRow) (local.get $channelBytes)))
                  (v128.load offset=48 align=1 (i32.add (local.get $key) (local.get $channelBytes))))))
                (local.set $channelBytes (i32.add (local.get $channelBytes) (i32.const 64)))
                (br $rowLoop)))
            ;; the 16 lanes → out
            (local.set $acc0 (f32x4.add (f32x4.add (f32x4.add
              (local.get $acc0) (local.get $acc1)) (local.get $acc2)) (local.get $acc3)))
            (f32.store (local.get $out)
              (f32.add (f32.add (f32.add
                (f32x4.extract_lane 0 (local.get $acc0))
                (f32x4.extract_lane 1 (local.get $acc0)))
                (f32x4.extract_lane 2 (local.get $acc0)))
                (f32x4.extract_lane 3 (local.get $acc0))))
            (local.set $out (i32.add (local.get $out) (i32.const 4)))
            (local.set $key (i32.add (local.get $key) (local.get $rowBytes)))
            (local.set $entry (i32.add (local.get $entry) (i32.const 1)))
            (br $entryLoop)))
        (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
        (br $slotLoop)))))
