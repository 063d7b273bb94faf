//! Linear memory: every load/store width with sign/zero extension,
//! little-endian layout, unaligned accesses, offset immediates, data
//! segments, memory.size/memory.grow, and a start function.

use basalt_tests::*;
use Value::{I32, I64};

const ACCESS: &str = r#"
(module
  (memory 1 1)
  ;; bytes 0..16: 01 02 03 04 05 06 07 08 ff fe fd fc 80 00 00 80
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\ff\fe\fd\fc\80\00\00\80")
  ;; a later segment overwrites part of an earlier one
  (data (i32.const 100) "hello, world")
  (data (i32.const 107) "W")
  ;; the last bytes of the page
  (data (i32.const 65532) "\aa\bb\cc\dd")
  (func (export "i32.load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "i32.load8_s") (param i32) (result i32) (i32.load8_s (local.get 0)))
  (func (export "i32.load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "i32.load16_s") (param i32) (result i32) (i32.load16_s (local.get 0)))
  (func (export "i32.load16_u") (param i32) (result i32) (i32.load16_u (local.get 0)))
  (func (export "i64.load") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "i64.load8_s") (param i32) (result i64) (i64.load8_s (local.get 0)))
  (func (export "i64.load8_u") (param i32) (result i64) (i64.load8_u (local.get 0)))
  (func (export "i64.load16_s") (param i32) (result i64) (i64.load16_s (local.get 0)))
  (func (export "i64.load16_u") (param i32) (result i64) (i64.load16_u (local.get 0)))
  (func (export "i64.load32_s") (param i32) (result i64) (i64.load32_s (local.get 0)))
  (func (export "i64.load32_u") (param i32) (result i64) (i64.load32_u (local.get 0)))
  (func (export "f32.load") (param i32) (result f32) (f32.load (local.get 0)))
  (func (export "f64.load") (param i32) (result f64) (f64.load (local.get 0)))
  (func (export "i32.store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "i32.store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "i32.store16") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))
  (func (export "i64.store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "i64.store8") (param i32 i64) (i64.store8 (local.get 0) (local.get 1)))
  (func (export "i64.store16") (param i32 i64) (i64.store16 (local.get 0) (local.get 1)))
  (func (export "i64.store32") (param i32 i64) (i64.store32 (local.get 0) (local.get 1)))
  (func (export "f32.store") (param i32 f32) (f32.store (local.get 0) (local.get 1)))
  (func (export "f64.store") (param i32 f64) (f64.store (local.get 0) (local.get 1)))
  ;; offset immediates add to the address
  (func (export "load_off4") (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (func (export "load8_off_big") (param i32) (result i32) (i32.load8_u offset=65535 (local.get 0)))
  (func (export "store_off_load") (param i32 i64) (result i64)
    (i64.store offset=3 align=1 (local.get 0) (local.get 1))
    (i64.load offset=1 align=1 (i32.add (local.get 0) (i32.const 2))))
)"#;

#[test]
fn loads_extend_correctly_and_are_little_endian() {
    check(
        ACCESS,
        &[
            ("i32.load", &[I32(0)], ok(&[I32(0x0403_0201)])),
            ("i32.load8_s", &[I32(8)], ok(&[I32(-1)])),
            ("i32.load8_u", &[I32(8)], ok(&[I32(0xff)])),
            ("i32.load8_s", &[I32(1)], ok(&[I32(2)])),
            (
                "i32.load16_s",
                &[I32(8)],
                ok(&[I32(0xfeffu16 as i16 as i32)]),
            ),
            ("i32.load16_u", &[I32(8)], ok(&[I32(0xfeff)])),
            ("i32.load16_s", &[I32(12)], ok(&[I32(0x80)])),
            (
                "i32.load16_s",
                &[I32(14)],
                ok(&[I32(0x8000u16 as i16 as i32)]),
            ),
            ("i64.load", &[I32(0)], ok(&[I64(0x0807_0605_0403_0201)])),
            (
                "i64.load",
                &[I32(8)],
                ok(&[I64(0x8000_0080_fcfd_feffu64 as i64)]),
            ),
            ("i64.load8_s", &[I32(12)], ok(&[I64(-128)])),
            ("i64.load8_u", &[I32(12)], ok(&[I64(128)])),
            (
                "i64.load16_s",
                &[I32(10)],
                ok(&[I64(0xfcfdu16 as i16 as i64)]),
            ),
            ("i64.load16_u", &[I32(10)], ok(&[I64(0xfcfd)])),
            (
                "i64.load32_s",
                &[I32(8)],
                ok(&[I64(0xfcfd_feffu32 as i32 as i64)]),
            ),
            ("i64.load32_u", &[I32(8)], ok(&[I64(0xfcfd_feff)])),
            (
                "i64.load32_s",
                &[I32(12)],
                ok(&[I64(0x8000_0080u32 as i32 as i64)]),
            ),
            ("f32.load", &[I32(12)], ok(&[Value::F32(0x8000_0080)])),
            (
                "f64.load",
                &[I32(8)],
                ok(&[Value::F64(0x8000_0080_fcfd_feff)]),
            ),
            // Unaligned loads.
            ("i32.load", &[I32(1)], ok(&[I32(0x0504_0302)])),
            ("i32.load", &[I32(7)], ok(&[I32(0xfdfe_ff08u32 as i32)])),
            (
                "i64.load",
                &[I32(3)],
                ok(&[I64(0xfdfe_ff08_0706_0504u64 as i64)]),
            ),
            ("i32.load16_u", &[I32(15)], ok(&[I32(0x80)])),
            (
                "f64.load",
                &[I32(5)],
                ok(&[Value::F64(0x80fc_fdfe_ff08_0706)]),
            ),
            ("load_off4", &[I32(0)], ok(&[I32(0x0807_0605)])),
            ("load_off4", &[I32(5)], ok(&[I32(0x80fc_fdfeu32 as i32)])),
            // Data segments: later ones win, the last bytes of the page.
            (
                "i64.load",
                &[I32(100)],
                ok(&[I64(i64::from_le_bytes(*b"hello, W"))]),
            ),
            (
                "i32.load",
                &[I32(108)],
                ok(&[I32(i32::from_le_bytes(*b"orld"))]),
            ),
            ("i32.load", &[I32(65532)], ok(&[I32(0xddcc_bbaau32 as i32)])),
            ("load8_off_big", &[I32(0)], ok(&[I32(0xdd)])),
            ("i32.load", &[I32(200)], ok(&[I32(0)])),
        ],
    );
}

#[test]
fn stores_write_exactly_their_width() {
    let canary = 0x1111_1111_1111_1111i64;
    check(
        ACCESS,
        &[
            // Fill 1000..1016 with canaries, then narrow stores in the middle.
            ("i64.store", &[I32(1000), I64(canary)], ok(&[])),
            ("i64.store", &[I32(1008), I64(canary)], ok(&[])),
            ("i32.store8", &[I32(1001), I32(0x1234_56ab)], ok(&[])),
            ("i64.load", &[I32(1000)], ok(&[I64(0x1111_1111_1111_ab11)])),
            ("i32.store16", &[I32(1003), I32(-2)], ok(&[])),
            ("i64.load", &[I32(1000)], ok(&[I64(0x1111_11ff_fe11_ab11)])),
            ("i64.store8", &[I32(1008), I64(-1)], ok(&[])),
            ("i64.store16", &[I32(1010), I64(0x7777_8899)], ok(&[])),
            (
                "i64.store32",
                &[I32(1012), I64(0x5555_6666_7788_99aau64 as i64)],
                ok(&[]),
            ),
            (
                "i64.load",
                &[I32(1008)],
                ok(&[I64(0x7788_99aa_8899_11ffu64 as i64)]),
            ),
            // Unaligned full-width stores and their round trips.
            ("i32.store", &[I32(2001), I32(0x0102_0304)], ok(&[])),
            ("i32.load8_u", &[I32(2001)], ok(&[I32(4)])),
            ("i32.load8_u", &[I32(2004)], ok(&[I32(1)])),
            (
                "i64.store",
                &[I32(2013), I64(-0x0123_4567_89ab_cdef)],
                ok(&[]),
            ),
            ("i64.load", &[I32(2013)], ok(&[I64(-0x0123_4567_89ab_cdef)])),
            (
                "store_off_load",
                &[I32(3001), I64(0x0a0b_0c0d_0e0f_1011)],
                ok(&[I64(0x0a0b_0c0d_0e0f_1011)]),
            ),
            // Float stores are bit-exact, NaN payloads included.
            ("f32.store", &[I32(4003), Value::F32(0x7fa0_0001)], ok(&[])),
            ("i32.load", &[I32(4003)], ok(&[I32(0x7fa0_0001)])),
            ("f32.load", &[I32(4003)], ok(&[Value::F32(0x7fa0_0001)])),
            ("f64.store", &[I32(4011), f64v(-0.0)], ok(&[])),
            ("i64.load", &[I32(4011)], ok(&[I64(i64::MIN)])),
            (
                "f64.store",
                &[I32(4021), Value::F64(0xfff0_0000_dead_beef)],
                ok(&[]),
            ),
            (
                "f64.load",
                &[I32(4021)],
                ok(&[Value::F64(0xfff0_0000_dead_beef)]),
            ),
            // The last byte of memory is writable.
            ("i32.store8", &[I32(65535), I32(0x5a)], ok(&[])),
            ("i32.load8_u", &[I32(65535)], ok(&[I32(0x5a)])),
            ("i32.load", &[I32(65532)], ok(&[I32(0x5acc_bbaau32 as i32)])),
        ],
    );
}

#[test]
fn memory_size_and_grow() {
    check(
        r#"(module
          (memory 1 3)
          (func (export "size") (result i32) (memory.size))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
          (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
          ;; grow, then use the new page in the same function: the bounds
          ;; check must see the new length (size before, grow result, size
          ;; after, a load from the new page)
          (func (export "grow_and_use") (result i32 i32 i32 i32)
            (memory.size)
            (memory.grow (i32.const 1))
            (memory.size)
            (i32.store (i32.const 131072) (i32.const 0x5151))
            (i32.load (i32.const 131072)))
          ;; every byte of a range is zero
          (func (export "all_zero") (param i32 i32) (result i32)
            (block $no
              (loop $l
                (if (i32.ge_u (local.get 0) (local.get 1)) (then (return (i32.const 1))))
                (br_if $no (i32.load8_u (local.get 0)))
                (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                (br $l)))
            (i32.const 0)))"#,
        &[
            ("size", &[], ok(&[I32(1)])),
            ("store", &[I32(65532), I32(0x1234_5678)], ok(&[])),
            ("load", &[I32(65536)], trap(Trap::MemoryOutOfBounds)),
            // Growing returns the old size in pages.
            ("grow", &[I32(1)], ok(&[I32(1)])),
            ("size", &[], ok(&[I32(2)])),
            ("all_zero", &[I32(65536), I32(131072)], ok(&[I32(1)])),
            // (and it does see nonzero bytes)
            ("all_zero", &[I32(65000), I32(131072)], ok(&[I32(0)])),
            ("load", &[I32(65532)], ok(&[I32(0x1234_5678)])),
            ("store", &[I32(131068), I32(-7)], ok(&[])),
            ("load", &[I32(131068)], ok(&[I32(-7)])),
            ("load", &[I32(131069)], trap(Trap::MemoryOutOfBounds)),
            // Past the maximum (2 + 2 > 3): -1, and nothing changes.
            ("grow", &[I32(2)], ok(&[I32(-1)])),
            ("size", &[], ok(&[I32(2)])),
            ("grow", &[I32(0x10000)], ok(&[I32(-1)])),
            ("grow", &[I32(-1)], ok(&[I32(-1)])),
            ("grow", &[I32(0)], ok(&[I32(2)])),
            ("load", &[I32(131072)], trap(Trap::MemoryOutOfBounds)),
            (
                "all_zero",
                &[I32(131072), I32(196608)],
                trap(Trap::MemoryOutOfBounds),
            ),
            (
                "grow_and_use",
                &[],
                ok(&[I32(2), I32(2), I32(3), I32(0x5151)]),
            ),
            ("size", &[], ok(&[I32(3)])),
            ("all_zero", &[I32(131076), I32(196608)], ok(&[I32(1)])),
            ("load", &[I32(196604)], ok(&[I32(0)])),
            // At the maximum now: the same function's grow fails and the
            // size stays 3.
            (
                "grow_and_use",
                &[],
                ok(&[I32(3), I32(-1), I32(3), I32(0x5151)]),
            ),
            ("grow", &[I32(1)], ok(&[I32(-1)])),
            ("load", &[I32(196605)], trap(Trap::MemoryOutOfBounds)),
            ("load", &[I32(131068)], ok(&[I32(-7)])),
        ],
    );
}

#[test]
fn memory_without_maximum_starts_empty_and_grows() {
    check(
        r#"(module
          (memory 0)
          (func (export "size") (result i32) (memory.size))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "rw") (param i32 i64) (result i64)
            (i64.store (local.get 0) (local.get 1)) (i64.load (local.get 0))))"#,
        &[
            ("size", &[], ok(&[I32(0)])),
            ("rw", &[I32(0), I64(1)], trap(Trap::MemoryOutOfBounds)),
            ("grow", &[I32(2)], ok(&[I32(0)])),
            ("size", &[], ok(&[I32(2)])),
            ("rw", &[I32(131064), I64(-3)], ok(&[I64(-3)])),
            ("rw", &[I32(131065), I64(-3)], trap(Trap::MemoryOutOfBounds)),
            // More than the 4 GiB address space can ever hold.
            ("grow", &[I32(0x10000)], ok(&[I32(-1)])),
            ("size", &[], ok(&[I32(2)])),
        ],
    );
}

#[test]
fn start_function_initialises_state() {
    check(
        r#"(module
          (memory 1)
          (global $g (mut i64) (i64.const 0))
          (data (i32.const 0) "\05")
          (func $init
            ;; runs after the data segments: doubles the 5 they wrote
            (i32.store (i32.const 4) (i32.mul (i32.load8_u (i32.const 0)) (i32.const 2)))
            (global.set $g (i64.const 0x1234567890)))
          (start $init)
          (func (export "g") (result i64) (global.get $g))
          (func (export "m") (result i32) (i32.load (i32.const 4))))"#,
        &[
            ("g", &[], ok(&[I64(0x12_3456_7890)])),
            ("m", &[], ok(&[I32(10)])),
        ],
    );
}
