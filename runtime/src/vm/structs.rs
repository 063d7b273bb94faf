//! Definitions of the seed-contract structures.

use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::marker::PhantomPinned;
use core::ptr::NonNull;
use core::sync::atomic::AtomicUsize;

/// Host entry point of a function: `(callee_vmctx, caller_vmctx, args_and_results, len)`.
/// Arguments are read from and results written to the `ValRaw` array.
pub type VMArrayCallFunction =
    unsafe extern "C" fn(*mut VMOpaqueContext, *mut VMOpaqueContext, *mut ValRaw, usize);

/// Marker for the native-ABI entry point of a function (only ever behind a pointer).
#[repr(transparent)]
pub struct VMNativeCallFunction(VMFunctionBody);

/// Marker for the Wasm-ABI entry point of a function (only ever behind a pointer).
#[repr(transparent)]
pub struct VMWasmCallFunction(VMFunctionBody);

/// First byte of compiled code; only ever used behind a pointer.
#[repr(C)]
pub struct VMFunctionBody(u8);

/// An imported function: its entry points and the context it runs in.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct VMFunctionImport {
    /// Entry point with the Wasm calling convention.
    pub wasm_call: NonNull<VMWasmCallFunction>,
    /// Entry point with the native calling convention.
    pub native_call: NonNull<VMNativeCallFunction>,
    /// Entry point with the array calling convention.
    pub array_call: VMArrayCallFunction,
    /// Context passed as the callee vmctx.
    pub vmctx: *mut VMOpaqueContext,
}

/// An imported table: where its definition lives and the instance owning it.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct VMTableImport {
    /// The table's definition in its owning instance.
    pub from: *mut VMTableDefinition,
    /// The owning instance.
    pub vmctx: *mut VMContext,
}

/// An imported memory: where its definition lives, the owner and its index there.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct VMMemoryImport {
    /// The memory's definition in its owning instance.
    pub from: *mut VMMemoryDefinition,
    /// The owning instance.
    pub vmctx: *mut VMContext,
    /// Index of the memory among the owner's defined memories.
    pub index: u32,
}

/// An imported global: a pointer to its storage in the owning instance.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct VMGlobalImport {
    /// The global's storage.
    pub from: *mut VMGlobalDefinition,
}

/// Base and current byte length of a linear memory, read by compiled code
/// for every bounds check and updated by `memory.grow`.
#[derive(Debug)]
#[repr(C)]
pub struct VMMemoryDefinition {
    /// Start of the memory.
    pub base: *mut u8,
    /// Accessible length in bytes.
    pub current_length: AtomicUsize,
}

/// Base and current element count of a table.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct VMTableDefinition {
    /// Start of the element array.
    pub base: *mut u8,
    /// Number of elements.
    pub current_elements: u32,
}

/// Storage of one global: 16 bytes so any value type (incl. v128) fits.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(16))]
pub struct VMGlobalDefinition {
    storage: [u8; 16],
}

impl VMGlobalDefinition {
    /// A zeroed global.
    pub const fn new() -> Self {
        Self { storage: [0; 16] }
    }

    /// The raw 16 bytes, little-endian values at offset 0.
    pub fn bytes(&self) -> &[u8; 16] {
        &self.storage
    }

    /// Mutable access to the raw bytes.
    pub fn bytes_mut(&mut self) -> &mut [u8; 16] {
        &mut self.storage
    }
}

impl Default for VMGlobalDefinition {
    fn default() -> Self {
        Self::new()
    }
}

/// Engine-wide index of a function signature, compared by `call_indirect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct VMSharedSignatureIndex(pub u32);

/// What a `funcref` points to: entry points, signature and context.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct VMFuncRef {
    /// Entry point with the native calling convention.
    pub native_call: NonNull<VMNativeCallFunction>,
    /// Entry point with the array calling convention.
    pub array_call: VMArrayCallFunction,
    /// Entry point with the Wasm calling convention, if compiled.
    pub wasm_call: Option<NonNull<VMWasmCallFunction>>,
    /// Signature, checked by `call_indirect`.
    pub type_index: VMSharedSignatureIndex,
    /// Context passed as the callee vmctx.
    pub vmctx: *mut VMOpaqueContext,
}

/// One argument or result slot of the array calling convention. Kept for
/// the seed layout only: the runtime passes [`ValRaw`] slots (same size
/// and alignment, checked in `layout.rs`), as wasmtime 14 itself does.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(16))]
pub struct VMInvokeArgument([u8; 16]);

impl VMInvokeArgument {
    /// A zeroed slot.
    pub const fn new() -> Self {
        Self([0; 16])
    }
}

impl Default for VMInvokeArgument {
    fn default() -> Self {
        Self::new()
    }
}

