;; out = A · Bᵀ for float32 row-major blocks in this module's memory, with 128-bit SIMD.
;; A: aRows × dim at byte offset $a, B: bRows × dim at $b, out: aRows × bRows at $out.
;; The caller pads: aRows to a multiple of 4, bRows to a multiple of 2, dim to a multiple of 4 (zeros),
;; and keeps every offset 16-byte aligned. A 4 × 2 register tile of f32x4 accumulators: each B load is
;; used four times, each A load twice; the four lanes are summed at the end of a dot product.
;; `dots` (below): gathered dot products of one query with chosen rows.
;; Source of _gemm_simd_wasm.ts (regenerate: deno run -A benchmarks/tools/build_wasm_gemm.ts).
(module
  (memory (export "memory") 1)
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
  (func (export "abt")
    (param $a i32) (param $aRows i32) (param $b i32) (param $bRows i32) (param $dim i32) (param $out i32)
    (local $rowBytes i32) (local $outRow i32) (local $i i32) (local $j i32) (local $k i32) (local $o i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $b0 i32) (local $b1 i32)
    (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $outRow (i32.shl (local.get $bRows) (i32.const 2)))
    (block $iend
      (loop $iloop
        (br_if $iend (i32.ge_u (local.get $i) (local.get $aRows)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $a1 (i32.add (local.get $a0) (local.get $rowBytes)))
        (local.set $a2 (i32.add (local.get $a1) (local.get $rowBytes)))
        (local.set $a3 (i32.add (local.get $a2) (local.get $rowBytes)))
        (local.set $j (i32.const 0))
        (block $jend
          (loop $jloop
            (br_if $jend (i32.ge_u (local.get $j) (local.get $bRows)))
            (local.set $b0 (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $rowBytes))))
            (local.set $b1 (i32.add (local.get $b0) (local.get $rowBytes)))
            (local.set $s00 (v128.const i32x4 0 0 0 0))
            (local.set $s01 (v128.const i32x4 0 0 0 0))
            (local.set $s10 (v128.const i32x4 0 0 0 0))
            (local.set $s11 (v128.const i32x4 0 0 0 0))
            (local.set $s20 (v128.const i32x4 0 0 0 0))
            (local.set $s21 (v128.const i32x4 0 0 0 0))
            (local.set $s30 (v128.const i32x4 0 0 0 0))
            (local.set $s31 (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (block $kend
              (loop $kloop
                (br_if $kend (i32.ge_u (local.get $k) (local.get $rowBytes)))
                (local.set $x0 (v128.load (i32.add (local.get $b0) (local.get $k))))
                (local.set $x1 (v128.load (i32.add (local.get $b1) (local.get $k))))
                (local.set $y (v128.load (i32.add (local.get $a0) (local.get $k))))
                (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $y) (local.get $x0))))
                (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $y) (local.get $x1))))
                (local.set $y (v128.load (i32.add (local.get $a1) (local.get $k))))
                (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $y) (local.get $x0))))
                (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $y) (local.get $x1))))
                (local.set $y (v128.load (i32.add (local.get $a2) (local.get $k))))
                (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $y) (local.get $x0))))
                (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $y) (local.get $x1))))
                (local.set $y (v128.load (i32.add (local.get $a3) (local.get $k))))
                (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $y) (local.get $x0))))
                (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $y) (local.get $x1))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $kloop)))
            (local.set $o
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $bRows)) (local.get $j)) (i32.const 2))))
            (f32.store (local.get $o) (call $hsum (local.get $s00)))
            (f32.store offset=4 (local.get $o) (call $hsum (local.get $s01)))
            (local.set $o (i32.add (local.get $o) (local.get $outRow)))
            (f32.store (local.get $o) (call $hsum (local.get $s10)))
            (f32.store offset=4 (local.get $o) (call $hsum (local.get $s11)))
            (local.set $o (i32.add (local.get $o) (local.get $outRow)))
            (f32.store (local.get $o) (call $hsum (local.get $s20)))
            (f32.store offset=4 (local.get $o) (call $hsum (local.get $s21)))
            (local.set $o (i32.add (local.get $o) (local.get $outRow)))
            (f32.store (local.get $o) (call $hsum (local.get $s30)))
            (f32.store offset=4 (local.get $o) (call $hsum (local.get $s31)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $iloop))))
  ;; out[i] = rows[ids[i]] · q for i < n: the gathered dot products of one query with chosen rows of a matrix.
  ;; q at byte offset $q, ids (i32) at $ids, out (f32) at $out, rows at $base with $rowBytes bytes per row;
  ;; $rowBytes a multiple of 64 (the caller pads the dimension to 16 floats with zeros), offsets 16-byte aligned.
  ;; Four f32x4 accumulators hide the add latency.
  (func (export "dots")
    (param $q i32) (param $ids i32) (param $n i32) (param $base i32) (param $rowBytes i32) (param $out i32)
    (local $i i32) (local $k i32) (local $row i32) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (block $iend
      (loop $iloop
        (br_if $iend (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $row (i32.add (local.get $base)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $s0 (v128.const i32x4 0 0 0 0))
        (local.set $s1 (v128.const i32x4 0 0 0 0))
        (local.set $s2 (v128.const i32x4 0 0 0 0))
        (local.set $s3 (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $kend
          (loop $kloop
            (br_if $kend (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul
              (v128.load (i32.add (local.get $row) (local.get $k))) (v128.load (i32.add (local.get $q) (local.get $k))))))
            (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul
              (v128.load offset=16 (i32.add (local.get $row) (local.get $k)))
              (v128.load offset=16 (i32.add (local.get $q) (local.get $k))))))
            (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul
              (v128.load offset=32 (i32.add (local.get $row) (local.get $k)))
              (v128.load offset=32 (i32.add (local.get $q) (local.get $k))))))
            (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul
              (v128.load offset=48 (i32.add (local.get $row) (local.get $k)))
              (v128.load offset=48 (i32.add (local.get $q) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 64)))
            (br $kloop)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (call $hsum (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop))))
  ;; Like `dots`, but keeps only the ids whose dot product is ≥ $min: they are moved to the front of the id list
  ;; (in order) with their products in out; returns how many.
  (func (export "screen")
    (param $q i32) (param $ids i32) (param $n i32) (param $base i32) (param $rowBytes i32) (param $out i32)
    (param $min f32) (result i32)
    (local $i i32) (local $k i32) (local $row i32) (local $id i32) (local $kept i32) (local $dot f32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (block $iend
      (loop $iloop
        (br_if $iend (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $id (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $row (i32.add (local.get $base) (i32.mul (local.get $id) (local.get $rowBytes))))
        (local.set $s0 (v128.const i32x4 0 0 0 0))
        (local.set $s1 (v128.const i32x4 0 0 0 0))
        (local.set $s2 (v128.const i32x4 0 0 0 0))
        (local.set $s3 (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $kend
          (loop $kloop
            (br_if $kend (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul
              (v128.load (i32.add (local.get $row) (local.get $k))) (v128.load (i32.add (local.get $q) (local.get $k))))))
            (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul
              (v128.load offset=16 (i32.add (local.get $row) (local.get $k)))
              (v128.load offset=16 (i32.add (local.get $q) (local.get $k))))))
            (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul
              (v128.load offset=32 (i32.add (local.get $row) (local.get $k)))
              (v128.load offset=32 (i32.add (local.get $q) (local.get $k))))))
            (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul
              (v128.load offset=48 (i32.add (local.get $row) (local.get $k)))
              (v128.load offset=48 (i32.add (local.get $q) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 64)))
            (br $kloop)))
        (local.set $dot
          (call $hsum (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3)))))
        (if (f32.ge (local.get $dot) (local.get $min))
          (then
            (i32.store (i32.add (local.get $ids) (i32.shl (local.get $kept) (i32.const 2))) (local.get $id))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $kept) (i32.const 2))) (local.get $dot))
            (local.set $kept (i32.add (local.get $kept) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
    (local.get $kept))
)
