//! The linker: names for host functions and instance exports, resolved
//! against a module's imports at instantiation.

use crate::artifact::FuncType;
use crate::error::Error;
use crate::func::Func;
use crate::host::{Caller, HostFunc, IntoFunc};
use crate::instance::{Extern, Instance};
use crate::module::Module;
use crate::store::{AsContext, AsContextMut};
use crate::val::Val;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

enum Definition<T> {
    /// Something already in a store.
    Extern(Extern),
    /// A host function, created in the store at instantiation.
    HostFunc(HostFunc<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(f) => Definition::HostFunc(f.clone()),
        }
    }
}

/// Resolves imports by `(module, name)`, like `wasmtime::Linker`. A later
/// definition of the same name replaces the earlier one.
///
/// Definitions are a plain list searched in order: a firmware's linker holds
/// a handful to a few dozen names, and a map's code (a `BTreeMap` costs
/// about 3 KiB of `.text` per store data type) buys nothing at that size.
pub struct Linker<T> {
    defs: Vec<(String, String, Definition<T>)>,
}

impl<T> Default for Linker<T> {
    fn default() -> Self {
        Self { defs: Vec::new() }
    }
}

impl<T> Linker<T> {
    /// An empty linker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Define `module::name` as something in a store.
    pub fn define(&mut self, module: &str, name: &str, item: impl Into<Extern>) -> &mut Self {
        self.insert(module, name, Definition::Extern(item.into()));
        self
    }

    /// Add or replace a definition. Not generic over the item, so every
    /// `define`/`func_wrap` shares it.
    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) {
        match self.find(module, name) {
            Some(i) => self.defs[i].2 = def,
            None => self.defs.push((module.to_string(), name.to_string(), def)),
        }
    }

    #[inline(never)]
    fn find(&self, module: &str, name: &str) -> Option<usize> {
        self.defs
            .iter()
            .position(|(m, n, _)| m == module && n == name)
    }

    /// Define a host function from a typed closure, e.g.
    /// `|caller: Caller<'_, T>, x: i32| -> i32`.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> &mut Self {
        self.insert(module, name, Definition::HostFunc(func.into_func()));
        self
    }

    /// Define an untyped host function of type `ty`.
    pub fn func_new<E: Into<Error>>(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), E> + Send + Sync + 'static,
    ) -> &mut Self {
        self.insert(
            module,
            name,
            Definition::HostFunc(crate::host::untyped(ty, func)),
        );
        self
    }

    /// Define every export of `instance` under `module`.
    pub fn instance(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        instance: Instance,
    ) -> &mut Self {
        let exports: Vec<(String, Extern)> = instance
            .exports(&store)
            .map(|(n, e)| (n.to_string(), e))
            .collect();
        for (name, e) in exports {
            self.insert(module, &name, Definition::Extern(e));
        }
        self
    }

    /// Look a definition up (host functions are created in `store`).
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        match self.defs[self.find(module, name)?].2.clone() {
            Definition::Extern(e) => Some(e),
            Definition::HostFunc(f) => {
                Some(Extern::Func(Func::from_host(store.as_context_mut(), f)))
            }
        }
    }

    /// Resolve the module's imports and instantiate it.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance, Error> {
        let mut imports = Vec::new();
        for (m, n, _) in module.imports() {
            let e = self
                .get(&mut store, m, n)
                .ok_or_else(|| Error::UnknownImport {
                    module: m.to_string(),
                    name: n.to_string(),
                })?;
            imports.push(e);
        }
        Instance::new(store, module, &imports)
    }
}
