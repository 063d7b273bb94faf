;; The guest of examples/firmware: it greets through the host's `print`,
;; reads the host's `sensor`, reports a result through `report` and returns
;; its exit status (0: success), which becomes the firmware's.
(module
  (import "host" "print" (func $print (param i32 i32)))
  (import "host" "sensor" (func $sensor (result i32)))
  (import "host" "report" (func $report (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from the guest")

  ;; Report the sum of squares 1..=n plus the sensor reading; a negative
  ;; reading is a failure (status 1).
  (func (export "main") (param $n i32) (result i32)
    (local $i i32) (local $sum i32) (local $reading i32)
    (call $print (i32.const 16) (i32.const 20))
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (local.get $i) (local.get $n)))
        (local.set $sum
          (i32.add (local.get $sum) (i32.mul (local.get $i) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $reading (call $sensor))
    (call $report (i32.add (local.get $sum) (local.get $reading)))
    (i32.lt_s (local.get $reading) (i32.const 0))))
