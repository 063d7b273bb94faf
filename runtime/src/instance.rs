//! Instantiation: laying out a `VMContext` and its memory in the store's
//! arena, initialising globals and data, running the start function.

use crate::artifact::{ConstExpr, ExportKind};
use crate::error::Error;
use crate::func::Func;
use crate::libcalls::{BUILTINS, PAGE};
use crate::module::Module;
use crate::store::Store;
use crate::vm::{VMContext, VMMemoryDefinition, VMOffsets, VMCONTEXT_MAGIC};
use crate::Trap;
use core::sync::atomic::{AtomicU64, Ordering};

/// Per-instance facts the libcalls need, placed right before the
/// `VMContext` (so a libcall finds them from the vmctx alone).
#[derive(Clone, Copy)]
#[repr(C, align(16))]
pub(crate) struct InstanceHeader {
    /// The memory's definition, null without a memory.
    pub(crate) memory: *mut VMMemoryDefinition,
    /// Bytes reserved for the memory; it never grows past them.
    pub(crate) capacity: usize,
    /// Declared maximum in pages (65536 if none).
    pub(crate) max_pages: u64,
}

impl InstanceHeader {
    pub(crate) fn of(vmctx: *mut VMContext) -> *mut InstanceHeader {
        vmctx.cast::<InstanceHeader>().wrapping_sub(1)
    }
}

/// The engine-wide epoch counter compiled code will compare against.
pub(crate) static EPOCH: AtomicU64 = AtomicU64::new(0);

pub(crate) struct InstanceData {
    pub(crate) module: Module,
    pub(crate) vmctx: *mut VMContext,
}

/// An instance inside a store (an index, like wasmtime's handle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance(pub(crate) usize);

fn const_value(e: ConstExpr) -> u64 {
    match e {
        ConstExpr::I32(v) => v as u32 as u64,
        ConstExpr::I64(v) => v as u64,
        ConstExpr::F32(b) => b as u64,
        ConstExpr::F64(b) => b,
        // Rejected by `Metadata::validate` (no imported globals yet).
        ConstExpr::GlobalGet(_) => 0,
    }
}

impl Instance {
    /// Instantiate `module` in `store`. A data segment out of bounds or a
    /// trapping start function fails instantiation with `Error::Trap`.
    pub fn new<T>(store: &mut Store<T>, module: &Module) -> Result<Instance, Error> {
        let m = &module.inner;
        let o: VMOffsets = m.offsets;
        let header_size = core::mem::size_of::<InstanceHeader>();
        let ctx_size = header_size + o.size() as usize;
        let block = store.arena.alloc(ctx_size, 16, ctx_size)?;
        // SAFETY: `block` has room for the header followed by the context.
        let vmctx = unsafe { block.add(header_size) };
        let at = |off: u32| vmctx.wrapping_add(off as usize);
        let mut header = InstanceHeader {
            memory: core::ptr::null_mut(),
            capacity: 0,
            max_pages: 0,
        };

        // SAFETY (for every write below): each offset comes from `VMOffsets`
        // for this module, so it lies inside the zeroed context just
        // allocated, and is aligned for the value written.
        unsafe {
            at(VMOffsets::VMCTX_MAGIC)
                .cast::<u32>()
                .write(VMCONTEXT_MAGIC);
            at(VMOffsets::VMCTX_RUNTIME_LIMITS)
                .cast::<usize>()
                .write(&*store.limits as *const _ as usize);
            at(VMOffsets::VMCTX_EPOCH_PTR)
                .cast::<usize>()
                .write(&EPOCH as *const _ as usize);
            at(VMOffsets::VMCTX_BUILTIN_FUNCTIONS)
                .cast::<usize>()
                .write(&BUILTINS as *const _ as usize);
        }
        if let Some(plan) = m.meta.memories.first() {
            let max_pages = plan.max_pages.unwrap_or(65536).min(65536);
            let min_bytes = (plan.min_pages * PAGE) as usize;
            let wanted = ((max_pages * PAGE) as usize)
                .min(store.config.max_memory_bytes)
                .max(min_bytes);
            let capacity =
                wanted.min(store.arena.available(PAGE as usize) / PAGE as usize * PAGE as usize);
            if capacity < min_bytes {
                return Err(Error::StoreArenaFull {
                    needed: min_bytes,
                    available: capacity,
                });
            }
            let base = store.arena.alloc(capacity, PAGE as usize, min_bytes)?;
            let def = at(o.vmmemory_definition(0)).cast::<VMMemoryDefinition>();
            // SAFETY: as above; `def` is the owned memory slot of this context.
            unsafe {
                def.write(VMMemoryDefinition {
                    base,
                    current_length: min_bytes.into(),
                });
                at(o.vmmemory_pointer(0))
                    .cast::<usize>()
                    .write(def as usize);
            }
            header = InstanceHeader {
                memory: def,
                capacity,
                max_pages,
            };
        }
        for (i, g) in m.meta.globals.iter().enumerate() {
            let bytes = const_value(g.init).to_le_bytes();
            // SAFETY: as above; a global slot is 16 bytes.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    at(o.vmglobal_definition(i as u32)),
                    8,
                )
            };
        }
        // SAFETY: `block` starts with room for the header.
        unsafe { block.cast::<InstanceHeader>().write(header) };

        let instance = Instance(store.instances.len());
        store.instances.push(crate::instance::InstanceData {
            module: module.clone(),
            vmctx: vmctx.cast(),
        });

        for seg in &m.meta.data {
            let start = const_value(seg.offset) as u32 as usize;
            let Some(def) = (!header.memory.is_null()).then_some(header.memory) else {
                return Err(Trap::MemoryOutOfBounds.into());
            };
            // SAFETY: `def` is this instance's initialised memory definition.
            let def = unsafe { &*def };
            let len = def.current_length.load(Ordering::Relaxed);
            if start
                .checked_add(seg.bytes.len())
                .is_none_or(|end| end > len)
            {
                return Err(Trap::MemoryOutOfBounds.into());
            }
            // SAFETY: bounds checked against the memory's current length.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    seg.bytes.as_ptr(),
                    def.base.add(start),
                    seg.bytes.len(),
                )
            };
        }
        if let Some(start) = m.meta.start {
            Func {
                instance: instance.0,
                index: start,
            }
            .call(store, &[], &mut [])?;
        }
        Ok(instance)
    }

    /// An exported function by name.
    pub fn get_func<T>(&self, store: &Store<T>, name: &str) -> Option<Func> {
        let meta = &store.instances[self.0].module.inner.meta;
        meta.exports
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| match e.kind {
                ExportKind::Func(index) => Some(Func {
                    instance: self.0,
                    index,
                }),
                _ => None,
            })
    }

    /// The module this instance was made from.
    pub fn module<'a, T>(&self, store: &'a Store<T>) -> &'a Module {
        &store.instances[self.0].module
    }
}
