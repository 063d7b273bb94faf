;; No imports and no start function, so mutated copies often instantiate.
;; Seed of the artifact fuzz targets and of compiler/tests/artifact_mutation.rs.
(module
  (table 3 funcref)
  (memory 1)
  (global (mut i32) (i32.const 3))
  (elem (i32.const 0) func 0 1)
  (data (i32.const 0) "\01\02\03")
  (func (export "a") (param i64 f64) (result i64) (local.get 0))
  (func (export "b") (result i32) (i32.load8_u (i32.const 2))))
