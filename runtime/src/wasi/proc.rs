//! The process-level functions with real behaviour: arguments and
//! environment, clocks, randomness, exit, yield and sleeping.

use super::errno::{Errno, CLOCK_REALTIME, CLOCK_THREAD_CPUTIME};
use super::guest;
use super::{Args, Env, Fail, Outcome};
use crate::trap::Trap;
use alloc::vec::Vec;
use basalt_platform::DeviceError;

/// `*_sizes_get(count, buf_size)`: entry count and bytes with NULs.
fn list_sizes(list: &[Vec<u8>], mem: &mut [u8], a: &Args<'_>) -> Outcome {
    let size: usize = list.iter().map(|s| s.len() + 1).sum();
    let size = u32::try_from(size).map_err(|_| Errno::OVERFLOW)?;
    guest::write_u32(mem, a.u32(0), list.len() as u32)?;
    guest::write_u32(mem, a.u32(1), size)?;
    Ok(())
}

/// `*_get(pointers, buf)`: NUL-terminated strings packed into `buf`, a
/// pointer to each in `pointers`, the layout `*_sizes_get` sized.
fn list_get(list: &[Vec<u8>], mem: &mut [u8], a: &Args<'_>) -> Outcome {
    let (mut slot, mut at) = (a.u32(0), a.u32(1));
    for s in list {
        guest::write_u32(mem, slot, at)?;
        let len = u32::try_from(s.len() + 1).map_err(|_| Errno::OVERFLOW)?;
        let dst = guest::bytes_mut(mem, at, len)?;
        dst[..s.len()].copy_from_slice(s);
        dst[s.len()] = 0;
        slot = slot.checked_add(4).ok_or(Errno::FAULT)?;
        at = at.checked_add(len).ok_or(Errno::FAULT)?;
    }
    Ok(())
}

/// `args_sizes_get(argc, argv_buf_size)`.
pub fn args_sizes_get(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    list_sizes(&env.ctx.args, env.mem, a)
}

/// `args_get(argv, argv_buf)`.
pub fn args_get(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    list_get(&env.ctx.args, env.mem, a)
}

/// `environ_sizes_get(count, buf_size)`.
pub fn environ_sizes_get(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    list_sizes(&env.ctx.env, env.mem, a)
}

/// `environ_get(environ, environ_buf)`.
pub fn environ_get(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    list_get(&env.ctx.env, env.mem, a)
}

/// Nanoseconds since boot on the platform clock.
fn now_ns(env: &Env<'_>) -> u64 {
    let hz = env.platform.tick_hz().max(1) as u128;
    (env.platform.ticks() as u128 * 1_000_000_000 / hz) as u64
}

/// The clock in parameter 0, or `EINVAL` for an unknown id.
fn clock_id(a: &Args<'_>) -> Result<u32, Errno> {
    let id = a.u32(0);
    if id <= CLOCK_THREAD_CPUTIME {
        Ok(id)
    } else {
        Err(Errno::INVAL)
    }
}

/// `clock_res_get(id, resolution)`: one platform tick, rounded up to ns.
pub fn clock_res_get(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    clock_id(a)?;
    let hz = env.platform.tick_hz().max(1);
    guest::write_u64(env.mem, a.u32(1), 1_000_000_000u64.div_ceil(hz).max(1))?;
    Ok(())
}

/// `clock_time_get(id, precision, time)`. Every clock is the platform
/// counter: the monotonic clock as is, the CPU-time clocks too (the
/// program is the only thing the core runs), the real-time clock offset
/// by [`super::WasiCtx::realtime_base`].
pub fn clock_time_get(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    let id = clock_id(a)?;
    let mut t = now_ns(env);
    if id == CLOCK_REALTIME {
        t = t.saturating_add(env.ctx.realtime_base_ns);
    }
    guest::write_u64(env.mem, a.u32(2), t)?;
    Ok(())
}

/// `random_get(buf, len)` from [`basalt_platform::Platform::random`].
pub fn random_get(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    let buf = guest::bytes_mut(env.mem, a.u32(0), a.u32(1))?;
    env.platform.random(buf).map_err(|e| match e {
        DeviceError::Unsupported => Errno::NOSYS,
        _ => Errno::IO,
    })?;
    Ok(())
}

/// `proc_exit(code)`: record the code, then unwind out of Wasm with
/// [`Trap::Exit`] so no guest code runs after it.
pub fn proc_exit(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    env.ctx.exit_code = Some(a.u32(0));
    Err(Fail::Trap(Trap::Exit))
}

