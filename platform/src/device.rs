//! Errors of the board's devices the runtime asks for: timers and entropy.

use core::fmt;

/// Why a timer or the entropy source could not do what was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceError {
    /// The board has no such device (or does not drive it).
    Unsupported,
    /// The request makes no sense for the device (e.g. a zero timer period).
    InvalidArgument,
    /// The device exists but failed (e.g. an entropy source that ran dry).
    Failed,
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceError::Unsupported => "the platform has no such device",
            DeviceError::InvalidArgument => "the device cannot do what was asked",
            DeviceError::Failed => "the device failed",
        })
    }
}

impl core::error::Error for DeviceError {}
