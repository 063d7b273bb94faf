;; Two assertions that fail on purpose, for the runner's verdicts.
(module (func (export "four") (result i32) (i32.const 4)))
(assert_return (invoke "four") (i32.const 4))
(assert_return (invoke "four") (i32.const 5))
(assert_trap (invoke "four") "unreachable")
