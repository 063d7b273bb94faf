//! The engine: the platform, the code arena every module is loaded into,
//! the keys it trusts to sign artifacts, and the signature registry shared
//! by all modules and host functions.

use crate::artifact::{FuncType, PublicKey};
use crate::code::CodeArena;
use crate::signatures::SignatureRegistry;
use crate::vm::VMSharedSignatureIndex;
use alloc::boxed::Box;
use alloc::sync::Arc;
use basalt_platform::Platform;
use core::sync::atomic::{AtomicU64, Ordering};

/// Shared by every module and store of a firmware. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

pub(crate) struct EngineInner {
    pub(crate) platform: &'static dyn Platform,
    pub(crate) code: spin::Mutex<CodeArena>,
    pub(crate) signatures: spin::RwLock<SignatureRegistry>,
    /// Keys whose signature an artifact must carry; empty: any artifact.
    pub(crate) trusted: Box<[PublicKey]>,
    /// The epoch compiled code compares its store's deadline with (every
    /// `VMContext` of the engine points here). It lives in the `Arc`, so
    /// its address is fixed; the board's timer interrupt advances it
    /// through the pointer the engine registers with the platform.
    pub(crate) epoch: AtomicU64,
}

impl Drop for EngineInner {
    /// The timer must not advance a freed counter.
    fn drop(&mut self) {
        basalt_platform::clear_epoch_counter(&self.epoch);
    }
}

impl Engine {
    /// Create the engine over the board's platform and its code arena, and
    /// register the runtime's trap hook with the platform.
    /// Such an engine loads any well-formed artifact, signed or not.
    pub fn new(platform: &'static dyn Platform, code_arena: &'static mut [u8]) -> Self {
        Self::with_trusted_keys(platform, code_arena, &[])
    }

    /// An engine that loads only artifacts signed by one of `keys` (see
    /// [`artifact::sign`](crate::artifact::sign)): [`Module::new`] and
    /// [`Module::from_static`] check the signature right after the header,
    /// before decoding anything else, and refuse an unsigned artifact
    /// ([`ArtifactError::Unsigned`]), one signed by another key
    /// ([`ArtifactError::UntrustedKey`]) or one changed after signing
    /// ([`ArtifactError::BadSignature`]). No keys: as [`Engine::new`].
    ///
    /// [`Module::new`]: crate::Module::new
    /// [`Module::from_static`]: crate::Module::from_static
    /// [`ArtifactError::Unsigned`]: crate::artifact::ArtifactError::Unsigned
    /// [`ArtifactError::UntrustedKey`]: crate::artifact::ArtifactError::UntrustedKey
    /// [`ArtifactError::BadSignature`]: crate::artifact::ArtifactError::BadSignature
    pub fn with_trusted_keys(
        platform: &'static dyn Platform,
        code_arena: &'static mut [u8],
        keys: &[PublicKey],
    ) -> Self {
        basalt_platform::set_trap_hook(crate::enter::on_fault);
        crate::stack::register_guard(platform);
        let inner = Arc::new(EngineInner {
            platform,
            code: spin::Mutex::new(CodeArena::new(code_arena)),
            signatures: spin::RwLock::new(SignatureRegistry::default()),
            trusted: keys.into(),
            epoch: AtomicU64::new(0),
        });
        // SAFETY: the counter lives as long as the `Arc`'s allocation, and
        // `EngineInner::drop` unregisters it before that is freed.
        unsafe { basalt_platform::set_epoch_counter(&inner.epoch) };
        Self { inner }
    }

    /// The keys this engine requires artifacts to be signed by (empty: none).
    pub fn trusted_keys(&self) -> &[PublicKey] {
        &self.inner.trusted
    }

    /// Bytes of the code arena no loaded module holds (a dropped module's
    /// pages count as free again).
    pub fn code_arena_available(&self) -> usize {
        self.inner.code.lock().available()
    }

    /// The board this engine runs on.
    pub fn platform(&self) -> &'static dyn Platform {
        self.inner.platform
    }

    /// Advance this engine's epoch by one; epoch-checked code whose store's
    /// deadline is reached traps with `Trap::Interrupt` at its next check.
    /// The board's epoch timer does the same from its interrupt handler
    /// (for the most recently created engine, the one it registered with
    /// the platform).
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// This engine's current epoch.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Relaxed)
    }

    /// Ask the platform to advance the epoch every `period` clock ticks.
    pub fn start_epoch_timer(&self, period: u64) -> Result<(), crate::Error> {
        Ok(self.inner.platform.start_epoch_timer(period)?)
    }

    pub(crate) fn register_signature(&self, ty: &FuncType) -> VMSharedSignatureIndex {
        self.inner.signatures.write().register(ty)
    }

    /// The type behind a signature id (an `Arc`, so calls do not allocate).
    pub(crate) fn signature(&self, id: VMSharedSignatureIndex) -> Arc<FuncType> {
        self.inner
            .signatures
            .read()
            .get(id)
            .cloned()
            .expect("signature ids come from this engine")
    }
}
