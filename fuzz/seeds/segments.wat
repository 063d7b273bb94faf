;; Every kind of metadata the artifact reader validates: imports of each kind,
;; tables with active, passive and declarative element segments, memories with
;; active and passive data, constant global initialisers, exports of each kind
;; and a start function. Seed of the artifact fuzz targets and of
;; compiler/tests/artifact_mutation.rs.
(module
  (import "env" "f" (func $imp (param i32) (result i32)))
  (import "env" "g" (global $ig i32))
  (type $t (func (param i32) (result i32)))
  (table $t0 4 8 funcref)
  (table $t1 2 externref)
  (memory 1 3)
  (global $g (mut i64) (i64.const -5))
  (global $h f32 (f32.const 1.5))
  (global $r funcref (ref.func $id))
  (elem (table $t0) (i32.const 1) func $id $twice)
  (elem $p funcref (ref.func $id) (ref.null func))
  (elem declare func $twice)
  (data (i32.const 8) "active bytes")
  (data $d "passive")
  (func $id (type $t) (local.get 0))
  (func $twice (export "twice") (param i32) (result i32)
    (call_indirect (type $t) (local.get 0) (i32.const 1)))
  (func $init (export "init") (param i32)
    (table.init $t0 $p (i32.const 0) (i32.const 0) (local.get 0))
    (memory.init $d (i32.const 100) (i32.const 0) (i32.const 3))
    (elem.drop $p) (data.drop $d))
  (func $start (global.set $g (i64.extend_i32_s (global.get $ig))))
  (export "t" (table $t0))
  (export "m" (memory 0))
  (export "gh" (global $h))
  (start $start))
