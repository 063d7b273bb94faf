;; call_indirect through frozen tables (defined, not exported, never
;; written or grown, filled by constant active segments): the translator
;; checks null and signature against a constant mask there. Every element
;; kind and every trap, in the order the spec gives them, including
;; indices past the table that alias a mask bit modulo 32 or 64.

(module $other
  (func (export "seven") (result i32) (i32.const 7))
  (func (export "twice") (param i32) (result i32) (i32.add (local.get 0) (local.get 0))))
(register "other" $other)

;; 8 elements (32-bit mask): null, two i32 -> i32 functions (one imported
;; from another instance), a () -> i32 function, an imported host function.
(module
  (type $ii (func (param i32) (result i32)))
  (type $ii2 (func (param i32) (result i32))) ;; the same type again
  (type $ri (func (result i32)))
  (import "other" "twice" (func $twice (type $ii)))
  (import "spectest" "print_i32" (func $print (param i32)))
  (table 8 funcref)
  (elem (i32.const 1) $inc $twice $seven)
  (elem (i32.const 5) $print $inc)
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $seven (type $ri) (i32.const 7))
  (func (export "ii") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "ii2") (param i32 i32) (result i32)
    (call_indirect (type $ii2) (local.get 1) (local.get 0)))
  (func (export "ri") (param i32) (result i32)
    (call_indirect (type $ri) (local.get 0)))
  (func (export "print") (param i32 i32)
    (call_indirect (param i32) (local.get 1) (local.get 0))))

(assert_return (invoke "ii" (i32.const 1) (i32.const 41)) (i32.const 42))
(assert_return (invoke "ii" (i32.const 2) (i32.const 21)) (i32.const 42))
(assert_return (invoke "ii" (i32.const 6) (i32.const 9)) (i32.const 10))
(assert_return (invoke "ii2" (i32.const 2) (i32.const 4)) (i32.const 8))
(assert_return (invoke "ri" (i32.const 3)) (i32.const 7))
(assert_return (invoke "print" (i32.const 5) (i32.const 1)))
(assert_trap (invoke "ii" (i32.const 0) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "ii" (i32.const 4) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "ii" (i32.const 7) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "ii" (i32.const 3) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "ii" (i32.const 5) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "ri" (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "ri" (i32.const 0)) "uninitialized element")
(assert_trap (invoke "ii" (i32.const 8) (i32.const 1)) "undefined element")
(assert_trap (invoke "ii" (i32.const 33) (i32.const 1)) "undefined element")
(assert_trap (invoke "ii" (i32.const 65) (i32.const 1)) "undefined element")
(assert_trap (invoke "ii" (i32.const -1) (i32.const 1)) "undefined element")
(assert_trap (invoke "ri" (i32.const 35)) "undefined element")

;; 40 elements (64-bit mask), own functions only; the matching ones sit
;; above bit 31.
(module
  (type $ii (func (param i32) (result i32)))
  (table 40 funcref)
  (elem (i32.const 33) $neg $dbl $f64)
  (elem (i32.const 39) $neg)
  (func $neg (type $ii) (i32.sub (i32.const 0) (local.get 0)))
  (func $dbl (type $ii) (i32.shl (local.get 0) (i32.const 1)))
  (func $f64 (param f64) (result f64) (local.get 0))
  (func (export "ii") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0))))

(assert_return (invoke "ii" (i32.const 33) (i32.const 5)) (i32.const -5))
(assert_return (invoke "ii" (i32.const 34) (i32.const 5)) (i32.const 10))
(assert_return (invoke "ii" (i32.const 39) (i32.const 6)) (i32.const -6))
(assert_trap (invoke "ii" (i32.const 1) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "ii" (i32.const 35) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "ii" (i32.const 40) (i32.const 1)) "undefined element")
(assert_trap (invoke "ii" (i32.const 97) (i32.const 1)) "undefined element")
(assert_trap (invoke "ii" (i32.const 103) (i32.const 1)) "undefined element")

;; Every element matches: only the bound is checked.
(module
  (type $ri (func (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $a $b $a)
  (func $a (type $ri) (i32.const 10))
  (func $b (type $ri) (i32.const 20))
  (func (export "ri") (param i32) (result i32)
    (call_indirect (type $ri) (local.get 0))))

(assert_return (invoke "ri" (i32.const 0)) (i32.const 10))
(assert_return (invoke "ri" (i32.const 1)) (i32.const 20))
(assert_return (invoke "ri" (i32.const 2)) (i32.const 10))
(assert_trap (invoke "ri" (i32.const 3)) "undefined element")
(assert_trap (invoke "ri" (i32.const 64)) "undefined element")

;; 100 elements (too many for a mask): the general checks, and the own
;; context when every function of the type is the module's own ($ii), not
;; when one is imported ($ri).
(module
  (type $ii (func (param i32) (result i32)))
  (type $ri (func (result i32)))
  (import "other" "seven" (func $seven (type $ri)))
  (table 100 funcref)
  (elem (i32.const 70) $neg $seven $one)
  (elem (i32.const 99) $neg)
  (func $neg (type $ii) (i32.sub (i32.const 0) (local.get 0)))
  (func $one (type $ri) (i32.const 1))
  (func (export "ii") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "ri") (param i32) (result i32)
    (call_indirect (type $ri) (local.get 0))))

(assert_return (invoke "ii" (i32.const 70) (i32.const 5)) (i32.const -5))
(assert_return (invoke "ii" (i32.const 99) (i32.const 6)) (i32.const -6))
(assert_return (invoke "ri" (i32.const 71)) (i32.const 7))
(assert_return (invoke "ri" (i32.const 72)) (i32.const 1))
(assert_trap (invoke "ii" (i32.const 71) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "ri" (i32.const 70)) "indirect call type mismatch")
(assert_trap (invoke "ii" (i32.const 0) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "ii" (i32.const 100) (i32.const 1)) "undefined element")

;; Not frozen (written by table.set): the general path sees the change.
(module
  (type $ri (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $a)
  (elem declare func $b)
  (func $a (type $ri) (i32.const 10))
  (func $b (type $ri) (i32.const 20))
  (func (export "set") (table.set (i32.const 1) (ref.func $b)))
  (func (export "ri") (param i32) (result i32)
    (call_indirect (type $ri) (local.get 0))))

(assert_trap (invoke "ri" (i32.const 1)) "uninitialized element")
(invoke "set")
(assert_return (invoke "ri" (i32.const 1)) (i32.const 20))
