;; Dot product of two i16 vectors with an i32 sum, scalar and with SIMD:
;;
;;   cargo run -- run examples/dot.wat --invoke dot_scalar 4096
;;   cargo run -- run examples/dot.wat --invoke dot_simd 4096      # same result
;;   cargo run -- bench examples/dot.wat --invoke dot_simd 4096    # guest instructions
;;
;; `a` lives at 0 and `b` at 8192 (4096 lanes each); the start function fills
;; them, so a timed call measures only the kernel. `n` is the number of
;; lanes (at most 4096); `dot_simd` takes a multiple of 8.
(module
  (memory 1)

  (func $init
    (local $i i32)
    (loop $fill
      ;; a[i] = i % 7 - 3, b[i] = i % 5 - 2
      (i32.store16 (i32.shl (local.get $i) (i32.const 1))
        (i32.sub (i32.rem_u (local.get $i) (i32.const 7)) (i32.const 3)))
      (i32.store16 offset=8192 (i32.shl (local.get $i) (i32.const 1))
        (i32.sub (i32.rem_u (local.get $i) (i32.const 5)) (i32.const 2)))
      (br_if $fill (i32.lt_u
        (local.tee $i (i32.add (local.get $i) (i32.const 1)))
        (i32.const 4096)))))
  (start $init)

  ;; One lane per iteration.
  (func (export "dot_scalar") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $sum i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 1)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $lanes
        (local.set $sum (i32.add (local.get $sum)
          (i32.mul (i32.load16_s (local.get $p))
                   (i32.load16_s offset=8192 (local.get $p)))))
        (br_if $lanes (i32.lt_u
          (local.tee $p (i32.add (local.get $p) (i32.const 2)))
          (local.get $end)))))
    (local.get $sum))

  ;; Eight lanes per iteration: i32x4.dot_i16x8_s multiplies lane pairs
  ;; and adds adjacent products into four i32 partial sums.
  (func (export "dot_simd") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $acc v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 1)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $lanes
        (local.set $acc (i32x4.add (local.get $acc)
          (i32x4.dot_i16x8_s (v128.load (local.get $p))
                             (v128.load offset=8192 (local.get $p)))))
        (br_if $lanes (i32.lt_u
          (local.tee $p (i32.add (local.get $p) (i32.const 16)))
          (local.get $end)))))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
)
