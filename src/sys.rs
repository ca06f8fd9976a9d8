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
/// it stays flat (47 MiB at 100,000 and 300,000). Called first thing in `main`; nothing
/// elsewhere than glibc.
pub fn release_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only sets one of the allocator's tunables (under its own lock); the
        // value is a constant within its range.
        let done = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING_FROM as libc::c_int) };
        if done != 1 {
            eprintln!("warning: glibc refused M_MMAP_THRESHOLD; memory use may grow with large pulls");
        }
    }
}

/// The smallest block that gets a mapping of its own (see [`release_large_blocks`]).
pub const OWN_MAPPING_FROM: usize = 256 * 1024;

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
