//! What the operating system tells us or does for us: the process's peak memory, how the C
//! allocator gives memory back, and the shutdown signals. The lowest layer; imports nothing of
//! ours.

use tokio_util::sync::CancellationToken;

/// Peak resident set size of this process in KiB (`VmHWM`), where the OS reports it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Has glibc's malloc serve every block of [`OWN_MAPPING_FROM`] or more with a mapping of its
/// own, given back to the OS when freed. By default glibc raises that threshold to the largest
/// block freed so far (up to 32 MiB); a pull frees page-sized blocks (response bodies, parsed
/// pages, statements) from the first page on, after which such blocks were carved from its
/// per-thread arenas, whose freed holes stay resident: the `sync` process's peak RSS grew with
/// the account (56 MiB at 100,000 transactions, 63 MiB at 1,000,000). With the threshold fixed
/// it stays flat (47 MiB at 100,000 and 300,000).
///
/// Fixing that threshold also fixes the one above which glibc gives back the free top of a
/// heap (128 KiB). A page parsed and converted frees its records all at once (2.7 MB for 1,000
/// transactions with lines); at 128 KiB that memory went back to the OS after every page and
/// was faulted in again, zeroed, by the next (about 690 faults a transaction page, a quarter
/// of its parse time). Up to [`KEPT_FREE_AT_TOP`] now stays for the next page.
///
/// Called first thing in `main` (and by the benches, to measure what the daemon runs);
/// nothing elsewhere than glibc.
pub fn release_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        for (param, value, name) in [
            (libc::M_MMAP_THRESHOLD, OWN_MAPPING_FROM, "M_MMAP_THRESHOLD"),
            (libc::M_TRIM_THRESHOLD, KEPT_FREE_AT_TOP, "M_TRIM_THRESHOLD"),
        ] {
            // SAFETY: `mallopt` only sets one of the allocator's tunables (under its own
            // lock); the value is a constant within its range.
            let done = unsafe { libc::mallopt(param, value as libc::c_int) };
            if done != 1 {
                eprintln!("warning: glibc refused {name}; memory use or speed may suffer on large pulls");
            }
        }
    }
}

/// The smallest block that gets a mapping of its own (see [`release_large_blocks`]).
pub const OWN_MAPPING_FROM: usize = 256 * 1024;

/// How much free memory at the top of a heap glibc keeps instead of giving it back (see
/// [`release_large_blocks`]): more than one page of parsed records.
pub const KEPT_FREE_AT_TOP: usize = 4 * 1024 * 1024;

/// Waits for SIGINT or SIGTERM, then cancels `token`.
pub fn cancel_on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    token.cancel();
                    return;
                }
            };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutdown requested");
        token.cancel();
    });
}
