//! Process limits: like HAProxy (which sets `ulimit-n` from `maxconn`), the soft limit on
//! open files is raised to the hard limit at startup so that many concurrent connections do
//! not fail with EMFILE (configuration.txt 3.2 "ulimit-n", "maxconn").

use std::io;

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
pub fn raise_nofile() -> io::Result<u64> {
    let (soft, hard) = nofile()?;
    if soft >= hard {
        return Ok(soft);
    }
    set_nofile(hard, hard)?;
    Ok(hard)
}

/// The current (soft, hard) RLIMIT_NOFILE.
#[allow(unsafe_code)]
fn nofile() -> io::Result<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes into the rlimit struct we own and pass by pointer.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((r.rlim_cur, r.rlim_max))
}

#[allow(unsafe_code)]
fn set_nofile(soft: u64, hard: u64) -> io::Result<()> {
    let r = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit only reads the rlimit struct we own and pass by pointer.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_the_file_limit_reaches_the_hard_limit() {
        let (_, hard) = nofile().unwrap();
        assert_eq!(raise_nofile().unwrap(), hard);
        assert_eq!(nofile().unwrap().0, hard);
    }
}
