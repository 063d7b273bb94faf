//! Host functions: Rust closures Wasm can import and call.
//!
//! A host function lives in a `HostFuncContext`, whose first words mirror
//! what compiled code expects of a callee context (magic, array-call entry,
//! `VMFuncRef`). Wasm reaches it through a wasm-to-host trampoline of the
//! importing module, which spills the arguments into a `ValRaw` array and
//! calls `array_call`: an entry made for the closure's own type. For a
//! typed closure (`Func::wrap`, `Linker::func_wrap`) that entry
//! ([`typed_entry`]) reads the slots straight into the closure's arguments
//! and writes its results back: the signature, checked when the import was
//! linked, already guarantees their types, and typed values are numbers, so
//! there is nothing to check or convert per call. An untyped closure
//! (`Func::new`) goes through [`Val`]s ([`untyped_entry`]), with the checks
//! its results need.

use crate::artifact::{FuncType, ValType};
use crate::error::Error;
use crate::func::Func;
use crate::instance::{Extern, Instance, InstanceHeader};
use crate::store::{AsContext, AsContextMut, StoreOpaque};
use crate::trap::Trap;
use crate::val::Val;
use crate::vm::{
    VMArrayCallFunction, VMContext, VMFuncRef, VMOpaqueContext, ValRaw, VMCONTEXT_MAGIC,
    VMHOST_FUNC_MAGIC,
};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::ptr::NonNull;
use smallvec::SmallVec;

/// The untyped form of a host function ([`Func::new`],
/// `Linker::func_new`). An `Err` becomes a trap of the calling Wasm: a trap
/// keeps its reason (and its backtrace, when it comes from a nested call
/// into Wasm), any other error is [`Trap::HostError`].
pub type HostFn<T> = dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync;

/// A host function not yet placed in a store: its type, the array-call
/// entry made for its closure's type, and the closure (shared, as a linker
/// places one definition in every store it instantiates into).
pub struct HostFunc<T> {
    pub(crate) ty: FuncType,
    pub(crate) entry: VMArrayCallFunction,
    pub(crate) closure: Arc<dyn Any + Send + Sync>,
    _store: core::marker::PhantomData<fn(T)>,
}

impl<T> Clone for HostFunc<T> {
    fn clone(&self) -> Self {
        Self {
            ty: self.ty.clone(),
            entry: self.entry,
            closure: self.closure.clone(),
            _store: core::marker::PhantomData,
        }
    }
}

impl<T> HostFunc<T> {
    /// `closure` of type `ty`, called through `entry`, which must be an
    /// entry made for exactly the type `F` (it finds the closure in the
    /// context as an `F`).
    fn new<F: Send + Sync + 'static>(ty: FuncType, entry: VMArrayCallFunction, closure: F) -> Self {
        Self {
            ty,
            entry,
            closure: Arc::new(closure),
            _store: core::marker::PhantomData,
        }
    }
}

/// Layout is shared with compiled code up to `func_ref` (see
/// `VMOffsets::VMHOST_FUNC_CONTEXT_*`).
#[repr(C)]
pub(crate) struct HostFuncContext<T> {
    magic: u32,
    array_call: VMArrayCallFunction,
    pub(crate) func_ref: VMFuncRef,
    /// The closure, for `array_call`, which knows its type.
    code: *const (),
    store: *mut StoreOpaque<T>,
    ty: Arc<FuncType>,
    /// Owns what `code` points at.
    _closure: Arc<dyn Any + Send + Sync>,
}

/// What a host function sees of its caller: the store and, when called from
/// Wasm, the calling instance's exports.
pub struct Caller<'a, T> {
    store: &'a mut StoreOpaque<T>,
    /// The calling context: an instance's `VMContext` when Wasm called, the
    /// host function's own context when the host did. Only looked at when
    /// the host function asks for its caller's instance.
    caller: *mut VMOpaqueContext,
}

