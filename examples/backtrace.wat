;; A trap three calls deep: `basalt run examples/backtrace.wat --invoke outer`
;; prints the Wasm backtrace, named from the name section.
(module $demo
  (func $inner (unreachable))
  (func $middle (call $inner))
  (func $outer (export "outer") (call $middle)))
