//! Calling Wasm functions from the host.

use crate::artifact::FuncType;
use crate::error::Error;
use crate::store::Store;
use crate::val::Val;
use crate::vm::ValRaw;
use alloc::vec;

/// A function of an instance in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Func {
    pub(crate) instance: usize,
    pub(crate) index: u32,
}

/// Calls with up to this many parameters/results need no allocation.
const INLINE_VALUES: usize = 16;

impl Func {
    /// The function's signature.
    pub fn ty<'a, T>(&self, store: &'a Store<T>) -> &'a FuncType {
        let meta = &store.instances[self.instance].module.inner.meta;
        &meta.types[meta.funcs[self.index as usize].type_index as usize]
    }

    /// Call with checked argument types; results are written to `results`.
    pub fn call<T>(
        &self,
        store: &mut Store<T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        let inst = &store.instances[self.instance];
        let module = &inst.module.inner;
        let info = &module.meta.funcs[self.index as usize];
        let ty = &module.meta.types[info.type_index as usize];
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
        }
        if results.len() != ty.results.len() {
            return Err(Error::ResultCount {
                expected: ty.results.len(),
                given: results.len(),
            });
        }
        let trampoline = module.code_base + info.array_call.ok_or(Error::NotCallable)? as usize;
        let vmctx = inst.vmctx;
        let n = ty.params.len().max(ty.results.len());
        let mut inline = [ValRaw::default(); INLINE_VALUES];
        let mut spilled;
        let values: &mut [ValRaw] = if n <= INLINE_VALUES {
            &mut inline[..n]
        } else {
            spilled = vec![ValRaw::default(); n];
            &mut spilled
        };
        for (slot, p) in values.iter_mut().zip(params) {
            *slot = p.to_raw();
        }
        if !crate::enter::in_wasm() {
            let stack = store.engine.inner.platform.stack_bounds();
            // SAFETY: the limits belong to this store and no Wasm of it runs now.
            unsafe {
                *store.limits.stack_limit.get() = stack.low + store.config.host_stack_reserve
            };
        }
        if !cfg!(target_arch = "aarch64") {
            return Err(Error::UnsupportedHost);
        }
        // SAFETY: the trampoline is the array-call entry of this function in
        // its sealed code, `vmctx` is its live instance, and `values` holds
        // max(params, results) slots with the parameters filled in.
        unsafe { crate::enter::invoke(trampoline, vmctx, values.as_mut_ptr(), n)? };
        let ty = self.ty(store);
        for ((r, raw), &t) in results.iter_mut().zip(values.iter()).zip(&ty.results) {
            *r = Val::from_raw(raw, t);
        }
        Ok(())
    }
}
