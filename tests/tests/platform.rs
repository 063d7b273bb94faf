//! The platform seam on the host: whether a board has an MMU is its own
//! explicit answer, and on a board that has one a failed `protect` or
//! `reserve` is an error, never a silent fallback to unsealed code or
//! unguarded memory. Loading and instantiating run no Wasm, so these run
//! on the host.

use basalt::artifact::ArtifactError;
use basalt::{Engine, Error, Linker, Module, Store};
use basalt_platform::{DeviceError, MapError, Platform, Protection, StackBounds};

/// A board that answers `has_mmu` as told and whose mapping calls all fail
/// with `Unsupported` (or panic, for a board without an MMU, where the
/// runtime must not call them at all).
struct Board {
    mmu: bool,
    /// Bytes of unmapped guard below the stack.
    stack_guard: usize,
}

impl Board {
    fn refuse(&self) -> Result<(), MapError> {
        assert!(self.mmu, "a mapping call on a board without an MMU");
        Err(MapError::Unsupported)
    }
}

impl Platform for Board {
    fn page_size(&self) -> usize {
        4096
    }
    fn has_mmu(&self) -> bool {
        self.mmu
    }
    fn reserve(&self, _: usize) -> Result<usize, MapError> {
        self.refuse().map(|()| 0)
    }
    fn map(&self, _: usize, _: usize, _: usize, _: Protection) -> Result<(), MapError> {
        self.refuse()
    }
    fn protect(&self, _: usize, _: usize, _: Protection) -> Result<(), MapError> {
        self.refuse()
    }
    fn unmap(&self, _: usize, _: usize) -> Result<(), MapError> {
        self.refuse()
    }
    fn sync_icache(&self, _: usize, _: usize) {}
    fn stack_bounds(&self) -> StackBounds {
        StackBounds {
            low: 0,
            high: usize::MAX,
        }
    }
    fn stack_guard(&self) -> usize {
        self.stack_guard
    }
    fn ticks(&self) -> u64 {
        0
    }
    fn tick_hz(&self) -> u64 {
        1
    }
    fn start_epoch_timer(&self, _: u64) -> Result<(), DeviceError> {
        Err(DeviceError::Unsupported)
    }
}

static WITH_MMU: Board = Board {
    mmu: true,
    stack_guard: 0,
};
static WITHOUT_MMU: Board = Board {
    mmu: false,
    stack_guard: 0,
};

fn arena(bytes: usize) -> &'static mut [u8] {
    Box::leak(vec![0u8; bytes].into_boxed_slice())
}

fn artifact() -> Vec<u8> {
    basalt_compiler::compile(
        br#"(module (memory 1) (func (export "f") (result i32) (i32.const 1)))"#,
        &Default::default(),
    )
    .expect("compiles")
}

#[test]
fn code_that_cannot_be_sealed_is_not_loaded() {
    let engine = Engine::new(&WITH_MMU, arena(1 << 20));
    assert_eq!(
        Module::new(&engine, &artifact()).map(|_| ()),
        Err(Error::Map(MapError::Unsupported))
    );
}

#[test]
fn a_board_without_an_mmu_runs_flat() {
    // Its mapping calls panic: loading and instantiating must not make any.
    let engine = Engine::new(&WITHOUT_MMU, arena(1 << 20));
    let module = Module::new(&engine, &artifact()).expect("loads");
    let mut store = Store::new(&engine, arena(4 << 20), ());
    Linker::new()
        .instantiate(&mut store, &module)
        .expect("instantiates with a contiguous memory");
}

/// Guard-mode code has no stack-limit checks between Wasm functions, so it
/// needs a stack guard of at least `basalt::stack::MIN_GUARD`: a board with
/// none or a smaller one refuses it at load (typed error), one with enough
/// loads it. Explicit-mode code needs none.
#[test]
fn guard_mode_code_needs_a_stack_guard() {
    static SMALL_GUARD: Board = Board {
        mmu: false,
        stack_guard: basalt::stack::MIN_GUARD - 4096,
    };
    static ENOUGH_GUARD: Board = Board {
        mmu: false,
        stack_guard: basalt::stack::MIN_GUARD,
    };
    let mut options = basalt_compiler::CompileOptions::default();
    options.settings.bounds_checks = basalt_compiler::BoundsChecks::Guard;
    let guarded =
        basalt_compiler::compile(br#"(module (func (export "f")))"#, &options).expect("compiles");
    let refused = Err(Error::Artifact(ArtifactError::BoundsChecksUnsupported));
    for board in [&WITHOUT_MMU, &SMALL_GUARD] {
        let engine = Engine::new(board, arena(1 << 20));
        assert_eq!(Module::new(&engine, &guarded).map(|_| ()), refused);
        Module::new(&engine, &artifact()).expect("explicit mode loads");
    }
    let engine = Engine::new(&ENOUGH_GUARD, arena(1 << 20));
    Module::new(&engine, &guarded).expect("loads");
}
