//! Typed calls: `TypedFunc<(i32, i32), i32>`, checked once, then called
//! with Rust values.

use crate::artifact::ValType;
use crate::error::Error;
use crate::func::Func;
use crate::host::WasmTy;
use crate::instance::Instance;
use crate::store::{AsContext, AsContextMut, StoreOpaque};
use crate::val::Val;
use crate::vm::ValRaw;
use alloc::vec::Vec;
use core::marker::PhantomData;
use core::mem::MaybeUninit;

/// Keeps [`WasmParams`] and [`WasmResults`] to this crate's impls:
/// `TypedFunc::call` sizes its raw buffer from `COUNT` and `Func::typed`
/// checks only `types()`, so an outside impl whose `COUNT` disagrees with
/// its `types()` could make the trampoline write past the buffer.
mod sealed {
    pub trait Sealed {}
}

/// Parameters of a typed call: `()`, a [`WasmTy`], or a tuple of them.
pub trait WasmParams: sealed::Sealed {
    /// Parameter types.
    fn types() -> Vec<ValType>;
    /// As values.
    fn into_vals(self) -> Vec<Val>;
    /// How many values.
    const COUNT: usize;
    /// As raw values into `out[..COUNT]`, for calls without allocating.
    ///
    /// # Safety
    /// `out` must be valid for writing `COUNT` slots.
    unsafe fn write_raw(self, out: *mut ValRaw);
}

/// Results of a typed call: `()`, a [`WasmTy`], or a tuple of them.
pub trait WasmResults: sealed::Sealed + Sized {
    /// Result types.
    fn types() -> Vec<ValType>;
    /// From values of `types()`.
    fn from_vals(vals: &[Val]) -> Option<Self>;
    /// How many values.
    const COUNT: usize;
    /// From raw values of `types()`, for calls without allocating.
    ///
    /// # Safety
    /// `raw` must hold `COUNT` initialised slots of `types()`.
    unsafe fn read_raw(raw: *const ValRaw) -> Self;
}

impl<A: WasmTy> WasmParams for A {
    fn types() -> Vec<ValType> {
        alloc::vec![A::TY]
    }
    fn into_vals(self) -> Vec<Val> {
        alloc::vec![self.into_val()]
    }
    const COUNT: usize = 1;
    unsafe fn write_raw(self, out: *mut ValRaw) {
        // SAFETY: one slot, as promised by our caller.
        unsafe { out.write(self.into_raw()) }
    }
}

impl<A: WasmTy> sealed::Sealed for A {}

impl<A: WasmTy> WasmResults for A {
    fn types() -> Vec<ValType> {
        alloc::vec![A::TY]
    }
    fn from_vals(vals: &[Val]) -> Option<Self> {
        A::from_val(*vals.first()?)
    }
    const COUNT: usize = 1;
    unsafe fn read_raw(raw: *const ValRaw) -> Self {
        // SAFETY: one slot of type `A::TY`, as promised by our caller.
        A::from_raw(unsafe { &*raw })
    }
}

macro_rules! tuples {
    ($($a:ident $i:tt),*) => {
        impl<$($a: WasmTy),*> sealed::Sealed for ($($a,)*) {}

        impl<$($a: WasmTy),*> WasmParams for ($($a,)*) {
            fn types() -> Vec<ValType> {
                alloc::vec![$($a::TY),*]
            }
            fn into_vals(self) -> Vec<Val> {
                alloc::vec![$(self.$i.into_val()),*]
            }
            const COUNT: usize = <[usize]>::len(&[$($i),*]);
            #[allow(unused_variables)]
            unsafe fn write_raw(self, out: *mut ValRaw) {
                // SAFETY: one slot per element, as promised by our caller.
                $(unsafe { out.add($i).write(self.$i.into_raw()) };)*
            }
        }

        impl<$($a: WasmTy),*> WasmResults for ($($a,)*) {
            fn types() -> Vec<ValType> {
                alloc::vec![$($a::TY),*]
            }
            #[allow(unused_variables)]
            fn from_vals(vals: &[Val]) -> Option<Self> {
                Some(($($a::from_val(*vals.get($i)?)?,)*))
            }
            const COUNT: usize = <[usize]>::len(&[$($i),*]);
            #[allow(unused_variables, clippy::unused_unit)]
            unsafe fn read_raw(raw: *const ValRaw) -> Self {
                // SAFETY: one slot per element, of its type, as promised by
                // our caller.
                ($($a::from_raw(unsafe { &*raw.add($i) }),)*)
            }
        }
    };
}

tuples!();
tuples!(A 0, B 1);
tuples!(A 0, B 1, C 2);
tuples!(A 0, B 1, C 2, D 3);
tuples!(A 0, B 1, C 2, D 3, E 4);
tuples!(A 0, B 1, C 2, D 3, E 4, G 5);

/// Values a typed call passes in a stack array.
const RAW_SLOTS: usize = 8;

/// A function whose signature was checked against `P -> R`.
pub struct TypedFunc<P, R> {
    func: Func,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// Call with Rust values.
    ///
    /// The signature was checked by [`Func::typed`], so up to
    /// [`RAW_SLOTS`] values travel in a stack array that only the slots in
    /// use are written to, and typed values are numbers: no allocation, no
    /// signature lookup and no per-value check per call.
    pub fn call(&self, mut store: impl AsContextMut, params: P) -> Result<R, Error> {
        let store = store.as_context_mut();
        if P::COUNT.max(R::COUNT) > RAW_SLOTS {
            return self.call_slow(store, params);
        }
        let mut raw = MaybeUninit::<[ValRaw; RAW_SLOTS]>::uninit();
        let slots = raw.as_mut_ptr().cast::<ValRaw>();
        // SAFETY: `raw` has RAW_SLOTS >= max(params, results) slots; the
        // parameters are written, then zeros in the slots only results use,
        // so the function's type (`P -> R`, checked when this `TypedFunc`
        // was made) finds its parameters and every result slot read below
        // is initialised.
        unsafe {
            params.write_raw(slots);
            for i in P::COUNT..R::COUNT {
                slots.add(i).write(ValRaw::default());
            }
            self.func.call_raw(store, slots, P::COUNT.max(R::COUNT))?;
            Ok(R::read_raw(slots))
        }
    }

    /// [`TypedFunc::call`] for more values than fit the stack array.
    #[cold]
    fn call_slow(&self, store: &mut StoreOpaque<impl Sized>, params: P) -> Result<R, Error> {
        let params = params.into_vals();
        let mut results: Vec<Val> = R::types().into_iter().map(Val::zero).collect();
        self.func.call(store, &params, &mut results)?;
        R::from_vals(&results).ok_or(Error::TypeMismatch("results"))
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}

impl Func {
    /// Check the signature against `P -> R` once, for cheap typed calls.
    pub fn typed<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<P, R>, Error> {
        let ty = self.ty(store);
        if ty.params != P::types() || ty.results != R::types() {
            return Err(Error::TypeMismatch("function signature"));
        }
        Ok(TypedFunc {
            func: *self,
            _marker: PhantomData,
        })
    }
}

impl Instance {
    /// An exported function checked against `P -> R`.
    pub fn get_typed_func<P: WasmParams, R: WasmResults>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        let f = self
            .get_func(&mut store, name)
            .ok_or_else(|| Error::UnknownExport(name.into()))?;
        f.typed(&store)
    }
}
