//! Every function of `wasi_snapshot_preview1`: name, signature and what it
//! does. Those without real behaviour on a board (files, sockets, signals)
//! answer with the errno a libc expects from a system without them, so any
//! WASI module links and its error paths run.

use super::errno::Errno;
use super::{proc, stdio, Body};

/// What a function does.
pub enum Kind {
    /// Real behaviour.
    Real(Body),
    /// An operation on the descriptor in parameter `at`: `EBADF` if it is
    /// not open, else `errno` (what the operation gives on a stdio stream).
    OnFd {
        /// Parameter index of the descriptor.
        at: u8,
        /// Answer for an open (stdio) descriptor.
        errno: Errno,
    },
    /// Always `errno`.
    Fixed(Errno),
}

/// One import: name, parameter types (`i` = i32, `I` = i64), behaviour.
/// All return an `i32` errno except `proc_exit`, which returns nothing.
pub struct Def {
    /// Field name in `wasi_snapshot_preview1`.
    pub name: &'static str,
    /// Parameter types, one letter each.
    pub params: &'static str,
    /// Behaviour.
    pub kind: Kind,
}

const fn real(name: &'static str, params: &'static str, body: Body) -> Def {
    Def {
        name,
        params,
        kind: Kind::Real(body),
    }
}

const fn on_fd(name: &'static str, params: &'static str, at: u8, errno: Errno) -> Def {
    Def {
        name,
        params,
        kind: Kind::OnFd { at, errno },
    }
}

const fn fixed(name: &'static str, params: &'static str, errno: Errno) -> Def {
    Def {
        name,
        params,
        kind: Kind::Fixed(errno),
    }
}

/// Path functions take a directory descriptor; stdio is not a directory.
const PATH: Errno = Errno::NOTDIR;

/// The whole module, in the order of the preview-1 witx.
pub const FUNCTIONS: &[Def] = &[
    real("args_get", "ii", proc::args_get),
    real("args_sizes_get", "ii", proc::args_sizes_get),
    real("environ_get", "ii", proc::environ_get),
    real("environ_sizes_get", "ii", proc::environ_sizes_get),
    real("clock_res_get", "ii", proc::clock_res_get),
    real("clock_time_get", "iIi", proc::clock_time_get),
    on_fd("fd_advise", "iIIi", 0, Errno::SPIPE),
    on_fd("fd_allocate", "iII", 0, Errno::SPIPE),
    real("fd_close", "i", stdio::fd_close),
    on_fd("fd_datasync", "i", 0, Errno::INVAL),
    real("fd_fdstat_get", "ii", stdio::fd_fdstat_get),
    on_fd("fd_fdstat_set_flags", "ii", 0, Errno::NOSYS),
    on_fd("fd_fdstat_set_rights", "iII", 0, Errno::NOSYS),
    real("fd_filestat_get", "ii", stdio::fd_filestat_get),
    on_fd("fd_filestat_set_size", "iI", 0, Errno::INVAL),
    on_fd("fd_filestat_set_times", "iIIi", 0, Errno::NOSYS),
    on_fd("fd_pread", "iiiIi", 0, Errno::SPIPE),
    real("fd_prestat_get", "ii", stdio::no_preopen),
    real("fd_prestat_dir_name", "iii", stdio::no_preopen),
    on_fd("fd_pwrite", "iiiIi", 0, Errno::SPIPE),
    real("fd_read", "iiii", stdio::fd_read),
    on_fd("fd_readdir", "iiiIi", 0, Errno::NOTDIR),
    on_fd("fd_renumber", "ii", 0, Errno::NOSYS),
    real("fd_seek", "iIii", stdio::fd_seek),
    on_fd("fd_sync", "i", 0, Errno::INVAL),
    real("fd_tell", "ii", stdio::fd_seek),
    real("fd_write", "iiii", stdio::fd_write),
    on_fd("path_create_directory", "iii", 0, PATH),
    on_fd("path_filestat_get", "iiiii", 0, PATH),
    on_fd("path_filestat_set_times", "iiiiIIi", 0, PATH),
    on_fd("path_link", "iiiiiii", 0, PATH),
    on_fd("path_open", "iiiiiIIii", 0, PATH),
    on_fd("path_readlink", "iiiiii", 0, PATH),
    on_fd("path_remove_directory", "iii", 0, PATH),
    on_fd("path_rename", "iiiiii", 0, PATH),
    on_fd("path_symlink", "iiiii", 2, PATH),
    on_fd("path_unlink_file", "iii", 0, PATH),
    real("poll_oneoff", "iiii", proc::poll_oneoff),
    real("proc_exit", "i", proc::proc_exit),
    fixed("proc_raise", "i", Errno::NOSYS),
    real("sched_yield", "", proc::sched_yield),
    real("random_get", "ii", proc::random_get),
    on_fd("sock_accept", "iii", 0, Errno::NOTSOCK),
    on_fd("sock_recv", "iiiiii", 0, Errno::NOTSOCK),
    on_fd("sock_send", "iiiii", 0, Errno::NOTSOCK),
    on_fd("sock_shutdown", "ii", 0, Errno::NOTSOCK),
];
