;; The letterbox's resize, in WebAssembly SIMD: the same arithmetic as `letterboxTensor` in
;; letterbox.ts (OpenCV's INTER_LINEAR fixed point, bit for bit), 3.3 times faster (bench:predict).
;; letterbox-simd.ts lays out memory and calls `resize_rgb_planes`; this file is compiled into
;; letterbox-kernel.generated.ts by `npm run build:wasm`, and a test checks the two agree.
;;
;; Per output pixel: its left source pixel and the one after it (6 bytes of interleaved RGB) from
;; each of its two source rows; the horizontal pass as one i16 dot product against the column's
;; weights [w0 w1 w0 w1 w0 w1 0 0], the vertical pass with OpenCV's vector rounding, then /255
;; as float32. Four pixels at a time are transposed into four R, four G and four B floats and
;; stored in the three planes of the NCHW tensor.
;;
;; A clamped column (the image's last, or first when enlarging) has w1 = 0: the bytes read after
;; its pixel are multiplied by 0, so the caller leaves 8 bytes of slack after the image.
(module
  (memory (export "memory") 1)

  ;; One output pixel's [R, G, B, 0] as floats 0-1, from its four source pixels.
  (func $pixel (param $r0 i32) (param $r1 i32) (param $w v128) (param $b0 v128) (param $b1 v128) (result v128)
    (local $h0 v128) (local $h1 v128) (local $v v128)
    ;; horizontal: bytes [R0 G0 B0 R1 G1 B1 ..] -> i16 pairs [R0 R1 G0 G1 B0 B1 0 0], dot with the weights
    (local.set $h0
      (i32x4.shr_s
        (i32x4.dot_i16x8_s
          (i8x16.shuffle 0 16 3 16 1 16 4 16 2 16 5 16 16 16 16 16 (v128.load64_zero (local.get $r0)) (v128.const i64x2 0 0))
          (local.get $w))
        (i32.const 4)))
    (local.set $h1
      (i32x4.shr_s
        (i32x4.dot_i16x8_s
          (i8x16.shuffle 0 16 3 16 1 16 4 16 2 16 5 16 16 16 16 16 (v128.load64_zero (local.get $r1)) (v128.const i64x2 0 0))
          (local.get $w))
        (i32.const 4)))
    ;; vertical, as OpenCV's vector code rounds it
    (local.set $v
      (i32x4.shr_s
        (i32x4.add
          (i32x4.add
            (i32x4.shr_s (i32x4.mul (local.get $h0) (local.get $b0)) (i32.const 16))
            (i32x4.shr_s (i32x4.mul (local.get $h1) (local.get $b1)) (i32.const 16)))
          (v128.const i32x4 2 2 2 2))
        (i32.const 2)))
    (f32x4.div
      (f32x4.convert_i32x4_s (i32x4.min_s (local.get $v) (v128.const i32x4 255 255 255 255)))
      (v128.const f32x4 255 255 255 255)))

  ;; Resizes into the tensor's three planes, row by row. Addresses are byte offsets in memory:
  ;; $src the image (interleaved RGB); $cols one i32 per output column, the byte offset of its left
  ;; source pixel in a row; $weights 16 bytes per column, its i16x8 weights; $rows 16 bytes per
  ;; output row, the byte offsets of its two source rows from $src and their two weights (i32s);
  ;; $out the R plane's float at the image's top-left, $rowStride and $planeBytes the tensor's
  ;; row and plane sizes in bytes.
  (func (export "resize_rgb_planes")
    (param $src i32) (param $cols i32) (param $weights i32) (param $rows i32)
    (param $width i32) (param $height i32)
    (param $out i32) (param $rowStride i32) (param $planeBytes i32)
    (local $y i32) (local $x i32) (local $row i32) (local $r0 i32) (local $r1 i32)
    (local $b0 v128) (local $b1 v128) (local $o i32) (local $w4 i32)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $w4 (i32.and (local.get $width) (i32.const -4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $row (i32.add (local.get $rows) (i32.shl (local.get $y) (i32.const 4))))
        (local.set $r0 (i32.add (local.get $src) (i32.load offset=0 (local.get $row))))
        (local.set $r1 (i32.add (local.get $src) (i32.load offset=4 (local.get $row))))
        (local.set $b0 (i32x4.splat (i32.load offset=8 (local.get $row))))
        (local.set $b1 (i32x4.splat (i32.load offset=12 (local.get $row))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $rowStride))))
        (local.set $x (i32.const 0))
        ;; four pixels at a time, transposed into four R, four G and four B
        (block $quadsDone
          (loop $quadLoop
            (br_if $quadsDone (i32.ge_u (local.get $x) (local.get $w4)))
            (local.set $p0 (call $pixel
              (i32.add (local.get $r0) (i32.load offset=0 (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (i32.add (local.get $r1) (i32.load offset=0 (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (v128.load offset=0 (i32.add (local.get $weights) (i32.shl (local.get $x) (i32.const 4))))
              (local.get $b0) (local.get $b1)))
            (local.set $p1 (call $pixel
              (i32.add (local.get $r0) (i32.load offset=4 (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (i32.add (local.get $r1) (i32.load offset=4 (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (v128.load offset=16 (i32.add (local.get $weights) (i32.shl (local.get $x) (i32.const 4))))
              (local.get $b0) (local.get $b1)))
            (local.set $p2 (call $pixel
              (i32.add (local.get $r0) (i32.load offset=8 (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (i32.add (local.get $r1) (i32.load offset=8 (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (v128.load offset=32 (i32.add (local.get $weights) (i32.shl (local.get $x) (i32.const 4))))
              (local.get $b0) (local.get $b1)))
            (local.set $p3 (call $pixel
              (i32.add (local.get $r0) (i32.load offset=12 (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (i32.add (local.get $r1) (i32.load offset=12 (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (v128.load offset=48 (i32.add (local.get $weights) (i32.shl (local.get $x) (i32.const 4))))
              (local.get $b0) (local.get $b1)))
            ;; [R0 R1 G0 G1], [R2 R3 G2 G3], [B0 B1 . .], [B2 B3 . .]
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $p0) (local.get $p1)))
            (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $p2) (local.get $p3)))
            (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $p0) (local.get $p1)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $p2) (local.get $p3)))
            (v128.store (i32.add (local.get $o) (i32.shl (local.get $x) (i32.const 2)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
            (v128.store (i32.add (i32.add (local.get $o) (local.get $planeBytes)) (i32.shl (local.get $x) (i32.const 2)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
            (v128.store (i32.add (i32.add (local.get $o) (i32.shl (local.get $planeBytes) (i32.const 1))) (i32.shl (local.get $x) (i32.const 2)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $quadLoop)))
        ;; the last one to three pixels of the row, one at a time
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $p0 (call $pixel
              (i32.add (local.get $r0) (i32.load (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (i32.add (local.get $r1) (i32.load (i32.add (local.get $cols) (i32.shl (local.get $x) (i32.const 2)))))
              (v128.load (i32.add (local.get $weights) (i32.shl (local.get $x) (i32.const 4))))
              (local.get $b0) (local.get $b1)))
            (f32.store (i32.add (local.get $o) (i32.shl (local.get $x) (i32.const 2))) (f32x4.extract_lane 0 (local.get $p0)))
            (f32.store (i32.add (i32.add (local.get $o) (local.get $planeBytes)) (i32.shl (local.get $x) (i32.const 2))) (f32x4.extract_lane 1 (local.get $p0)))
            (f32.store (i32.add (i32.add (local.get $o) (i32.shl (local.get $planeBytes) (i32.const 1))) (i32.shl (local.get $x) (i32.const 2))) (f32x4.extract_lane 2 (local.get $p0)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $tailLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rowLoop))))
)
