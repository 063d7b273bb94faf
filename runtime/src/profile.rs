//! A sampling profiler for guest code, for boards without `perf`.
//!
//! [`Profiler::start`] registers the runtime's sampling hook with the
//! platform and asks it for a periodic timer interrupt
//! ([`Platform::start_sampling_timer`](basalt_platform::Platform::start_sampling_timer)).
//! On every interrupt that finds Wasm running, the hook walks the frame
//! pointers from the interrupted PC (as a trap's backtrace does) and appends
//! the program counters to the buffer the firmware gave, without allocating
//! or taking a lock. [`Profiler::finish`] stops the timer and maps the
//! samples to Wasm functions: a [`Profile`] of stacks and their counts, in
//! the folded-stack format flamegraph tools read. Under a deterministic
//! clock (QEMU's `-icount`) the same run gives the same samples.

use crate::backtrace::{self, in_wasm_function, Start, MAX_FRAMES};
use crate::engine::Engine;
use crate::error::Error;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use basalt_platform::Interrupted;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};

/// Set in a record's length word when the stack was deeper than
/// [`MAX_FRAMES`] (its outer frames are missing).
const TRUNCATED: usize = 1 << 63;

/// The sample buffer while a profiler runs: `[len, pc...]` records.
static BUFFER: AtomicPtr<usize> = AtomicPtr::new(core::ptr::null_mut());
static CAPACITY: AtomicUsize = AtomicUsize::new(0);
static USED: AtomicUsize = AtomicUsize::new(0);
/// Samples taken while Rust code called from Wasm ran (host functions,
/// libcalls): they have no Wasm frame to walk from.
static HOST: AtomicU64 = AtomicU64::new(0);
/// Samples that did not fit in the buffer.
static DROPPED: AtomicU64 = AtomicU64::new(0);
static RUNNING: AtomicBool = AtomicBool::new(false);

/// A running profiler; at most one at a time (there is one sampling timer).
pub struct Profiler {
    engine: Engine,
    /// The firmware's buffer, held as a raw pointer while the interrupt
    /// writes to it; a slice again in `finish`.
    buffer: *mut usize,
    capacity: usize,
}

impl Profiler {
    /// Sample every `period` ticks of the platform clock into `buffer`
    /// (words; each sample takes one plus its depth, at most
    /// [`MAX_FRAMES`]). Samples that do not fit are counted as dropped.
    pub fn start(
        engine: &Engine,
        buffer: &'static mut [usize],
        period: u64,
    ) -> Result<Profiler, Error> {
        if RUNNING.swap(true, Ordering::AcqRel) {
            return Err(Error::ProfilerBusy);
        }
        USED.store(0, Ordering::Relaxed);
        HOST.store(0, Ordering::Relaxed);
        DROPPED.store(0, Ordering::Relaxed);
        let profiler = Profiler {
            engine: engine.clone(),
            buffer: buffer.as_mut_ptr(),
            capacity: buffer.len(),
        };
        CAPACITY.store(profiler.capacity, Ordering::Relaxed);
        BUFFER.store(profiler.buffer, Ordering::Release);
        basalt_platform::set_sample_hook(sample);
        if let Err(e) = engine.platform().start_sampling_timer(period) {
            // The buffer stays with the stopped profiler: nothing sampled.
            let _ = profiler.finish();
            return Err(e.into());
        }
        Ok(profiler)
    }

