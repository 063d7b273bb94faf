//! [`LoadOnly`]: the platform of a host that loads and instantiates Wasm
//! but never runs it (tests, fuzzers, tools on x86). Shared so every such
//! user answers the runtime the same way.

use crate::{DeviceError, MapError, Platform, Protection, StackBounds};

/// No MMU (memories are contiguous arena ranges, code is never sealed), no
/// timer, an unbounded stack. Small pages keep many loads inside one code
/// arena. It claims a stack guard so that guard-mode artifacts load and
/// their metadata is checked (tools and fuzzers need that); no code runs
/// here to rely on it.
pub struct LoadOnly;

impl Platform for LoadOnly {
    fn page_size(&self) -> usize {
        16
    }
    fn has_mmu(&self) -> bool {
        false
    }
    fn reserve(&self, _: usize) -> Result<usize, MapError> {
        Err(MapError::Unsupported)
    }
    fn map(&self, _: usize, _: usize, _: usize, _: Protection) -> Result<(), MapError> {
        Err(MapError::Unsupported)
    }
    fn protect(&self, _: usize, _: usize, _: Protection) -> Result<(), MapError> {
        Err(MapError::Unsupported)
    }
    fn unmap(&self, _: usize, _: usize) -> Result<(), MapError> {
        Err(MapError::Unsupported)
    }
    fn sync_icache(&self, _: usize, _: usize) {}
    fn stack_bounds(&self) -> StackBounds {
        StackBounds {
            low: 0,
            high: usize::MAX,
        }
    }
    fn stack_guard(&self) -> usize {
        1 << 20
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