impl<T> Caller<'_, T> {
    /// User data of the store.
    pub fn data(&self) -> &T {
        &self.store.data
    }

    /// Mutable user data of the store.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data
    }

    /// The calling instance, when Wasm called.
    fn instance(&self) -> Option<Instance> {
        let caller = self.caller;
        // SAFETY: every caller context starts with a magic word.
        if caller.is_null() || unsafe { (*caller).magic } != VMCONTEXT_MAGIC {
            return None;
        }
        // SAFETY: a "core" context is an instance's, placed after its header,
        // and the instance lives as long as its store.
        Some(unsafe { (*(*InstanceHeader::of(caller.cast::<VMContext>())).state).instance })
    }

    /// Whether the calling Wasm was compiled with fuel metering (then the
    /// store's fuel counter is live).
    #[cfg(feature = "wasi")]
    pub(crate) fn meters_fuel(&self) -> bool {
        self.instance().is_some_and(|i| {
            self.store
                .instances
                .get(i.index)
                .is_some_and(|s| s.module.inner.settings.fuel)
        })
    }

    /// An export of the calling instance (e.g. its `"memory"`).
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let instance = self.instance()?;
        instance.get_export(&mut *self, name)
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> &StoreOpaque<T> {
        self.store
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> &mut StoreOpaque<T> {
        self.store
    }
}

/// The closure of type `F` in `callee`, its store and its type.
///
/// # Safety
/// `callee` must be the context of a host function of a `Store<T>` whose
/// closure is an `F`; the references live as long as that store, and the
/// caller must not hold the store reference across another such call's.
unsafe fn parts<'a, T, F>(
    callee: *mut VMOpaqueContext,
) -> (&'a F, &'a mut StoreOpaque<T>, &'a FuncType) {
    // Raw reads only: the context is owned by the store we hand out.
    let ctx = callee.cast::<HostFuncContext<T>>();
    // SAFETY: guaranteed by the caller; the closure, the type and the store
    // outlive the store's host functions, and Wasm called us while the
    // host's borrow of the store is parked in the call that entered Wasm.
    unsafe {
        (
            &*(*ctx).code.cast::<F>(),
            &mut *(*ctx).store,
            &*Arc::as_ptr(&(*ctx).ty),
        )
    }
}

/// Entry of an untyped host function: decode the arguments as [`Val`]s,
/// run the closure, check and encode the results.
///
/// # Safety
/// `callee` must be the context of a host function whose closure is an `F`
/// (see [`HostFunc::new`]), and `values` must hold `len` slots with the
/// parameters of its type; we must have been entered through
/// `enter::invoke`.
unsafe extern "C" fn untyped_entry<T, F>(
    callee: *mut VMOpaqueContext,
    caller: *mut VMOpaqueContext,
    values: *mut ValRaw,
    len: usize,
) where
    F: Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
{
    // SAFETY: guaranteed by the caller.
    let (func, store, ty) = unsafe { parts::<T, F>(callee) };
    // SAFETY: the slots are ours for the duration of the call.
    let values = unsafe { core::slice::from_raw_parts_mut(values, len) };
    if let Err(error) = dispatch::<T>(func, store, caller, ty, values) {
        // SAFETY: `dispatch` has returned, so nothing with a destructor is
        // live in this frame but `error`, which `raise` takes over; we were
        // entered through `enter::invoke`.
        unsafe { crate::enter::raise(error) }
    }
}

/// The body of [`untyped_entry`], compiled once per store data type rather
/// than once per closure.
fn dispatch<T>(
    func: &HostFn<T>,
    store: &mut StoreOpaque<T>,
    caller: *mut VMOpaqueContext,
    ty: &FuncType,
    values: &mut [ValRaw],
) -> Result<(), Error> {
    let id = store.id;
    // Up to INLINE values on the stack: a host call allocates nothing.
    const INLINE: usize = 16;
    let np = ty.params.len();
    // Filled in place: `SmallVec::new` leaves its inline slots
    // uninitialised, and zeroing all sixteen `Val`s cost more than the rest
    // of a host call.
    let params = ty.params.iter().zip(values.iter());
    let params = params.map(|(&t, raw)| Val::from_raw(raw, t, id));
    let results = ty.results.iter().map(|&t| Val::zero(t));
    let mut vals: SmallVec<[Val; INLINE]> = SmallVec::new();
    vals.extend(params.chain(results));
    let (params, results) = vals.split_at_mut(np);
    func(
        Caller {
            store: &mut *store,
            caller,
        },
        params,
        results,
    )?;
    for ((slot, r), &t) in values.iter_mut().zip(results.iter()).zip(&ty.results) {
        if r.ty() != t {
            return Err(Trap::HostResultType.into());
        }
        store.admit(r).map_err(|e| match e {
            Error::WrongStore => Trap::WrongStore,
            _ => Trap::HostResultType,
        })?;
        *slot = r.to_raw();
    }
    Ok(())
}