    /// Stop sampling and map the samples to Wasm functions; the buffer
    /// comes back for the next run.
    pub fn finish(self) -> (Profile, &'static mut [usize]) {
        // A board that could not start the timer has nothing to stop.
        let _ = self.engine.platform().start_sampling_timer(0);
        BUFFER.store(core::ptr::null_mut(), Ordering::Release);
        // SAFETY: the pointer and length came from a `&'static mut [usize]`
        // given to `start`; the interrupt no longer writes to it (the timer
        // is stopped and the buffer unpublished), so this is its only user.
        let buffer = unsafe { core::slice::from_raw_parts_mut(self.buffer, self.capacity) };
        let used = USED.load(Ordering::Acquire).min(buffer.len());
        let mut stacks: BTreeMap<Vec<String>, u64> = BTreeMap::new();
        let mut samples = 0;
        let mut at = 0;
        while at < used {
            let word = buffer[at];
            let len = (word & !TRUNCATED).min(used - at - 1);
            let pcs = &buffer[at + 1..at + 1 + len];
            // Outermost first, as the folded format wants.
            let mut stack: Vec<String> = Vec::with_capacity(len + 1);
            if word & TRUNCATED != 0 {
                stack.push(String::from("[truncated]"));
            }
            for (i, &pc) in pcs.iter().enumerate().rev() {
                if let Some(frame) = crate::code::frame_info(pc, i == 0) {
                    let mut name = String::new();
                    let _ = write!(name, "{}", frame.display_name());
                    // `;` separates frames in the folded format.
                    stack.push(name.replace(';', ":"));
                }
            }
            *stacks.entry(stack).or_default() += 1;
            samples += 1;
            at += 1 + len;
        }
        let host = HOST.load(Ordering::Relaxed);
        if host > 0 {
            stacks.insert(alloc::vec![String::from("[host]")], host);
        }
        let profile = Profile {
            stacks: stacks.into_iter().collect(),
            samples: samples + host,
            dropped: DROPPED.load(Ordering::Relaxed),
        };
        RUNNING.store(false, Ordering::Release);
        (profile, buffer)
    }
}

/// The runtime's sampling hook, called from the platform's timer
/// interrupt: record the Wasm stack the interrupt found, if any.
fn sample(at: &Interrupted) {
    let buffer = BUFFER.load(Ordering::Acquire);
    if buffer.is_null() {
        return;
    }
    let act = crate::enter::current();
    if act.is_null() {
        return; // No Wasm call in progress: not guest time.
    }
    let Some(regions) = crate::code::try_regions() else {
        return;
    };
    if !regions.iter().any(|r| (r.start..r.end).contains(&at.pc)) {
        HOST.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if !in_wasm_function(&regions, at.pc, true) {
        // A trampoline between host and Wasm: count it with the host.
        HOST.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let used = USED.load(Ordering::Relaxed);
    let capacity = CAPACITY.load(Ordering::Relaxed);
    if capacity.saturating_sub(used) < 2 {
        DROPPED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let room = (capacity - used - 1).min(MAX_FRAMES);
    let mut len = 0;
    let start = Start {
        pc: at.pc,
        fp: at.fp,
        low: at.sp,
        exact: true,
        lr: Some(at.lr),
    };
    // SAFETY: the interrupted code is Wasm of the innermost activation
    // `act`, suspended with its stack intact while we run; the records go
    // to `buffer[used + 1..used + 1 + room]`, inside the buffer the
    // profiler owns, which nothing else touches until `finish` (which
    // stops the timer and unpublishes the buffer first).
    let complete = unsafe {
        backtrace::walk(&regions, start, act, |pc| {
            if len == room {
                return false;
            }
            *buffer.add(used + 1 + len) = pc;
            len += 1;
            true
        })
    };
    let word = if complete { len } else { len | TRUNCATED };
    // SAFETY: `used < capacity`, checked above.
    unsafe { *buffer.add(used) = word };
    USED.store(used + 1 + len, Ordering::Release);
}

/// Samples mapped to Wasm functions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    stacks: Vec<(Vec<String>, u64)>,
    samples: u64,
    dropped: u64,
}

impl Profile {
    /// Every distinct stack (function names, outermost first) and how many
    /// samples found it. `[host]` counts samples in Rust code called from
    /// Wasm (host functions, libcalls); `[truncated]` starts stacks deeper
    /// than [`MAX_FRAMES`].
    pub fn stacks(&self) -> &[(Vec<String>, u64)] {
        &self.stacks
    }

    /// Samples taken while Wasm (or host code it called) ran.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Samples lost because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The folded-stack format (`outer;middle;inner COUNT` per line) that
    /// `flamegraph.pl` and `inferno` read.
    pub fn folded(&self) -> String {
        let mut out = String::new();
        for (stack, count) in &self.stacks {
            let _ = writeln!(out, "{} {count}", stack.join(";"));
        }
        out
    }
}
