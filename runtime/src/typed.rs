//! Typed calls: `TypedFunc<(i32, i32), i32>`, checked once, then called
//! with Rust values.

use crate::artifact::ValType;
use crate::error::Error;
use crate::func::Func;
use crate::host::WasmTy;
use crate::instance::Instance;
use crate::store::{AsContext, AsContextMut};
use crate::val::Val;
use alloc::vec::Vec;
use core::marker::PhantomData;

/// Parameters of a typed call: `()`, a [`WasmTy`], or a tuple of them.
pub trait WasmParams {
    /// Parameter types.
    fn types() -> Vec<ValType>;
    /// As values.
    fn into_vals(self) -> Vec<Val>;
}

/// Results of a typed call: `()`, a [`WasmTy`], or a tuple of them.
pub trait WasmResults: Sized {
    /// Result types.
    fn types() -> Vec<ValType>;
    /// From values of `types()`.
    fn from_vals(vals: &[Val]) -> Option<Self>;
}

impl<A: WasmTy> WasmParams for A {
    fn types() -> Vec<ValType> {
        alloc::vec![A::TY]
    }
    fn into_vals(self) -> Vec<Val> {
        alloc::vec![self.into_val()]
    }
}

impl<A: WasmTy> WasmResults for A {
    fn types() -> Vec<ValType> {
        alloc::vec![A::TY]
    }
    fn from_vals(vals: &[Val]) -> Option<Self> {
        A::from_val(*vals.first()?)
    }
}

macro_rules! tuples {
    ($($a:ident $i:tt),*) => {
        impl<$($a: WasmTy),*> WasmParams for ($($a,)*) {
            fn types() -> Vec<ValType> {
                alloc::vec![$($a::TY),*]
            }
            fn into_vals(self) -> Vec<Val> {
                alloc::vec![$(self.$i.into_val()),*]
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
        }
    };
}

tuples!();
tuples!(A 0, B 1);
tuples!(A 0, B 1, C 2);
tuples!(A 0, B 1, C 2, D 3);
tuples!(A 0, B 1, C 2, D 3, E 4);
tuples!(A 0, B 1, C 2, D 3, E 4, G 5);

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
    pub fn call(&self, mut store: impl AsContextMut, params: P) -> Result<R, Error> {
        let params = params.into_vals();
        let mut results: Vec<Val> = R::types().into_iter().filter_map(Val::zero).collect();
        self.func.call(&mut store, &params, &mut results)?;
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
            .ok_or(Error::TypeMismatch("no such exported function"))?;
        f.typed(&store)
    }
}
