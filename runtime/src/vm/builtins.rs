//! Runtime functions compiled code reaches through `VMBuiltinFunctionsArray`
//! (never by absolute address, so code needs no relocation at load time).
//!
//! All take the calling instance's `vmctx` first. Integer parameters are
//! `i32` unless noted; references are pointer-sized (`i64`). Builtins that
//! can fail return an `i32` that is non-zero on failure; compiled code then
//! traps with the builtin's one trap kind, so no Rust frame is ever unwound.
//!
//! [`foreach_builtin_function`] is the one list of them: the enum, the
//! slots of the array, the signatures the compiler declares (and the layout
//! fingerprint covers) and the runtime's table of libcalls are all
//! generated from it, so adding a builtin is one line here plus its body in
//! `libcalls.rs` (the runtime does not build without one of the right type).

use super::VMContext;

/// Calls `$m!` with every builtin, in slot order, as
/// `name / Variant (param: type, ...) -> result;` (the `vmctx` parameter
/// is implied; types are `i32` or `i64`, a missing result is none).
macro_rules! foreach_builtin_function {
    ($m:ident) => {
        $m! {
            /// Old size in pages, or -1.
            memory32_grow / Memory32Grow (delta: i64, memory: i32) -> i64;
            /// Old size, or -1.
            table_grow / TableGrow (table: i32, delta: i32, init: i64) -> i32;
            /// Fails: table out of bounds.
            table_fill / TableFill (table: i32, dst: i32, value: i64, len: i32) -> i32;
            /// Fails: table out of bounds.
            table_copy / TableCopy (dst_table: i32, src_table: i32, dst: i32, src: i32, len: i32) -> i32;
            /// Fails: table out of bounds.
            table_init / TableInit (table: i32, elem_segment: i32, dst: i32, src: i32, len: i32) -> i32;
            /// Drops an element segment.
            elem_drop / ElemDrop (elem_segment: i32);
            /// On memory 0; fails: memory out of bounds.
            memory_copy / MemoryCopy (dst: i32, src: i32, len: i32) -> i32;
            /// On memory 0; fails: memory out of bounds.
            memory_fill / MemoryFill (dst: i32, value: i32, len: i32) -> i32;
            /// On memory 0; fails: memory out of bounds.
            memory_init / MemoryInit (data_segment: i32, dst: i32, src: i32, len: i32) -> i32;
            /// Drops a data segment.
            data_drop / DataDrop (data_segment: i32);
        }
    };
}
pub(crate) use foreach_builtin_function;

/// The Rust type of a value in a builtin's native signature.
macro_rules! builtin_rust_type {
    (i32) => {
        u32
    };
    (i64) => {
        u64
    };
}

/// The [`BuiltinType`] of a value in a builtin's native signature.
macro_rules! builtin_type {
    (i32) => {
        BuiltinType::I32
    };
    (i64) => {
        BuiltinType::I64
    };
}

/// A builtin's result as `Option<BuiltinType>`.
macro_rules! builtin_result {
    () => {
        None
    };
    ($t:ident) => {
        Some(builtin_type!($t))
    };
}

/// The enum, its signatures and the array's fields, from the list.
macro_rules! declare_builtins {
    ($( $(#[$doc:meta])* $name:ident / $variant:ident ( $($param:ident : $ty:ident),* ) $(-> $ret:ident)? ; )*) => {
        /// The libcalls, in their slot order inside [`VMBuiltinFunctionsArray`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub enum BuiltinFunction {
            $(
                $(#[$doc])*
                #[doc = concat!("`(vmctx", $(", ", stringify!($param), ": ", stringify!($ty),)* ")", $(" -> ", stringify!($ret),)? "`")]
                $variant,
            )*
        }

        impl BuiltinFunction {
            /// Every builtin, by slot.
            pub const ALL: &'static [BuiltinFunction] = &[$(BuiltinFunction::$variant),*];

            /// Its field name in [`VMBuiltinFunctionsArray`].
            pub const fn name(self) -> &'static str {
                match self {
                    $(BuiltinFunction::$variant => stringify!($name),)*
                }
            }

            /// Parameters (the `vmctx` first) and result, as compiled code calls
            /// it: the compiler declares exactly this, and the layout fingerprint
            /// covers it, so an artifact built against other libcalls is refused.
            pub const fn signature(self) -> (&'static [BuiltinType], Option<BuiltinType>) {
                match self {
                    $(BuiltinFunction::$variant => (
                        &[BuiltinType::I64 $(, builtin_type!($ty))*],
                        builtin_result!($($ret)?),
                    ),)*
                }
            }
        }

        /// Function pointers of the libcalls, one per [`BuiltinFunction`] in slot
        /// order, shared by every instance.
        #[derive(Debug)]
        #[repr(C)]
        pub struct VMBuiltinFunctionsArray {
            $(
                #[doc = concat!("[`BuiltinFunction::", stringify!($variant), "`].")]
                pub $name: unsafe extern "C" fn(*mut VMContext $(, builtin_rust_type!($ty))*) $(-> builtin_rust_type!($ret))?,
            )*
        }

        #[cfg(test)]
        /// Byte offset of each field of [`VMBuiltinFunctionsArray`], by slot.
        const FIELD_OFFSETS: &[usize] = &[$(core::mem::offset_of!(VMBuiltinFunctionsArray, $name)),*];
    };
}

foreach_builtin_function!(declare_builtins);

impl BuiltinFunction {
    /// Slot index inside the array.
    pub const fn index(self) -> u32 {
        self as u32
    }

    /// Byte offset of its slot inside [`VMBuiltinFunctionsArray`].
    pub const fn offset(self) -> u32 {
        self.index() * core::mem::size_of::<usize>() as u32
    }
}

/// A value in a builtin's signature (pointers are `I64` on aarch64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum BuiltinType {
    /// 32-bit integer.
    I32 = 1,
    /// 64-bit integer or pointer.
    I64 = 2,
}

impl VMBuiltinFunctionsArray {
    /// Number of slots.
    pub const LEN: usize = BuiltinFunction::ALL.len();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_the_list() {
        assert_eq!(FIELD_OFFSETS.len(), BuiltinFunction::ALL.len());
        for (slot, &f) in BuiltinFunction::ALL.iter().enumerate() {
            assert_eq!(f.index() as usize, slot, "{}", f.name());
            assert_eq!(f.offset() as usize, FIELD_OFFSETS[slot], "{}", f.name());
        }
        assert_eq!(
            core::mem::size_of::<VMBuiltinFunctionsArray>(),
            VMBuiltinFunctionsArray::LEN * core::mem::size_of::<usize>()
        );
    }

    #[test]
    fn signatures_take_vmctx_first() {
        for &f in BuiltinFunction::ALL {
            let (params, _) = f.signature();
            assert_eq!(params.first(), Some(&BuiltinType::I64), "{}", f.name());
        }
        let (params, result) = BuiltinFunction::TableCopy.signature();
        assert_eq!(params.len(), 6);
        assert_eq!(result, Some(BuiltinType::I32));
        assert_eq!(BuiltinFunction::DataDrop.signature().1, None);
        assert_eq!(
            BuiltinFunction::Memory32Grow.signature(),
            (
                &[BuiltinType::I64, BuiltinType::I64, BuiltinType::I32][..],
                Some(BuiltinType::I64)
            )
        );
    }
}