/// Per-store limits and state compiled code checks and the trap path reads.
#[derive(Debug)]
#[repr(C)]
pub struct VMRuntimeLimits {
    /// Lowest stack address Wasm may use; checked in every function prologue.
    pub stack_limit: UnsafeCell<usize>,
    /// Fuel consumed, counting up towards zero.
    pub fuel_consumed: UnsafeCell<i64>,
    /// Epoch at which running Wasm is interrupted.
    pub epoch_deadline: UnsafeCell<u64>,
    /// Frame pointer of the last Wasm frame that called out to the host.
    pub last_wasm_exit_fp: UnsafeCell<usize>,
    /// Program counter of the last exit from Wasm to the host.
    pub last_wasm_exit_pc: UnsafeCell<usize>,
    /// Stack pointer when the host last entered Wasm. Reserved: see
    /// `VMOffsets::VMRUNTIME_LIMITS_LAST_WASM_ENTRY_SP`.
    pub last_wasm_entry_sp: UnsafeCell<usize>,
}

impl VMRuntimeLimits {
    /// Limits that stop nothing: no stack limit, unbounded fuel and epoch.
    pub const fn new() -> Self {
        Self {
            stack_limit: UnsafeCell::new(0),
            fuel_consumed: UnsafeCell::new(0),
            epoch_deadline: UnsafeCell::new(u64::MAX),
            last_wasm_exit_fp: UnsafeCell::new(0),
            last_wasm_exit_pc: UnsafeCell::new(0),
            last_wasm_entry_sp: UnsafeCell::new(0),
        }
    }
}

impl Default for VMRuntimeLimits {
    fn default() -> Self {
        Self::new()
    }
}

/// Opaque start of an instance's context; the real layout is given by [`crate::vm::VMOffsets`].
#[derive(Debug)]
#[repr(C, align(16))]
pub struct VMContext {
    _marker: PhantomPinned,
}

/// A context that is either a `VMContext` or a host function's context,
/// told apart by the magic in its first word.
#[derive(Debug)]
#[repr(C)]
pub struct VMOpaqueContext {
    /// `VMCONTEXT_MAGIC` for Wasm instances.
    pub magic: u32,
    _marker: PhantomPinned,
}

/// An untyped value as it crosses the array calling convention. Integers and
/// floats are stored little-endian at offset 0.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
pub union ValRaw {
    i32: i32,
    i64: i64,
    f32: u32,
    f64: u64,
    v128: [u8; 16],
    funcref: *mut c_void,
    externref: *mut c_void,
}

impl ValRaw {
    /// An `i32`, upper bytes zero.
    pub fn i32(v: i32) -> Self {
        Self::i64(v as u32 as i64)
    }
    /// An `i64`.
    pub fn i64(v: i64) -> Self {
        let mut raw = Self { v128: [0; 16] };
        raw.i64 = v.to_le();
        raw
    }
    /// An `f32` given by its bits.
    pub fn f32(bits: u32) -> Self {
        Self::i32(bits as i32)
    }
    /// An `f64` given by its bits.
    pub fn f64(bits: u64) -> Self {
        Self::i64(bits as i64)
    }
    /// A `v128`, lane 0 in the lowest bytes (as Wasm stores it in memory).
    pub fn v128(v: u128) -> Self {
        Self {
            v128: v.to_le_bytes(),
        }
    }
    /// The low 32 bits as `i32`.
    pub fn get_i32(&self) -> i32 {
        // SAFETY: every field is plain old data and all 16 bytes are always initialised.
        i32::from_le(unsafe { self.i32 })
    }
    /// The low 64 bits as `i64`.
    pub fn get_i64(&self) -> i64 {
        // SAFETY: as in `get_i32`.
        i64::from_le(unsafe { self.i64 })
    }
    /// The low 32 bits as `f32` bits.
    pub fn get_f32(&self) -> u32 {
        // SAFETY: as in `get_i32`.
        u32::from_le(unsafe { self.f32 })
    }
    /// The low 64 bits as `f64` bits.
    pub fn get_f64(&self) -> u64 {
        // SAFETY: as in `get_i32`.
        u64::from_le(unsafe { self.f64 })
    }
    /// All 16 bytes as a `v128`.
    pub fn get_v128(&self) -> u128 {
        // SAFETY: as in `get_i32`.
        u128::from_le_bytes(unsafe { self.v128 })
    }
}

impl Default for ValRaw {
    fn default() -> Self {
        Self { v128: [0; 16] }
    }
}

impl core::fmt::Debug for ValRaw {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // SAFETY: all 16 bytes are always initialised.
        let bytes = unsafe { self.v128 };
        write!(f, "ValRaw({:#034x})", u128::from_le_bytes(bytes))
    }
}
