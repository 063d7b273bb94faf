;; Guest of the firmware-style embedding example (see embed.rs next to it).
;; It imports a logging function from the host, keeps a counter, can trap,
;; and calls back whatever host function the host put in its table.
(module
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "ticks" (func $ticks (result i64)))
  (memory (export "memory") 1)
  (table (export "callbacks") 1 funcref)
  (type $callback (func (result i64)))
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 0) "hello from wasm")

  ;; Sum the `len` bytes the host wrote at `ptr`, log our greeting, count the call.
  (func (export "checksum") (param $ptr i32) (param $len i32) (result i32)
    (local $sum i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (call $log (i32.const 0) (i32.const 15))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  ;; Traps with "integer divide by zero" when `b` is 0.
  (func $ratio (export "ratio") (param $a i32) (param $b i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.div_u (local.get $a) (local.get $b)))

  (func (export "calls") (result i32) (global.get $calls))

  ;; The host clock is always moving forward.
  (func (export "elapsed") (result i64) (call $ticks))

  ;; Call the callback in slot `i` of the table.
  (func (export "callback") (param $i i32) (result i64)
    (call_indirect (type $callback) (local.get $i))))
