;; BENCHMARK ONLY (bench/kernels.ts): the descriptor kernel written once as
;; WebAssembly text, looping over C, T, V, phases and body parts (read from a
;; table in memory), to compare with the product's kernel, which is
;; specialised to (T, V, phases, parts) at run time
;; (packages/descriptors/src/kernel/kernel.ts). Same bits, measured slower,
;; so the product keeps the specialisation.
;;
;; Skeleton-Cache descriptors (Eq. 3–4), WebAssembly SIMD, for any C, T, V,
;; phases and body parts.
;;
;; descriptors(input, output, samples, config):
;;   input  (samples, C, T, V) float32, then 128 bytes of padding
;;   output (samples, Q + P + 1, C) float32: the Q part means, the P phase
;;          means, then the global mean, each slot a row of C
;;
;; config (byte offsets; i32 unless marked f32):
;;    0 C          4 T          8 V          12 phases P     16 parts Q
;;   20 scratch (16-byte aligned): V·16 bytes of joint sums, then the phase
;;      table of four channels, 4 · P · ceil(V / 4) · 16 bytes, then 128 bytes
;;   24 f32 1 / (T·V)
;;   28 P phase records {start, end, f32 1 / ((end − start)·V)}
;;   28 + 12·P: Q part records {member count, members address, f32 1 / (count·T)}
;;
;; Per sample, two passes:
;;   A. Each channel's (T, V) plane is read once: for each phase, its rows
;;      are summed per joint in f32x4 registers (four joints to a vector,
;;      eight vectors at a time, row after row; the last vector also holds
;;      lanes of the next row, never used) into the phase table
;;      [channel][phase][vector].
;;   B. Four channels at a time, the table is transposed so that one f32x4
;;      holds one joint of four channels; the phase sums add, in joint order,
;;      each full vector's joints ((j0 + j1) + j2) + j3, then the V mod 4
;;      trailing joints one by one; the joint sums add the phases in order;
;;      the part sums add their members in order; the global sum adds the
;;      phase sums. Every channel sees the same float32 additions in the
;;      same order whatever C, T or V, and the means are sum × (1 / count)
;;      with the reciprocal rounded to float32. Accumulation is float32: see
;;      descriptors.ts for why that is safe.
(module
  (import "env" "memory" (memory 1))

  ;; Stores the first `count` (1..3) lanes of `v` at `at` (the last, partial group of channels).
  (func $storeSome (param $at i32) (param $v v128) (param $count i32)
    (f32.store (local.get $at) (f32x4.extract_lane 0 (local.get $v)))
    (if (i32.gt_u (local.get $count) (i32.const 1))
      (then (f32.store offset=4 (local.get $at) (f32x4.extract_lane 1 (local.get $v)))))
    (if (i32.gt_u (local.get $count) (i32.const 2))
      (then (f32.store offset=8 (local.get $at) (f32x4.extract_lane 2 (local.get $v))))))

  ;; Pass A for `channels` consecutive channels: their phase table.
  (func $phaseTable (param $plane i32) (param $cfg i32) (param $table i32) (param $channels i32)
    (local $V i32) (local $P i32) (local $rowBytes i32) (local $planeBytes i32)
    (local $vectors i32) (local $channel i32) (local $z i32) (local $record i32) (local $at i32)
    (local $first i32) (local $last i32) (local $k i32) (local $row i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $V (i32.load offset=8 (local.get $cfg)))
    (local.set $P (i32.load offset=12 (local.get $cfg)))
    (local.set $rowBytes (i32.shl (local.get $V) (i32.const 2)))
    (local.set $planeBytes (i32.mul (i32.load offset=4 (local.get $cfg)) (local.get $rowBytes)))
    (local.set $vectors (i32.shr_u (i32.add (local.get $V) (i32.const 3)) (i32.const 2)))
    (local.set $at (local.get $table))
    (block $channelsDone (loop $channelLoop
      (br_if $channelsDone (i32.ge_u (local.get $channel) (local.get $channels)))
      (local.set $record (i32.add (local.get $cfg) (i32.const 28)))
      (local.set $z (i32.const 0))
      (block $phasesDone (loop $phaseLoop
        (br_if $phasesDone (i32.ge_u (local.get $z) (local.get $P)))
        (local.set $first
          (i32.add (local.get $plane) (i32.mul (i32.load (local.get $record)) (local.get $rowBytes))))
        (local.set $last
          (i32.add (local.get $plane) (i32.mul (i32.load offset=4 (local.get $record)) (local.get $rowBytes))))
        (local.set $k (i32.const 0))
        (block $groupsDone (loop $groupLoop
          (br_if $groupsDone (i32.ge_u (local.get $k) (local.get $vectors)))
          (local.set $row (i32.add (local.get $first) (i32.shl (local.get $k) (i32.const 4))))
          (local.set $end (i32.add (local.get $last) (i32.shl (local.get $k) (i32.const 4))))
          (local.set $a0 (v128.const i32x4 0 0 0 0))
          (local.set $a1 (v128.const i32x4 0 0 0 0))
          (local.set $a2 (v128.const i32x4 0 0 0 0))
          (local.set $a3 (v128.const i32x4 0 0 0 0))
          (if (i32.gt_u (i32.sub (local.get $vectors) (local.get $k)) (i32.const 4))
            (then ;; eight vectors (32 joints) a row
              (local.set $a4 (v128.const i32x4 0 0 0 0))
              (local.set $a5 (v128.const i32x4 0 0 0 0))
              (local.set $a6 (v128.const i32x4 0 0 0 0))
              (local.set $a7 (v128.const i32x4 0 0 0 0))
              (block $rows8 (loop $rowLoop8
                (br_if $rows8 (i32.ge_u (local.get $row) (local.get $end)))
                (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 align=1 (local.get $row))))
                (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 align=1 (local.get $row))))
                (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 align=1 (local.get $row))))
                (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 align=1 (local.get $row))))
                (local.set $a4 (f32x4.add (local.get $a4) (v128.load offset=64 align=1 (local.get $row))))
                (local.set $a5 (f32x4.add (local.get $a5) (v128.load offset=80 align=1 (local.get $row))))
                (local.set $a6 (f32x4.add (local.get $a6) (v128.load offset=96 align=1 (local.get $row))))
                (local.set $a7 (f32x4.add (local.get $a7) (v128.load offset=112 align=1 (local.get $row))))
                (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
                (br $rowLoop8)))
              (v128.store offset=64 (local.get $at) (local.get $a4))
              (v128.store offset=80 (local.get $at) (local.get $a5))
              (v128.store offset=96 (local.get $at) (local.get $a6))
              (v128.store offset=112 (local.get $at) (local.get $a7)))
            (else ;; four vectors (16 joints) a row
              (block $rows4 (loop $rowLoop4
                (br_if $rows4 (i32.ge_u (local.get $row) (local.get $end)))
                (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 align=1 (local.get $row))))
                (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 align=1 (local.get $row))))
                (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 align=1 (local.get $row))))
                (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 align=1 (local.get $row))))
                (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
                (br $rowLoop4)))))
          ;; Vectors past the row's last land on the next table entries, which are written later.
          (v128.store offset=0 (local.get $at) (local.get $a0))
          (v128.store offset=16 (local.get $at) (local.get $a1))
          (v128.store offset=32 (local.get $at) (local.get $a2))
          (v128.store offset=48 (local.get $at) (local.get $a3))
          (if (i32.gt_u (i32.sub (local.get $vectors) (local.get $k)) (i32.const 4))
            (then
              (local.set $at (i32.add (local.get $at)
                (i32.shl (select (i32.const 8) (i32.sub (local.get $vectors) (local.get $k))
                  (i32.ge_u (i32.sub (local.get $vectors) (local.get $k)) (i32.const 8))) (i32.const 4))))
              (local.set $k (i32.add (local.get $k) (i32.const 8))))
            (else
              (local.set $at (i32.add (local.get $at)
                (i32.shl (i32.sub (local.get $vectors) (local.get $k)) (i32.const 4))))
              (local.set $k (local.get $vectors))))
          (br $groupLoop)))
        (local.set $record (i32.add (local.get $record) (i32.const 12)))
        (local.set $z (i32.add (local.get $z) (i32.const 1)))
        (br $phaseLoop)))
      (local.set $plane (i32.add (local.get $plane) (local.get $planeBytes)))
      (local.set $channel (i32.add (local.get $channel) (i32.const 1)))
      (br $channelLoop))))

  ;; Pass B: descriptors of channels c..c+3 from their phase table.
  (func $fourChannels (param $c i32) (param $out i32) (param $cfg i32) (param $table i32)
    (local $C i32) (local $V i32) (local $P i32) (local $Q i32) (local $joints i32) (local $full i32)
    (local $tail i32) (local $vectors i32) (local $slotBytes i32) (local $channelBytes i32)
    (local $z i32) (local $k i32) (local $record i32) (local $at i32) (local $row i32) (local $joint i32)
    (local $m i32) (local $count i32) (local $members i32) (local $left i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $lo v128) (local $hi v128) (local $lo2 v128) (local $hi2 v128)
    (local $phase v128) (local $total v128) (local $sum v128)
    (local.set $C (i32.load (local.get $cfg)))
    (local.set $V (i32.load offset=8 (local.get $cfg)))
    (local.set $P (i32.load offset=12 (local.get $cfg)))
    (local.set $Q (i32.load offset=16 (local.get $cfg)))
    (local.set $joints (i32.load offset=20 (local.get $cfg)))
    (local.set $full (i32.shr_u (local.get $V) (i32.const 2)))
    (local.set $tail (i32.and (local.get $V) (i32.const 3)))
    (local.set $vectors (i32.shr_u (i32.add (local.get $V) (i32.const 3)) (i32.const 2)))
    (local.set $slotBytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $channelBytes (i32.mul (i32.mul (local.get $P) (local.get $vectors)) (i32.const 16)))
    (local.set $left (i32.sub (local.get $C) (local.get $c)))
    ;; joint sums start at zero
    (local.set $at (local.get $joints))
    (local.set $row (i32.add (local.get $joints) (i32.shl (local.get $V) (i32.const 4))))
    (block $cleared (loop $clear
      (br_if $cleared (i32.ge_u (local.get $at) (local.get $row)))
      (v128.store (local.get $at) (v128.const i32x4 0 0 0 0))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br $clear)))
    (local.set $total (v128.const i32x4 0 0 0 0))
    ;; Eq. 4: each phase's mean over all joints and its time steps
    (local.set $record (i32.add (local.get $cfg) (i32.const 28)))
    (local.set $row (local.get $table))
    (block $phasesDone (loop $phaseLoop
      (br_if $phasesDone (i32.ge_u (local.get $z) (local.get $P)))
      (local.set $phase (v128.const i32x4 0 0 0 0))
      (local.set $k (i32.const 0))
      (local.set $joint (local.get $joints))
      (block $vectorsDone (loop $vectorLoop
        (br_if $vectorsDone (i32.ge_u (local.get $k) (local.get $vectors)))
        ;; four channels' sums of joints 4k..4k+3, transposed to four joints' sums over channels c..c+3
        (local.set $at (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 4))))
        (local.set $r0 (v128.load (local.get $at)))
        (local.set $at (i32.add (local.get $at) (local.get $channelBytes)))
        (local.set $r1 (v128.load (local.get $at)))
        (local.set $at (i32.add (local.get $at) (local.get $channelBytes)))
        (local.set $r2 (v128.load (local.get $at)))
        (local.set $at (i32.add (local.get $at) (local.get $channelBytes)))
        (local.set $r3 (v128.load (local.get $at)))
        (local.set $lo (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
        (local.set $hi (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
        (local.set $lo2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
        (local.set $hi2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
        (local.set $r0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $lo2)))
        (local.set $r1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $lo) (local.get $lo2)))
        (local.set $r2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $hi) (local.get $hi2)))
        (local.set $r3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $hi) (local.get $hi2)))
        (if (i32.lt_u (local.get $k) (local.get $full))
          (then
            (local.set $phase (f32x4.add (f32x4.add (f32x4.add (f32x4.add
              (local.get $r0) (local.get $r1)) (local.get $r2)) (local.get $r3)) (local.get $phase)))
            (v128.store offset=0 (local.get $joint) (f32x4.add (v128.load offset=0 (local.get $joint)) (local.get $r0)))
            (v128.store offset=16 (local.get $joint) (f32x4.add (v128.load offset=16 (local.get $joint)) (local.get $r1)))
            (v128.store offset=32 (local.get $joint) (f32x4.add (v128.load offset=32 (local.get $joint)) (local.get $r2)))
            (v128.store offset=48 (local.get $joint) (f32x4.add (v128.load offset=48 (local.get $joint)) (local.get $r3))))
          (else ;; the V mod 4 trailing joints, one by one
            (local.set $phase (f32x4.add (local.get $phase) (local.get $r0)))
            (v128.store offset=0 (local.get $joint) (f32x4.add (v128.load offset=0 (local.get $joint)) (local.get $r0)))
            (if (i32.gt_u (local.get $tail) (i32.const 1))
              (then
                (local.set $phase (f32x4.add (local.get $phase) (local.get $r1)))
                (v128.store offset=16 (local.get $joint)
                  (f32x4.add (v128.load offset=16 (local.get $joint)) (local.get $r1)))))
            (if (i32.gt_u (local.get $tail) (i32.const 2))
              (then
                (local.set $phase (f32x4.add (local.get $phase) (local.get $r2)))
                (v128.store offset=32 (local.get $joint)
                  (f32x4.add (v128.load offset=32 (local.get $joint)) (local.get $r2)))))))
        (local.set $joint (i32.add (local.get $joint) (i32.const 64)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $vectorLoop)))
      (local.set $total (f32x4.add (local.get $total) (local.get $phase)))
      (local.set $phase (f32x4.mul (local.get $phase) (v128.load32_splat offset=8 (local.get $record))))
      (local.set $at
        (i32.add (local.get $out) (i32.mul (i32.add (local.get $Q) (local.get $z)) (local.get $slotBytes))))
      (if (i32.ge_u (local.get $left) (i32.const 4))
        (then (v128.store align=4 (local.get $at) (local.get $phase)))
        (else (call $storeSome (local.get $at) (local.get $phase) (local.get $left))))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $vectors) (i32.const 4))))
      (local.set $record (i32.add (local.get $record) (i32.const 12)))
      (local.set $z (i32.add (local.get $z) (i32.const 1)))
      (br $phaseLoop)))
    ;; Eq. 3: each part's mean over all t and its joints, from the joint sums
    (local.set $z (i32.const 0))
    (block $partsDone (loop $partLoop
      (br_if $partsDone (i32.ge_u (local.get $z) (local.get $Q)))
      (local.set $count (i32.load (local.get $record)))
      (local.set $members (i32.load offset=4 (local.get $record)))
      (local.set $sum (v128.const i32x4 0 0 0 0))
      (local.set $m (i32.const 0))
      (block $membersDone (loop $memberLoop
        (br_if $membersDone (i32.ge_u (local.get $m) (local.get $count)))
        (local.set $sum (f32x4.add
          (v128.load (i32.add (local.get $joints)
            (i32.shl (i32.load (i32.add (local.get $members) (i32.shl (local.get $m) (i32.const 2))))
              (i32.const 4))))
          (local.get $sum)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $memberLoop)))
      (local.set $sum (f32x4.mul (local.get $sum) (v128.load32_splat offset=8 (local.get $record))))
      (local.set $at (i32.add (local.get $out) (i32.mul (local.get $z) (local.get $slotBytes))))
      (if (i32.ge_u (local.get $left) (i32.const 4))
        (then (v128.store align=4 (local.get $at) (local.get $sum)))
        (else (call $storeSome (local.get $at) (local.get $sum) (local.get $left))))
      (local.set $record (i32.add (local.get $record) (i32.const 12)))
      (local.set $z (i32.add (local.get $z) (i32.const 1)))
      (br $partLoop)))
    ;; the global mean over all t and all joints
    (local.set $total (f32x4.mul (local.get $total) (v128.load32_splat offset=24 (local.get $cfg))))
    (local.set $at
      (i32.add (local.get $out) (i32.mul (i32.add (local.get $Q) (local.get $P)) (local.get $slotBytes))))
    (if (i32.ge_u (local.get $left) (i32.const 4))
      (then (v128.store align=4 (local.get $at) (local.get $total)))
      (else (call $storeSome (local.get $at) (local.get $total) (local.get $left)))))

  (func (export "descriptors")
    (param $input i32) (param $output i32) (param $samples i32) (param $cfg i32)
    (local $C i32) (local $sampleBytes i32) (local $table i32)
    (local $planeBytes i32) (local $sample i32) (local $c i32) (local $group i32) (local $out i32)
    (local.set $C (i32.load (local.get $cfg)))
    (local.set $sampleBytes (i32.shl (i32.mul (local.get $C) (i32.add (i32.add
      (i32.load offset=12 (local.get $cfg)) (i32.load offset=16 (local.get $cfg))) (i32.const 1)))
      (i32.const 2)))
    (local.set $planeBytes (i32.shl
      (i32.mul (i32.load offset=4 (local.get $cfg)) (i32.load offset=8 (local.get $cfg))) (i32.const 2)))
    (local.set $table
      (i32.add (i32.load offset=20 (local.get $cfg)) (i32.shl (i32.load offset=8 (local.get $cfg)) (i32.const 4))))
    (block $samplesDone (loop $sampleLoop
      (br_if $samplesDone (i32.ge_u (local.get $sample) (local.get $samples)))
      (local.set $c (i32.const 0))
      (local.set $out (local.get $output))
      (block $channelsDone (loop $channelLoop
        (br_if $channelsDone (i32.ge_u (local.get $c) (local.get $C)))
        (local.set $group (select (i32.const 4) (i32.sub (local.get $C) (local.get $c))
          (i32.ge_u (i32.sub (local.get $C) (local.get $c)) (i32.const 4))))
        (call $phaseTable (local.get $input) (local.get $cfg) (local.get $table) (local.get $group))
        (call $fourChannels (local.get $c) (local.get $out) (local.get $cfg) (local.get $table))
        (local.set $input (i32.add (local.get $input) (i32.mul (local.get $planeBytes) (local.get $group))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $channelLoop)))
      (local.set $output (i32.add (local.get $output) (local.get $sampleBytes)))
      (local.set $sample (i32.add (local.get $sample) (i32.const 1)))
      (br $sampleLoop)))))
