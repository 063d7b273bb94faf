;; Two loops of different lengths for `basalt run ... --profile`:
;; `checksum` does eight passes over the work, `count` one.
(module $profiled
  (func $mix (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $acc))
  (func $checksum (param $n i32) (result i32)
    (call $mix (i32.mul (local.get $n) (i32.const 8))))
  (func $count (param $n i32) (result i32)
    (local $k i32)
    (loop $l
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (local.get $n))))
    (local.get $k))
  (func $main (export "main") (param $n i32) (result i32)
    (i32.xor (call $checksum (local.get $n)) (call $count (local.get $n)))))
