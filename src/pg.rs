//! A throwaway local Postgres for `demo` (and the test script) when no `DATABASE_URL` is
//! given: `initdb` into a temporary directory, `pg_ctl start` on a free port, removed on stop.
//!
//! Binaries come from `PATH` or Debian's versioned directory `/usr/lib/postgresql/<v>/bin`.
//! Postgres refuses to run as root, so as root the cluster runs as the `postgres` user.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// A running throwaway cluster. Stopped and deleted on [`LocalPostgres::stop`] or drop.
#[derive(Debug)]
pub struct LocalPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    run_as: Option<String>,
    stopped: bool,
}

fn find_bin_dir() -> Option<PathBuf> {
    if let Some(paths) = std::env::var_os("PATH") {
        for p in std::env::split_paths(&paths) {
            if p.join("initdb").is_file() && p.join("pg_ctl").is_file() {
                return Some(p);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().ok().is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl LocalPostgres {
    /// Creates and starts a cluster; fails with a clear message when Postgres is not
    /// installed (`apt-get install postgresql`).
    pub fn start() -> anyhow::Result<Self> {
        let bin = find_bin_dir().context(
            "no PostgreSQL binaries found (initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): \
             install them (Debian: apt-get install postgresql) or set DATABASE_URL",
        )?;
        let run_as = if is_root() { Some("postgres".to_string()) } else { None };
        let dir = std::env::temp_dir().join(format!("nsd-pg-{}-{}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        if let Some(user) = &run_as {
            let status = Command::new("chown").args([user.as_str(), dir.to_str().unwrap_or_default()]).status()?;
            if !status.success() {
                bail!("cannot give {} to user {user} (Postgres does not run as root)", dir.display());
            }
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let pg = Self { dir, bin, port, run_as, stopped: false };
        let data = pg.dir.join("data");
        pg.run("initdb", &["-D", path(&data)?, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])?;
        let opts = format!("-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off", path(&pg.dir)?);
        let log = pg.dir.join("postgres.log");
        pg.run("pg_ctl", &["-D", path(&data)?, "-o", &opts, "-l", path(&log)?, "-w", "-t", "60", "start"])?;
        Ok(pg)
    }

    fn run(&self, tool: &str, args: &[&str]) -> anyhow::Result<()> {
        let exe = self.bin.join(tool);
        let output = match &self.run_as {
            Some(user) => Command::new("runuser").arg("-u").arg(user).arg("--").arg(&exe).args(args).output(),
            None => Command::new(&exe).args(args).output(),
        }
        .with_context(|| format!("running {}", exe.display()))?;
        if !output.status.success() {
            bail!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout)
            );
        }
        Ok(())
    }

    /// The URL of the `postgres` database of this cluster.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the cluster and deletes its directory.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let data = self.dir.join("data");
        if let Some(d) = data.to_str() {
            let _ = self.run("pg_ctl", &["-D", d, "-m", "immediate", "-w", "stop"]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &Path) -> anyhow::Result<&str> {
    p.to_str().context("temporary path is not UTF-8")
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        self.shutdown();
    }
}
