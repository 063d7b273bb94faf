//! The PL011 console (at the machine's `UART_BASE`) and the
//! `print!`/`println!` macros.
//!
//! One driver instance lives behind a spin lock. The crash paths (exception
//! handler, panic handler) never return to the interrupted code, so they may
//! break the lock with [`emergency`] instead of deadlocking on a writer they
//! interrupted.

use arm_pl011_uart::{
    DataBits, LineConfig, PL011Registers, Parity, StopBits, Uart, UniqueMmioPointer,
};
use core::fmt::{self, Write};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};
use spin::{Mutex, MutexGuard};

use crate::machine::{UART_BASE, UART_CLOCK_HZ};

const BAUD_RATE: u32 = 115_200;

static CONSOLE: Mutex<Option<Uart<'static>>> = Mutex::new(None);

/// Set up the UART. Called once from `main` before anything prints.
pub fn init() {
    let base = NonNull::new(UART_BASE as *mut PL011Registers).expect("non-null constant");
    // SAFETY: UART_BASE is the machine's PL011 register block; it stays
    // mapped (identity, Device memory) for the program's lifetime and this is
    // the only pointer to it ever made, since `init` runs once from `main`.
    let regs = unsafe { UniqueMmioPointer::new(base) };
    let mut uart = Uart::new(regs);
    let config = LineConfig {
        data_bits: DataBits::Bits8,
        parity: Parity::None,
        stop_bits: StopBits::One,
    };
    // QEMU accepts any divisor; on failure the UART still transmits.
    let _ = uart.enable(config, BAUD_RATE, UART_CLOCK_HZ);
    *CONSOLE.lock() = Some(uart);
}

/// Writer that holds the console lock for the duration of one `print!`.
pub struct Console<'a>(MutexGuard<'a, Option<Uart<'static>>>);

impl Write for Console<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.0.as_mut() {
            Some(uart) => uart.write_str(s),
            None => Ok(()),
        }
    }
}

/// The console for code that will not return to what it interrupted
/// (crash reports): takes the lock even if an interrupted writer holds it.
pub fn emergency() -> Console<'static> {
    if CONSOLE.is_locked() {
        // SAFETY: single core; the lock holder was interrupted by the
        // exception or panic that calls us and is never resumed (the caller
        // exits), so nobody else will touch the UART. At worst a half-written
        // line precedes the report.
        unsafe { CONSOLE.force_unlock() };
    }
    Console(CONSOLE.lock())
}

/// Whether the last byte [`write_bytes`] sent ended a line, so a status
/// line after guest output can start on a line of its own.
static AT_LINE_START: AtomicBool = AtomicBool::new(true);

/// Write raw bytes (WASI stdout/stderr: not necessarily UTF-8).
pub fn write_bytes(bytes: &[u8]) {
    let Some(last) = bytes.last() else { return };
    if let Some(uart) = CONSOLE.lock().as_mut() {
        for &b in bytes {
            while uart.is_tx_fifo_full() {}
            uart.write_word(b);
        }
    }
    AT_LINE_START.store(*last == b'\n', Ordering::Relaxed);
}

/// Whether the console is at the start of a line after [`write_bytes`].
pub fn at_line_start() -> bool {
    AT_LINE_START.load(Ordering::Relaxed)
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    let _ = Console(CONSOLE.lock()).write_fmt(args);
}

/// Print to the PL011 console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::_print(format_args!($($arg)*)) };
}

/// Print a line to the PL011 console.
#[macro_export]
macro_rules! println {
    () => { $crate::console::_print(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::console::_print(format_args!("{}\n", format_args!($($arg)*))) };
}
