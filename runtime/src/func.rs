//! Functions: calling Wasm or host functions from the host.

use crate::artifact::FuncType;
use crate::error::Error;
use crate::store::{AsContext, AsContextMut, StoreId, StoreOpaque};
use crate::val::Val;
use crate::vm::{VMFuncRef, ValRaw};
use alloc::sync::Arc;
use smallvec::{smallvec, SmallVec};

/// A function of a store: a Wasm function of an instance or a host
/// function. It is its `VMFuncRef`, which is also what tables hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Func {
    pub(crate) ptr: *mut VMFuncRef,
    pub(crate) store: StoreId,
}

/// Calls with up to this many parameters/results need no allocation.
const INLINE_VALUES: usize = 16;

impl Func {
    pub(crate) fn func_ref(&self) -> &VMFuncRef {
        // SAFETY: func refs live in their instance's VMContext or host
        // function context, both alive as long as the store.
        unsafe { &*self.ptr }
    }

    /// The function's signature.
    pub fn ty(&self, store: impl AsContext) -> Arc<FuncType> {
        let store = store.as_context();
        store.assert_owns(self.store);
        store.engine.signature(self.func_ref().type_index)
    }

    /// Call with checked argument types; results are written to `results`.
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        let store = store.as_context_mut();
        store.check(self.store)?;
        let ty = store.engine.signature(self.func_ref().type_index);
        if params.len() != ty.params.len() {
            return Err(Error::ArgumentCount {
                expected: ty.params.len(),
                given: params.len(),
            });
        }
        for (index, (p, &expected)) in params.iter().zip(&ty.params).enumerate() {
            if p.ty() != expected {
                return Err(Error::ArgumentType {
                    index,
                    expected,
                    given: p.ty(),
                });
            }
            store.admit(p)?;
        }
        if results.len() != ty.results.len() {
            return Err(Error::ResultCount {
                expected: ty.results.len(),
                given: results.len(),
            });
        }
        let n = ty.params.len().max(ty.results.len());
        let mut values: SmallVec<[ValRaw; INLINE_VALUES]> = smallvec![ValRaw::default(); n];
        for (slot, p) in values.iter_mut().zip(params) {
            *slot = p.to_raw();
        }
        // SAFETY: the func ref is live (see `func_ref`) and `values` holds
        // max(params, results) slots with the parameters filled in.
        unsafe { self.call_raw(store, values.as_mut_ptr(), n)? };
        for ((r, raw), &t) in results.iter_mut().zip(values.iter()).zip(&ty.results) {
            *r = Val::from_raw(raw, t, store.id);
        }
        Ok(())
    }

    /// Enter the function's array-call entry.
    ///
    /// # Safety
    /// `values` must hold `len >= max(params, results)` slots with the
    /// parameters filled in, of the function's types.
    #[inline]
    pub(crate) unsafe fn call_raw<T>(
        &self,
        store: &mut StoreOpaque<T>,
        values: *mut ValRaw,
        len: usize,
    ) -> Result<(), Error> {
        store.check(self.store)?;
        let f = self.func_ref();
        // SAFETY: `array_call` is the entry of a live function whose context
        // is `vmctx`; the caller guarantees `values`.
        unsafe { enter(store, f.array_call as usize, f.vmctx.cast(), values, len) }
    }
}

/// Call an array-call entry of `store` (see [`crate::enter::invoke`]); a
/// trap comes back as `Err`. A thin generic wrapper: the entry path itself
/// is compiled once, whatever the store's data type.
///
/// # Safety
/// `array_call` must be an array-call entry whose context is `vmctx`, and
/// `values` must hold `len` slots with its parameters filled in.
#[inline]
pub(crate) unsafe fn enter<T>(
    store: &mut StoreOpaque<T>,
    array_call: usize,
    vmctx: *mut crate::vm::VMContext,
    values: *mut ValRaw,
    len: usize,
) -> Result<(), Error> {
    if !cfg!(target_arch = "aarch64") {
        return Err(Error::UnsupportedHost);
    }
    let stack_low = crate::enter::stack_low(store.engine.inner.platform);
    let entry = crate::enter::Entry {
        limits: &store.limits,
        heap: crate::enter::HeapScope::of(store),
        stack_low,
        stack_limit: stack_low + store.config.host_stack_reserve,
    };
    // SAFETY: guaranteed by the caller; the store outlives the call.
    unsafe { crate::enter::invoke(array_call, vmctx, values, len, entry) }
}
