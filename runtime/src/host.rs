//! Host functions: Rust closures Wasm can import and call.
//!
//! A host function lives in a `HostFuncContext`, whose first words mirror
//! what compiled code expects of a callee context (magic, array-call entry,
//! `VMFuncRef`). Wasm reaches it through a wasm-to-host trampoline of the
//! importing module, which spills the arguments into a `ValRaw` array and
//! calls `array_call`, i.e. [`host_array_call`].

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
use core::ptr::NonNull;
use smallvec::SmallVec;

/// The untyped form every host function is stored as. An `Err` becomes a
/// trap of the calling Wasm: a trap keeps its reason (and its backtrace,
/// when it comes from a nested call into Wasm), any other error is
/// [`Trap::HostError`].
pub type HostFn<T> = dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync;

/// Layout is shared with compiled code up to `func_ref` (see
/// `VMOffsets::VMHOST_FUNC_CONTEXT_*`).
#[repr(C)]
pub(crate) struct HostFuncContext<T> {
    magic: u32,
    array_call: VMArrayCallFunction,
    pub(crate) func_ref: VMFuncRef,
    ty: Arc<FuncType>,
    store: *mut StoreOpaque<T>,
    func: Arc<HostFn<T>>,
}

/// What a host function sees of its caller: the store and, when called from
/// Wasm, the calling instance's exports.
pub struct Caller<'a, T> {
    store: &'a mut StoreOpaque<T>,
    instance: Option<Instance>,
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

    /// Whether the calling Wasm was compiled with fuel metering (then the
    /// store's fuel counter is live).
    #[cfg(feature = "wasi")]
    pub(crate) fn meters_fuel(&self) -> bool {
        self.instance.is_some_and(|i| {
            self.store
                .instances
                .get(i.index)
                .is_some_and(|s| s.module.inner.settings.fuel)
        })
    }

    /// An export of the calling instance (e.g. its `"memory"`).
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let instance = self.instance?;
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

/// Entry of every host function from Wasm or the host.
unsafe extern "C" fn host_array_call<T>(
    callee: *mut VMOpaqueContext,
    caller: *mut VMOpaqueContext,
    values: *mut ValRaw,
    len: usize,
) {
    // SAFETY: `callee` is the context this entry was registered with, and
    // the caller passes `len` slots holding the parameters.
    let outcome = unsafe { dispatch::<T>(callee, caller, values, len) };
    if let Err(error) = outcome {
        // SAFETY: `dispatch` has returned, so nothing with a destructor is
        // live in this frame but `error`, which `raise` takes over; we were
        // entered through `enter::invoke`.
        unsafe { crate::enter::raise(error) }
    }
}

/// Decode the arguments, run the closure, encode the results.
///
/// # Safety
/// As for [`host_array_call`].
unsafe fn dispatch<T>(
    callee: *mut VMOpaqueContext,
    caller: *mut VMOpaqueContext,
    values: *mut ValRaw,
    len: usize,
) -> Result<(), Error> {
    // SAFETY: see `host_array_call`.
    let ctx = unsafe { &*callee.cast::<HostFuncContext<T>>() };
    // SAFETY: the slots are ours for the duration of the call.
    let values = unsafe { core::slice::from_raw_parts_mut(values, len) };
    // SAFETY: the store outlives its host functions; Wasm called us while
    // the host's borrow of the store is parked in `Func::call`.
    let store = unsafe { &mut *ctx.store };
    // SAFETY: every caller context starts with a magic word.
    let instance = if !caller.is_null() && unsafe { (*caller).magic } == VMCONTEXT_MAGIC {
        // SAFETY: a "core" context is an instance's, placed after its header.
        Some(unsafe { (*(*InstanceHeader::of(caller.cast::<VMContext>())).state).instance })
    } else {
        None
    };
    let ty = ctx.ty.clone();
    // Up to INLINE values on the stack: a host call allocates nothing.
    const INLINE: usize = 16;
    let np = ty.params.len();
    // Filled in place: `SmallVec::new` leaves its inline slots
    // uninitialised, and zeroing all sixteen `Val`s cost more than the rest
    // of a host call.
    let params = ty.params.iter().zip(values.iter());
    let params = params.map(|(&t, raw)| Val::from_raw(raw, t, store.id));
    let results = ty.results.iter().map(|&t| Val::zero(t));
    let mut vals: SmallVec<[Val; INLINE]> = SmallVec::new();
    vals.extend(params.chain(results));
    let (params, results) = vals.split_at_mut(np);
    (ctx.func)(Caller { store, instance }, params, results)?;
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
        Self::from_arc(store.as_context_mut(), ty, untyped(func))
    }

    /// A host function from a typed closure, e.g. `|a: i32, b: i32| a + b`.
    pub fn wrap<T, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let (ty, func) = func.into_func();
        Self::from_arc(store.as_context_mut(), ty, func)
    }

    pub(crate) fn from_arc<T>(
        store: &mut StoreOpaque<T>,
        ty: FuncType,
        func: Arc<HostFn<T>>,
    ) -> Func {
        let type_index = store.engine.register_signature(&ty);
        let array_call: VMArrayCallFunction = host_array_call::<T>;
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
            ty: store.engine.signature(type_index),
            store,
            func,
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

/// Store a closure as a [`HostFn`].
pub(crate) fn untyped<T, E: Into<Error>>(
    func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), E> + Send + Sync + 'static,
) -> Arc<HostFn<T>> {
    Arc::new(
        move |caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
            func(caller, params, results).map_err(Into::into)
        },
    )
}

