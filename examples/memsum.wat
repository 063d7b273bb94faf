;; A memory-heavy kernel for `basalt bench`: fill `n` KiB of linear memory
;; with a hash of each address, then sum it back with 32-bit loads; returns the sum.
;;   cargo run -- bench examples/memsum.wat --invoke run 256
(module
  (memory 17)
  (func (export "run") (param $kib i32) (result i32)
    (local $i i32) (local $end i32) (local $sum i32)
    (local.set $end (i32.mul (local.get $kib) (i32.const 1024)))
    (block $done (loop $fill
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (i32.store (local.get $i) (i32.mul (local.get $i) (i32.const 0x9e3779b1)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $fill)))
    (local.set $i (i32.const 0))
    (block $done (loop $sum
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sum)))
    (local.get $sum)))
