;; Byte swaps written without a byte-swap operator, and near misses that
;; must keep their own meaning (compiler/tests/code_shape.rs checks which
;; become `rev`; tests/tests/numeric.rs runs them on the board).
(module
  ;; LLVM's i32 bswap: rotr(x & 0x00ff00ff, 8) | (rotr(x, 24) & 0x00ff00ff).
  (func $rot32 (export "rot32") (param $x i32) (result i32)
    (i32.or
      (i32.rotr (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 8))
      (i32.and (i32.rotr (local.get $x) (i32.const 24)) (i32.const 0x00ff00ff))))
  (func $shift32 (export "shift32") (param $x i32) (result i32)
    (i32.or
      (i32.or (i32.shl (local.get $x) (i32.const 24))
              (i32.shl (i32.and (local.get $x) (i32.const 0xff00)) (i32.const 8)))
      (i32.or (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff00))
              (i32.shr_u (local.get $x) (i32.const 24)))))
  (func $shift64 (export "shift64") (param $x i64) (result i64)
    (i64.or
      (i64.or
        (i64.or (i64.shl (local.get $x) (i64.const 56))
                (i64.shl (i64.and (local.get $x) (i64.const 0xff00)) (i64.const 40)))
        (i64.or (i64.shl (i64.and (local.get $x) (i64.const 0xff0000)) (i64.const 24))
                (i64.shl (i64.and (local.get $x) (i64.const 0xff000000)) (i64.const 8))))
      (i64.or
        (i64.or (i64.and (i64.shr_u (local.get $x) (i64.const 8)) (i64.const 0xff000000))
                (i64.and (i64.shr_u (local.get $x) (i64.const 24)) (i64.const 0xff0000)))
        (i64.or (i64.and (i64.shr_u (local.get $x) (i64.const 40)) (i64.const 0xff00))
                (i64.shr_u (local.get $x) (i64.const 56))))))
  ;; A mask that keeps part of a byte.
  (func $mask_off_by_one (export "mask_off_by_one") (param $x i32) (result i32)
    (i32.or
      (i32.rotr (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 8))
      (i32.and (i32.rotr (local.get $x) (i32.const 24)) (i32.const 0x00ff00fe))))
  ;; Whole bytes, but another order.
  (func $rot_by_16 (export "rot_by_16") (param $x i32) (result i32)
    (i32.or
      (i32.rotr (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 8))
      (i32.and (i32.rotr (local.get $x) (i32.const 16)) (i32.const 0x00ff00ff))))
  ;; The right bytes, of two values.
  (func $two_sources (export "two_sources") (param $x i32) (param $y i32) (result i32)
    (i32.or
      (i32.rotr (i32.and (local.get $x) (i32.const 0x00ff00ff)) (i32.const 8))
      (i32.and (i32.rotr (local.get $y) (i32.const 24)) (i32.const 0x00ff00ff))))
  ;; A shift that is not a whole number of bytes.
  (func $shift_by_7 (export "shift_by_7") (param $x i32) (result i32)
    (i32.or
      (i32.or (i32.shl (local.get $x) (i32.const 24))
              (i32.shl (i32.and (local.get $x) (i32.const 0xff00)) (i32.const 7)))
      (i32.or (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff00))
              (i32.shr_u (local.get $x) (i32.const 24)))))
  ;; An arithmetic shift fills with sign bits, not zeros.
  (func $signed_shift (export "signed_shift") (param $x i32) (result i32)
    (i32.or
      (i32.or (i32.shl (local.get $x) (i32.const 24))
              (i32.shl (i32.and (local.get $x) (i32.const 0xff00)) (i32.const 8)))
      (i32.or (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff00))
              (i32.shr_s (local.get $x) (i32.const 24)))))
  ;; Two bytes of the source land on one byte of the result.
  (func $overlap (export "overlap") (param $x i32) (result i32)
    (i32.or
      (i32.or (i32.shl (local.get $x) (i32.const 24))
              (i32.shl (i32.and (local.get $x) (i32.const 0xff00)) (i32.const 8)))
      (i32.or (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff00))
              (i32.shr_u (local.get $x) (i32.const 16))))))