impl<T> StoreOpaque<T> {
    /// Check that `val` may enter Wasm code of this store: a reference must
    /// be this store's ([`Error::WrongStore`]), and a host function needs a
    /// Wasm entry, the wasm-to-host trampoline of its signature, which only
    /// compiled modules carry (the device compiles nothing). One it lacks
    /// is taken from a module instantiated in this store that imports a
    /// function of the same signature; with none, Wasm could not call it and
    /// it is refused ([`Error::NotCallable`]) rather than stored as a null
    /// entry point.
    pub(crate) fn admit(&self, val: &Val) -> Result<(), Error> {
        if !val.usable_in(self.id) {
            return Err(Error::WrongStore);
        }
        let Val::FuncRef(Some(f)) = val else {
            return Ok(());
        };
        // SAFETY: the func ref is live in this store (checked above).
        let fref = unsafe { &mut *f.ptr };
        if fref.wasm_call.is_some() {
            return Ok(());
        }
        let entry = self.instances.iter().find_map(|state| {
            let m = &state.module.inner;
            m.meta.host_trampolines.iter().find_map(|&(ty, off)| {
                (m.signature_ids.get(ty.index()) == Some(&fref.type_index))
                    .then(|| m.code_base + off as usize)
            })
        });
        fref.wasm_call = NonNull::new(entry.ok_or(Error::NotCallable)? as *mut _);
        Ok(())
    }
}

impl Func {
    /// A host function of type `ty` implemented by `func`; its error is a
    /// [`Trap`] or an [`Error`] (e.g. a nested call's trap, passed on).
    pub fn new<T, E: Into<Error>>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), E> + Send + Sync + 'static,
    ) -> Func {
        Self::from_host(store.as_context_mut(), untyped(ty, func))
    }

    /// A host function from a typed closure, e.g. `|a: i32, b: i32| a + b`.
    pub fn wrap<T, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        Self::from_host(store.as_context_mut(), func.into_func())
    }

    /// Place `host` in `store`.
    pub(crate) fn from_host<T>(store: &mut StoreOpaque<T>, host: HostFunc<T>) -> Func {
        let type_index = store.engine.register_signature(&host.ty);
        let array_call = host.entry;
        let mut ctx = Box::new(HostFuncContext {
            magic: VMHOST_FUNC_MAGIC,
            array_call,
            func_ref: VMFuncRef {
                // Host functions have no native entry; calls go through array_call.
                native_call: NonNull::dangling(),
                array_call,
                // Filled in from the first importing module's wasm-to-host trampoline.
                wasm_call: None,
                type_index,
                vmctx: core::ptr::null_mut(),
            },
            code: Arc::as_ptr(&host.closure).cast::<()>(),
            store,
            ty: store.engine.signature(type_index),
            _closure: host.closure,
        });
        let ctx_ptr: *mut HostFuncContext<T> = &mut *ctx;
        ctx.func_ref.vmctx = ctx_ptr.cast();
        let func_ref: *mut VMFuncRef = &mut ctx.func_ref;
        store.host_funcs.push(ctx);
        Func {
            ptr: func_ref,
            store: store.id,
        }
    }
}

/// An untyped closure of type `ty` as a host function.
pub(crate) fn untyped<T, E: Into<Error>>(
    ty: FuncType,
    func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), E> + Send + Sync + 'static,
) -> HostFunc<T> {
    untyped_host(
        ty,
        move |caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
            func(caller, params, results).map_err(Into::into)
        },
    )
}

/// [`untyped`] once the closure's error is an [`Error`]: `F` is named here,
/// so the entry is made for it.
fn untyped_host<T, F>(ty: FuncType, func: F) -> HostFunc<T>
where
    F: Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
{
    HostFunc::new(ty, untyped_entry::<T, F>, func)
}

mod sealed {
    /// Keeps the typed-value traits to the types this crate implements
    /// them for: typed calls move their values as raw slots unchecked,
    /// which is sound only because they are plain numbers.
    pub trait Sealed {}
}

/// A Rust type that is a Wasm value type (a number: typed calls pass them
/// unchecked, so references go through [`Val`]).
pub trait WasmTy: sealed::Sealed + Copy + Send + Sync + 'static {
    /// Its Wasm type.
    const TY: ValType;
    /// To a value.
    fn into_val(self) -> Val;
    /// From a value of type `TY`.
    fn from_val(v: Val) -> Option<Self>;
    /// To a raw slot.
    #[doc(hidden)]
    fn into_raw(self) -> ValRaw;
    /// From a raw slot holding a value of type `TY`.
    #[doc(hidden)]
    fn from_raw(raw: &ValRaw) -> Self;
}

