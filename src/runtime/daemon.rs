//! `-D` / `daemon`: detach from the terminal (management.txt 3 "-D"). `fork(2)`, `setsid(2)`,
//! `dup2(2)` and `_exit(2)` have no safe std equivalent, so this file is one of the three that
//! hold `unsafe` (with `runtime/limits.rs`, rlimits, and `proxy/listener.rs`, `fd@N` adoption),
//! each block with its `// SAFETY:` comment.
//!
//! Must be called before the tokio runtime (or any other thread) starts.

use std::io;

/// What `fork` made of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forked {
    /// We are the detached child: go on and serve.
    Child,
}

/// Forks; the parent writes the child's pid to `pidfile` (as HAProxy does, so the file is
/// there when the command returns) and exits 0, the child starts a new session and points its
/// standard streams to /dev/null. Returns only in the child.
#[allow(unsafe_code)]
pub fn daemonize(pidfile: Option<&std::path::Path>) -> io::Result<Forked> {
    // SAFETY: called from main before the tokio runtime or any other thread exists, so the
    // process is single-threaded and the child inherits a consistent memory image.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid > 0 {
        let status = match pidfile {
            Some(path) => match std::fs::write(path, format!("{pid}\n")) {
                Ok(()) => 0,
                Err(_) => 1,
            },
            None => 0,
        };
        // SAFETY: `_exit` ends the parent immediately without running destructors or atexit
        // handlers that belong to the child too; no other thread exists.
        unsafe { libc::_exit(status) };
    }
    // SAFETY: plain system call on our own process, no memory is passed.
    if unsafe { libc::setsid() } < 0 {
        return Err(io::Error::last_os_error());
    }
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    use std::os::fd::AsRawFd;
    for fd in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors with a valid open fd we own.
        if unsafe { libc::dup2(null.as_raw_fd(), fd) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(Forked::Child)
}
