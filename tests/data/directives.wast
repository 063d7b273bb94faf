;; Every directive kind `basalt wast` handles; every assertion here passes
;; (tests/tests/wast.rs counts them).

(module $Math
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "sqrt") (param f32) (result f32) (f32.sqrt (local.get 0)))
  (func (export "neg") (param f64) (result f64) (f64.neg (local.get 0)))
  (func (export "pair") (result i64 f64) (i64.const -1) (f64.const 1.5))
  (func $loop (export "loop") (call $loop))
  (global (export "answer") i32 (i32.const 42))
  (global $counter (export "counter") (mut i64) (i64.const 0))
  (func (export "bump") (global.set $counter (i64.add (global.get $counter) (i64.const 1)))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke $Math "add" (i32.const -1) (i32.const 1)) (i32.const 0))
(assert_return (invoke "pair") (i64.const -1) (f64.const 1.5))
(assert_return (invoke "sqrt" (f32.const -1)) (f32.const nan:canonical))
(assert_return (invoke "sqrt" (f32.const nan:0x200000)) (f32.const nan:arithmetic))
;; neg flips the sign bit only, so even a signalling NaN comes back exactly.
(assert_return (invoke "neg" (f64.const nan:0x4)) (f64.const -nan:0x4))
(assert_trap (invoke "div_s" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div_s" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_exhaustion (invoke "loop") "call stack exhausted")
(invoke "bump")
(assert_return (get "answer") (i32.const 42))
(assert_return (get $Math "counter") (i64.const 1))
(register "math" $Math)

;; Imports from a registered module and from `spectest`.
(module $User
  (import "math" "add" (func $add (param i32 i32) (result i32)))
  (import "spectest" "global_i32" (global $g i32))
  (import "spectest" "print_i32" (func $print (param i32)))
  (import "spectest" "memory" (memory 1))
  (func (export "add_g") (param i32) (result i32) (call $add (local.get 0) (global.get $g)))
  (func (export "print") (call $print (i32.const 7)))
  (func (export "load") (result i32) (i32.load (i32.const 0))))
(assert_return (invoke "add_g" (i32.const 1)) (i32.const 667))
(assert_return (invoke "print"))
(assert_return (invoke $Math "add" (i32.const 2) (i32.const 2)) (i32.const 4))

;; References.
(module
  (table $t 2 externref)
  (func (export "set") (param i32 externref) (table.set $t (local.get 0) (local.get 1)))
  (func (export "get") (param i32) (result externref) (table.get $t (local.get 0)))
  (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func $f (export "f"))
  (func (export "fref") (result funcref) (ref.func $f))
  (func (export "null_func") (result funcref) (ref.null func))
  (elem declare func $f))
(assert_return (invoke "get" (i32.const 0)) (ref.null extern))
(invoke "set" (i32.const 1) (ref.extern 5))
(assert_return (invoke "get" (i32.const 1)) (ref.extern 5))
(assert_return (invoke "is_null" (ref.null extern)) (i32.const 1))
(assert_return (invoke "is_null" (ref.extern 3)) (i32.const 0))
(assert_return (invoke "fref") (ref.func))
(assert_return (invoke "null_func") (ref.null func))
(assert_trap (invoke "get" (i32.const 2)) "out of bounds table access")

;; Quoted and binary modules.
(module quote "(func (export \"five\") (result i32) (i32.const 5))")
(assert_return (invoke "five") (i32.const 5))
(module binary "\00asm" "\01\00\00\00")

;; Decided on the host.
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module quote "(func (result i32) (i32.const))") "unexpected token")
(assert_malformed (module binary "\00asm" "\02\00\00\00") "unknown binary version")

;; Modules that must not instantiate.
(assert_unlinkable (module (import "math" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "math" "add" (func (param i64)))) "incompatible import type")
(assert_unlinkable (module (import "spectest" "global_i32" (global i64))) "incompatible import type")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_trap (module (memory 1) (data (i32.const 65536) "x")) "out of bounds memory access")