/// A Rust type that is a Wasm value type.
pub trait WasmTy: Copy + Send + Sync + 'static {
    /// Its Wasm type.
    const TY: ValType;
    /// To a value.
    fn into_val(self) -> Val;
    /// From a value of type `TY`.
    fn from_val(v: Val) -> Option<Self>;
}

macro_rules! wasm_ty {
    ($t:ty, $vt:ident, $v:ident => $into:expr, $from:pat => $back:expr) => {
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
        }
    };
}

wasm_ty!(i32, I32, v => Val::I32(v), Val::I32(v) => v);
wasm_ty!(u32, I32, v => Val::I32(v as i32), Val::I32(v) => v as u32);
wasm_ty!(i64, I64, v => Val::I64(v), Val::I64(v) => v);
wasm_ty!(u64, I64, v => Val::I64(v as i64), Val::I64(v) => v as u64);
wasm_ty!(f32, F32, v => Val::F32(v.to_bits()), Val::F32(v) => f32::from_bits(v));
wasm_ty!(f64, F64, v => Val::F64(v.to_bits()), Val::F64(v) => f64::from_bits(v));
wasm_ty!(u128, V128, v => Val::V128(v), Val::V128(v) => v);

/// What a typed host function may return: nothing, a value, a tuple, or a
/// `Result` of those with a [`Trap`] or an [`Error`].
pub trait WasmRet {
    /// Result types.
    fn types() -> Vec<ValType>;
    /// Write the results.
    fn store(self, out: &mut [Val]) -> Result<(), Error>;
}

impl<R: WasmRet> WasmRet for Result<R, Trap> {
    fn types() -> Vec<ValType> {
        R::types()
    }
    fn store(self, out: &mut [Val]) -> Result<(), Error> {
        self?.store(out)
    }
}

impl<R: WasmRet> WasmRet for Result<R, Error> {
    fn types() -> Vec<ValType> {
        R::types()
    }
    fn store(self, out: &mut [Val]) -> Result<(), Error> {
        self?.store(out)
    }
}

impl<A: WasmTy> WasmRet for A {
    fn types() -> Vec<ValType> {
        alloc::vec![A::TY]
    }
    fn store(self, out: &mut [Val]) -> Result<(), Error> {
        out[0] = self.into_val();
        Ok(())
    }
}

macro_rules! wasm_ret_tuple {
    ($($a:ident $i:tt),*) => {
        impl<$($a: WasmTy),*> WasmRet for ($($a,)*) {
            fn types() -> Vec<ValType> {
                alloc::vec![$($a::TY),*]
            }
            #[allow(unused_variables)]
            fn store(self, out: &mut [Val]) -> Result<(), Error> {
                $(out[$i] = self.$i.into_val();)*
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
    /// The function's type and untyped form.
    fn into_func(self) -> (FuncType, Arc<HostFn<T>>);
}

/// Marker for closures taking a [`Caller`] first.
pub struct WithCaller;

macro_rules! into_func {
    ($($a:ident $i:tt),*) => {
        impl<T, F, R, $($a: WasmTy),*> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_func(self) -> (FuncType, Arc<HostFn<T>>) {
                let ty = FuncType { params: alloc::vec![$($a::TY),*], results: R::types() };
                #[allow(unused_variables)]
                let f = move |_caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    self($($a::from_val(params[$i]).ok_or(Trap::HostResultType)?),*).store(results)
                };
                (ty, Arc::new(f))
            }
        }

        impl<T, F, R, $($a: WasmTy),*> IntoFunc<T, (WithCaller, $($a,)*), R> for F
        where
            F: for<'a> Fn(Caller<'a, T>, $($a),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_func(self) -> (FuncType, Arc<HostFn<T>>) {
                let ty = FuncType { params: alloc::vec![$($a::TY),*], results: R::types() };
                #[allow(unused_variables)]
                let f = move |caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    self(caller, $($a::from_val(params[$i]).ok_or(Trap::HostResultType)?),*).store(results)
                };
                (ty, Arc::new(f))
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
