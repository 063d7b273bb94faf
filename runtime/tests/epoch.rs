//! The epoch belongs to its engine: `increment_epoch` advances only that
//! engine's counter, the board's timer tick (`dispatch_epoch_tick`) the
//! latest engine's, and a dropped engine is never ticked. One test in its
//! own binary, because the platform's registered counter is process-wide.

use basalt::Engine;
use basalt_platform::{dispatch_epoch_tick, LoadOnly};

static PLATFORM: LoadOnly = LoadOnly;

fn engine() -> Engine {
    Engine::new(&PLATFORM, Box::leak(vec![0u8; 1 << 16].into_boxed_slice()))
}

#[test]
fn each_engine_owns_its_epoch() {
    let first = engine();
    first.increment_epoch();
    first.increment_epoch();
    assert_eq!(first.epoch(), 2);
    dispatch_epoch_tick();
    assert_eq!(first.epoch(), 3, "the timer ticks the registered engine");

    let second = engine();
    assert_eq!(second.epoch(), 0, "a new engine starts its own count");
    dispatch_epoch_tick();
    second.increment_epoch();
    assert_eq!((first.epoch(), second.epoch()), (3, 2));

    // Dropping the older engine leaves the newer one registered.
    drop(first);
    dispatch_epoch_tick();
    assert_eq!(second.epoch(), 3);

    // A clone keeps the counter alive and shared.
    let clone = second.clone();
    drop(second);
    dispatch_epoch_tick();
    assert_eq!(clone.epoch(), 4);

    // After the last handle is gone the tick touches nothing (Miri or a
    // sanitizer would flag a write to the freed counter).
    drop(clone);
    dispatch_epoch_tick();
}