/// `sched_yield()`: the program is alone on the core; nothing to yield to.
pub fn sched_yield(_env: &mut Env<'_>, _a: &Args<'_>) -> Outcome {
    Ok(())
}

/// Size of a `subscription` (userdata u64 at 0, tag u8 at 8, clock id u32
/// at 16, timeout u64 at 24, precision u64 at 32, flags u16 at 40).
const SUBSCRIPTION: u32 = 48;
/// Size of an `event` (userdata u64 at 0, error u16 at 8, type u8 at 10,
/// fd_readwrite nbytes u64 at 16, flags u16 at 24).
const EVENT: u32 = 32;
/// `subclockflags::subscription_clock_abstime`.
const ABSTIME: u16 = 1;

/// `poll_oneoff(in, out, nsubscriptions, nevents)`: descriptor
/// subscriptions are ready at once (stdio never blocks: writes go to the
/// console, reads hit the buffer or EOF), so they are reported without
/// waiting; with none, the core spins on the platform clock until the
/// earliest clock subscription expires — this is what `sleep` is — under
/// the store's epoch deadline and fuel ([`Env::wait_until`]). It is the only
/// WASI call that waits.
/// Most subscriptions one `poll_oneoff` may pass.
const MAX_SUBSCRIPTIONS: u32 = 256;

pub fn poll_oneoff(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    let (input, out, n) = (a.u32(0), a.u32(1), a.u32(2));
    // Bounded so a guest cannot size a host allocation; libcs pass a few.
    if n == 0 || n > MAX_SUBSCRIPTIONS {
        return Err(Errno::INVAL.into());
    }
    let len = n.checked_mul(SUBSCRIPTION).ok_or(Errno::FAULT)?;
    let subs = guest::bytes(env.mem, input, len)?.to_vec();
    let field = |s: &[u8], at: usize, w: usize| {
        let mut b = [0u8; 8];
        b[..w].copy_from_slice(&s[at..at + w]);
        u64::from_le_bytes(b)
    };
    let now = now_ns(env);
    // Per subscription: (userdata, type, errno, deadline if a clock).
    let mut events = Vec::with_capacity(n as usize);
    for s in subs.chunks_exact(SUBSCRIPTION as usize) {
        let (userdata, tag) = (field(s, 0, 8), s[8]);
        let (errno, deadline) = match tag {
            0 => {
                let id = field(s, 16, 4) as u32;
                let timeout = field(s, 24, 8);
                if id > CLOCK_THREAD_CPUTIME {
                    (Errno::INVAL, None)
                } else if field(s, 40, 2) as u16 & ABSTIME != 0 {
                    let base = if id == CLOCK_REALTIME {
                        env.ctx.realtime_base_ns
                    } else {
                        0
                    };
                    (Errno::SUCCESS, Some(timeout.saturating_sub(base)))
                } else {
                    (Errno::SUCCESS, Some(now.saturating_add(timeout)))
                }
            }
            1 | 2 => {
                let fd = field(s, 16, 4) as u32;
                let ok = env.ctx.is_open(fd) && (fd == 0) == (tag == 1);
                (if ok { Errno::SUCCESS } else { Errno::BADF }, None)
            }
            _ => (Errno::INVAL, None),
        };
        events.push((userdata, tag, errno, deadline));
    }
    let immediate = events.iter().any(|e| e.3.is_none());
    let wake = if immediate {
        now
    } else {
        let earliest = events.iter().filter_map(|e| e.3).min().unwrap_or(now);
        // Waiting is guest time: epoch deadline and fuel apply.
        env.wait_until(now, earliest, now_ns)?;
        now_ns(env)
    };
    let mut count = 0u32;
    for (userdata, tag, errno, deadline) in events {
        if deadline.is_some_and(|d| d > wake) {
            continue;
        }
        let at = out.checked_add(count * EVENT).ok_or(Errno::FAULT)?;
        let ev = guest::bytes_mut(env.mem, at, EVENT)?;
        ev.fill(0);
        ev[0..8].copy_from_slice(&userdata.to_le_bytes());
        ev[8..10].copy_from_slice(&errno.0.to_le_bytes());
        ev[10] = tag;
        count += 1;
    }
    guest::write_u32(env.mem, a.u32(3), count)?;
    Ok(())
}