macro_rules! wasm_ty {
    ($t:ty, $vt:ident, $v:ident => $into:expr, $from:pat => $back:expr,
     $r:ident => $to_raw:expr, $raw:ident => $from_raw:expr) => {
        impl sealed::Sealed for $t {}
        impl WasmTy for $t {
            const TY: ValType = ValType::$vt;
            fn into_val(self) -> Val {
                let $v = self;
                $into
            }
            fn from_val(v: Val) -> Option<Self> {
                match v {
                    $from => Some($back),
                    _ => None,
                }
            }
            fn into_raw(self) -> ValRaw {
                let $r = self;
                $to_raw
            }
            fn from_raw($raw: &ValRaw) -> Self {
                $from_raw
            }
        }
    };
}

wasm_ty!(i32, I32, v => Val::I32(v), Val::I32(v) => v, v => ValRaw::i32(v), r => r.get_i32());
wasm_ty!(u32, I32, v => Val::I32(v as i32), Val::I32(v) => v as u32,
    v => ValRaw::i32(v as i32), r => r.get_i32() as u32);
wasm_ty!(i64, I64, v => Val::I64(v), Val::I64(v) => v, v => ValRaw::i64(v), r => r.get_i64());
wasm_ty!(u64, I64, v => Val::I64(v as i64), Val::I64(v) => v as u64,
    v => ValRaw::i64(v as i64), r => r.get_i64() as u64);
wasm_ty!(f32, F32, v => Val::F32(v.to_bits()), Val::F32(v) => f32::from_bits(v),
    v => ValRaw::f32(v.to_bits()), r => f32::from_bits(r.get_f32()));
wasm_ty!(f64, F64, v => Val::F64(v.to_bits()), Val::F64(v) => f64::from_bits(v),
    v => ValRaw::f64(v.to_bits()), r => f64::from_bits(r.get_f64()));
wasm_ty!(u128, V128, v => Val::V128(v), Val::V128(v) => v, v => ValRaw::v128(v), r => r.get_v128());

/// What a typed host function may return: nothing, a value, a tuple, or a
/// `Result` of those with a [`Trap`] or an [`Error`].
pub trait WasmRet: sealed::Sealed {
    /// Result types.
    fn types() -> Vec<ValType>;
    /// Write the results to `out[..types().len()]`, or fail.
    ///
    /// # Safety
    /// `out` must be valid for writing that many slots.
    #[doc(hidden)]
    unsafe fn store_raw(self, out: *mut ValRaw) -> Result<(), Error>;
}

impl<R: WasmRet> sealed::Sealed for Result<R, Trap> {}
impl<R: WasmRet> WasmRet for Result<R, Trap> {
    fn types() -> Vec<ValType> {
        R::types()
    }
    unsafe fn store_raw(self, out: *mut ValRaw) -> Result<(), Error> {
        // SAFETY: as promised by our caller.
        unsafe { self?.store_raw(out) }
    }
}

impl<R: WasmRet> sealed::Sealed for Result<R, Error> {}
impl<R: WasmRet> WasmRet for Result<R, Error> {
    fn types() -> Vec<ValType> {
        R::types()
    }
    unsafe fn store_raw(self, out: *mut ValRaw) -> Result<(), Error> {
        // SAFETY: as promised by our caller.
        unsafe { self?.store_raw(out) }
    }
}

impl<A: WasmTy> WasmRet for A {
    fn types() -> Vec<ValType> {
        alloc::vec![A::TY]
    }
    unsafe fn store_raw(self, out: *mut ValRaw) -> Result<(), Error> {
        // SAFETY: one slot, as promised by our caller.
        unsafe { out.write(self.into_raw()) };
        Ok(())
    }
}

macro_rules! wasm_ret_tuple {
    ($($a:ident $i:tt),*) => {
        impl<$($a: WasmTy),*> sealed::Sealed for ($($a,)*) {}
        impl<$($a: WasmTy),*> WasmRet for ($($a,)*) {
            fn types() -> Vec<ValType> {
                alloc::vec![$($a::TY),*]
            }
            #[allow(unused_variables)]
            unsafe fn store_raw(self, out: *mut ValRaw) -> Result<(), Error> {
                // SAFETY: one slot per element, as promised by our caller.
                $(unsafe { out.add($i).write(self.$i.into_raw()) };)*
                Ok(())
            }
        }
    };
}

