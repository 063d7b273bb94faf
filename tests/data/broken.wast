;; Not a wast script: the assertion is never closed.
(module)
(assert_return (invoke "f")
