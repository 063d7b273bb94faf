//! The builtin functions compiled code calls through `VMBuiltinFunctionsArray`,
//! and the table/memory operations they share with instantiation.

use crate::index::{DataIndex, ElemIndex, TableIndex};
use crate::instance::{InstanceHeader, InstanceState};
use crate::memory::MemoryState;
use crate::table::TableState;
use crate::trap::Trap;
use crate::vm::{foreach_builtin_function, VMBuiltinFunctionsArray, VMContext};

/// The table of libcalls every `VMContext` points to, one entry per line of
/// [`foreach_builtin_function`]: each names the function of that name
/// below, whose signature the array's field type checks.
macro_rules! libcall_array {
    ($( $(#[$doc:meta])* $name:ident / $variant:ident ( $($param:ident : $ty:ident),* ) $(-> $ret:ident)? ; )*) => {
        pub(crate) static BUILTINS: VMBuiltinFunctionsArray = VMBuiltinFunctionsArray { $($name,)* };
    };
}
foreach_builtin_function!(libcall_array);

/// The calling instance's state.
///
/// # Safety
/// `vmctx` must be a live instance context (compiled code passes its own).
unsafe fn state<'a>(vmctx: *mut VMContext) -> &'a mut InstanceState {
    // SAFETY: instance contexts sit right after a header pointing at their
    // state, which the store keeps alive.
    unsafe { &mut *(*InstanceHeader::of(vmctx)).state }
}

/// Ends the range checks of every bulk table and memory operation: no
/// instruction after it runs, even speculatively, before the checks'
/// branches have resolved, so a mispredicted check cannot copy or fill out
/// of bounds on the speculative path (Spectre v1). Compiled code clamps
/// with a conditional select instead; here the checks are Rust's own
/// branches, and `DSB SY; ISB` is Arm's speculation barrier for cores
/// without `SB` (the Cortex-A72 has none). Always on: a few dozen cycles
/// next to a libcall that copies or fills a range.
#[inline(always)]
fn speculation_barrier() {
    #[cfg(target_arch = "aarch64")]
    // SAFETY: barriers only order execution; they touch no memory or registers.
    unsafe {
        core::arch::asm!("dsb sy", "isb", options(nostack, preserves_flags));
    }
}

fn flag(r: Result<(), Trap>) -> u32 {
    r.is_err() as u32
}

unsafe extern "C" fn memory32_grow(vmctx: *mut VMContext, delta: u64, index: u32) -> u64 {
    // SAFETY: called by compiled code with its own vmctx.
    let s = unsafe { state(vmctx) };
    let Some(&mem) = s.memories.get(index as usize) else {
        return u64::MAX;
    };
    // SAFETY: memory states live as long as the store.
    unsafe { (*mem).grow(delta) }.unwrap_or(u64::MAX)
}

unsafe extern "C" fn table_grow(vmctx: *mut VMContext, table: u32, delta: u32, init: u64) -> u32 {
    // SAFETY: as above.
    let s = unsafe { state(vmctx) };
    let Ok(t) = s.table(TableIndex::from_u32(table)) else {
        return u32::MAX;
    };
    // SAFETY: table states live as long as the store.
    unsafe { (*t).grow(delta, init) }.unwrap_or(u32::MAX)
}

unsafe extern "C" fn table_fill(
    vmctx: *mut VMContext,
    table: u32,
    dst: u32,
    val: u64,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    let table = TableIndex::from_u32(table);
    flag(unsafe { state(vmctx) }.table_fill(table, dst, val, len))
}

unsafe extern "C" fn table_copy(
    vmctx: *mut VMContext,
    dst_t: u32,
    src_t: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    let (dst_t, src_t) = (TableIndex::from_u32(dst_t), TableIndex::from_u32(src_t));
    flag(unsafe { state(vmctx) }.table_copy(dst_t, src_t, dst, src, len))
}

unsafe extern "C" fn table_init(
    vmctx: *mut VMContext,
    table: u32,
    seg: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    let (table, seg) = (TableIndex::from_u32(table), ElemIndex::from_u32(seg));
    flag(unsafe { state(vmctx) }.table_init(table, seg, dst, src, len))
}

unsafe extern "C" fn elem_drop(vmctx: *mut VMContext, seg: u32) {
    // SAFETY: as above.
    unsafe { state(vmctx) }.elem_drop(ElemIndex::from_u32(seg))
}

unsafe extern "C" fn memory_copy(vmctx: *mut VMContext, dst: u32, src: u32, len: u32) -> u32 {
    // SAFETY: as above.
    flag(unsafe { state(vmctx) }.memory_copy(dst, src, len))
}

unsafe extern "C" fn memory_fill(vmctx: *mut VMContext, dst: u32, val: u32, len: u32) -> u32 {
    // SAFETY: as above.
    flag(unsafe { state(vmctx) }.memory_fill(dst, val as u8, len))
}

unsafe extern "C" fn memory_init(
    vmctx: *mut VMContext,
    seg: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    flag(unsafe { state(vmctx) }.memory_init(DataIndex::from_u32(seg), dst, src, len))
}

unsafe extern "C" fn data_drop(vmctx: *mut VMContext, seg: u32) {
    // SAFETY: as above.
    unsafe { state(vmctx) }.data_drop(DataIndex::from_u32(seg))
}

impl InstanceState {
    /// Table `index`. Compiled code only names tables the module has;
    /// an index from a forged artifact traps instead of panicking.
    fn table(&self, index: TableIndex) -> Result<*mut TableState, Trap> {
        self.tables
            .get(index.index())
            .copied()
            .ok_or(Trap::TableOutOfBounds)
    }

    pub(crate) fn table_fill(
        &mut self,
        table: TableIndex,
        dst: u32,
        val: u64,
        len: u32,
    ) -> Result<(), Trap> {
        // SAFETY: table states live as long as the store; Wasm is single
        // threaded, so nothing else accesses them during a libcall.
        let t = unsafe { &mut *self.table(table)? };
        let range = t.range(dst, len).ok_or(Trap::TableOutOfBounds)?;
        speculation_barrier();
        t.elements_mut()[range].fill(val);
        Ok(())
    }

    pub(crate) fn table_copy(
        &mut self,
        dst_t: TableIndex,
        src_t: TableIndex,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), Trap> {
        let (d, s) = (self.table(dst_t)?, self.table(src_t)?);
        // SAFETY: as in `table_fill`; only the element types are read.
        if unsafe { (*d).elem != (*s).elem } {
            return Err(Trap::TableOutOfBounds);
        }
        // SAFETY: as in `table_fill`; the source is only read.
        let src_range = unsafe { &*s }
            .range(src, len)
            .ok_or(Trap::TableOutOfBounds)?;
        // SAFETY: as in `table_fill`.
        let dst_table = unsafe { &mut *d };
        let dst_range = dst_table.range(dst, len).ok_or(Trap::TableOutOfBounds)?;
        speculation_barrier();
        if d == s {
            dst_table
                .elements_mut()
                .copy_within(src_range, dst_range.start);
        } else {
            // SAFETY: a different table than `dst_table`, only read.
            let src_elems = unsafe { &*s }.elements();
            dst_table.elements_mut()[dst_range].copy_from_slice(&src_elems[src_range]);
        }
        Ok(())
    }

    #[inline(never)]
    pub(crate) fn table_init(
        &mut self,
        table: TableIndex,
        seg: ElemIndex,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), Trap> {
        let items = self.elems.get(seg.index()).ok_or(Trap::TableOutOfBounds)?;
        let end = src as u64 + len as u64;
        if end > items.len() as u64 {
            return Err(Trap::TableOutOfBounds);
        }
        // SAFETY: as in `table_fill`.
        let t = unsafe { &mut *self.table(table)? };
        // The items are raw references of the segment's type: into a table
        // of another type they would become values of the wrong kind (an
        // externref as a function pointer). Validation cannot see which
        // segment code passes to which table, so it is checked here; the
        // compiled code turns any failure into its trap.
        let seg_elem = self
            .module
            .inner
            .meta
            .elems
            .get(seg.index())
            .map(|e| e.elem);
        if seg_elem != Some(t.elem) {
            return Err(Trap::TableOutOfBounds);
        }
        let range = t.range(dst, len).ok_or(Trap::TableOutOfBounds)?;
        speculation_barrier();
        t.elements_mut()[range].copy_from_slice(&items[src as usize..end as usize]);
        Ok(())
    }

    #[inline(never)]
    pub(crate) fn elem_drop(&mut self, seg: ElemIndex) {
        if let Some(items) = self.elems.get_mut(seg.index()) {
            *items = alloc::vec::Vec::new();
        }
    }

    /// Memory 0 (it exists whenever the compiler emitted a memory
    /// instruction; the code of a forged artifact traps instead).
    fn memory(&self) -> Result<*mut MemoryState, Trap> {
        self.memories
            .first()
            .copied()
            .ok_or(Trap::MemoryOutOfBounds)
    }

    pub(crate) fn memory_copy(&mut self, dst: u32, src: u32, len: u32) -> Result<(), Trap> {
        // SAFETY: memory states live as long as the store; Wasm is single
        // threaded, so nothing else accesses them during a libcall.
        let m = unsafe { &mut *self.memory()? };
        let src_range = m.range(src, len).ok_or(Trap::MemoryOutOfBounds)?;
        let dst_range = m.range(dst, len).ok_or(Trap::MemoryOutOfBounds)?;
        speculation_barrier();
        m.bytes_mut().copy_within(src_range, dst_range.start);
        Ok(())
    }

    pub(crate) fn memory_fill(&mut self, dst: u32, val: u8, len: u32) -> Result<(), Trap> {
        // SAFETY: memory states live as long as the store; Wasm is single
        // threaded, so nothing else accesses them during a libcall.
        let m = unsafe { &mut *self.memory()? };
        let range = m.range(dst, len).ok_or(Trap::MemoryOutOfBounds)?;
        speculation_barrier();
        m.bytes_mut()[range].fill(val);
        Ok(())
    }

    #[inline(never)]
    pub(crate) fn memory_init(
        &mut self,
        seg: DataIndex,
        dst: u32,
        src: u32,
        len: u32,
    ) -> Result<(), Trap> {
        let seg = seg.index();
        let (dropped, data) = (
            self.dropped_data.get(seg),
            self.module.inner.meta.data.get(seg),
        );
        let bytes: &[u8] = match (dropped, data) {
            (Some(false), Some(d)) => &d.bytes,
            (Some(true), Some(_)) => &[],
            _ => return Err(Trap::MemoryOutOfBounds),
        };
        let end = src as u64 + len as u64;
        if end > bytes.len() as u64 {
            return Err(Trap::MemoryOutOfBounds);
        }
        // SAFETY: memory states live as long as the store; Wasm is single
        // threaded, so nothing else accesses them during a libcall.
        let m = unsafe { &mut *self.memory()? };
        let range = m.range(dst, len).ok_or(Trap::MemoryOutOfBounds)?;
        speculation_barrier();
        m.bytes_mut()[range].copy_from_slice(&bytes[src as usize..end as usize]);
        Ok(())
    }

    pub(crate) fn data_drop(&mut self, seg: DataIndex) {
        if let Some(dropped) = self.dropped_data.get_mut(seg.index()) {
            *dropped = true;
        }
    }
}