wasm_ret_tuple!();
wasm_ret_tuple!(A 0, B 1);
wasm_ret_tuple!(A 0, B 1, C 2);
wasm_ret_tuple!(A 0, B 1, C 2, D 3);

/// A closure usable as a host function. `Params` is a marker that tells
/// the closure shapes apart (with or without a leading [`Caller`]).
pub trait IntoFunc<T, Params, Results> {
    /// The function's type, entry and closure.
    fn into_func(self) -> HostFunc<T>;
}

/// Marker for closures taking a [`Caller`] first.
pub struct WithCaller;

/// A typed closure called on raw slots, by [`typed_entry`].
trait RawCall<T, Params> {
    /// Read the arguments from `values`, call, write the results back.
    ///
    /// # Safety
    /// `values` must hold the parameters of the closure's type and room for
    /// its results.
    unsafe fn call_raw(&self, caller: Caller<'_, T>, values: *mut ValRaw) -> Result<(), Error>;
}

/// Entry of a typed host function: the closure reads and writes the slots
/// directly (see the module's doc). An error raises a trap in the calling
/// Wasm.
///
/// # Safety
/// `callee` must be the context of a host function whose closure is an
/// `F` (see [`HostFunc::new`]) and `values` must hold the parameters of its
/// type and room for its results; we must have been entered through
/// `enter::invoke`.
unsafe extern "C" fn typed_entry<T, F: RawCall<T, P>, P>(
    callee: *mut VMOpaqueContext,
    caller: *mut VMOpaqueContext,
    values: *mut ValRaw,
    _len: usize,
) {
    // SAFETY: guaranteed by the caller.
    let (func, store, _) = unsafe { parts::<T, F>(callee) };
    // SAFETY: guaranteed by the caller.
    let outcome = unsafe { func.call_raw(Caller { store, caller }, values) };
    if let Err(error) = outcome {
        // SAFETY: the closure has returned, so nothing with a destructor is
        // live in this frame but `error`, which `raise` takes over; we were
        // entered through `enter::invoke`.
        unsafe { crate::enter::raise(error) }
    }
}

macro_rules! into_func {
    ($($a:ident $i:tt),*) => {
        impl<T, F, R, $($a: WasmTy),*> RawCall<T, ($($a,)*)> for F
        where
            F: Fn($($a),*) -> R,
            R: WasmRet,
        {
            #[allow(unused_variables)]
            unsafe fn call_raw(&self, _caller: Caller<'_, T>, values: *mut ValRaw) -> Result<(), Error> {
                // SAFETY: as promised by our caller.
                unsafe { self($($a::from_raw(&*values.add($i))),*).store_raw(values) }
            }
        }

        impl<T, F, R, $($a: WasmTy),*> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_func(self) -> HostFunc<T> {
                let ty = FuncType { params: alloc::vec![$($a::TY),*], results: R::types() };
                HostFunc::new(ty, typed_entry::<T, F, ($($a,)*)>, self)
            }
        }

        impl<T, F, R, $($a: WasmTy),*> RawCall<T, (WithCaller, $($a,)*)> for F
        where
            F: for<'a> Fn(Caller<'a, T>, $($a),*) -> R,
            R: WasmRet,
        {
            #[allow(unused_variables)]
            unsafe fn call_raw(&self, caller: Caller<'_, T>, values: *mut ValRaw) -> Result<(), Error> {
                // SAFETY: as promised by our caller.
                unsafe { self(caller, $($a::from_raw(&*values.add($i))),*).store_raw(values) }
            }
        }

        impl<T, F, R, $($a: WasmTy),*> IntoFunc<T, (WithCaller, $($a,)*), R> for F
        where
            F: for<'a> Fn(Caller<'a, T>, $($a),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_func(self) -> HostFunc<T> {
                let ty = FuncType { params: alloc::vec![$($a::TY),*], results: R::types() };
                HostFunc::new(ty, typed_entry::<T, F, (WithCaller, $($a,)*)>, self)
            }
        }
    };
}

into_func!();
into_func!(A 0);
into_func!(A 0, B 1);
into_func!(A 0, B 1, C 2);
into_func!(A 0, B 1, C 2, D 3);
into_func!(A 0, B 1, C 2, D 3, E 4);
into_func!(A 0, B 1, C 2, D 3, E 4, G 5);
