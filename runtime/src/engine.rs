//! The engine: the platform and the code arena every module is loaded into.

use crate::code::CodeArena;
use alloc::sync::Arc;
use basalt_platform::Platform;

/// Shared by every module and store of a firmware. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

pub(crate) struct EngineInner {
    pub(crate) platform: &'static dyn Platform,
    pub(crate) code: spin::Mutex<CodeArena>,
}

impl Engine {
    /// Create the engine over the board's platform and its code arena, and
    /// register the runtime's trap hook with the platform.
    pub fn new(platform: &'static dyn Platform, code_arena: &'static mut [u8]) -> Self {
        basalt_platform::set_trap_hook(crate::enter::on_fault);
        Self {
            inner: Arc::new(EngineInner {
                platform,
                code: spin::Mutex::new(CodeArena::new(code_arena)),
            }),
        }
    }

    /// The board this engine runs on.
    pub fn platform(&self) -> &'static dyn Platform {
        self.inner.platform
    }
}
