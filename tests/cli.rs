//! The binary's answers to bad configuration: exit non-zero, naming the file and the key.

mod common;

use std::process::Command;

fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netsuite-discovery"));
    c.args(args).env_remove("DATABASE_URL").env("NSD__LOG__LEVEL", "error");
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

#[test]
fn bad_tenant_files_name_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    std::fs::write(dir.path().join("acme.toml"), "tenant_id = \"acme\"\naccount_id = \"1234567\"\npage_sise = 10\n")
        .unwrap();
    let (code, out) = run(&["sync", "--tenant", "acme"], &[("NSD__TENANTS_DIR", d)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("acme.toml") && out.contains("page_sise"), "{out}");

    std::fs::write(dir.path().join("acme.toml"), "tenant_id = \"acme\"\naccount_id = \"1234567\"\n").unwrap();
    let (code, out) = run(&["sync", "--tenant", "acme"], &[("NSD__TENANTS_DIR", d)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("acme.toml") && out.contains("credentials.consumer_key") && out.contains("NSD_ACME_CONSUMER_KEY"),
        "{out}"
    );

    std::fs::write(dir.path().join("acme.toml"), "tenant_id = \"acme\"\naccount_id = \"12-34\"\n").unwrap();
    let (code, out) = run(&["sync", "--tenant", "acme"], &[("NSD__TENANTS_DIR", d)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("acme.toml") && out.contains("account_id"), "{out}");

    // A file whose tenant_id is not its name is refused, naming both.
    std::fs::write(dir.path().join("acme.toml"), "tenant_id = \"acme-eu\"\naccount_id = \"1234567\"\n").unwrap();
    let (code, out) = run(&["sync", "--tenant", "acme"], &[("NSD__TENANTS_DIR", d)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("acme.toml") && out.contains("tenant_id") && out.contains("acme-eu.toml"), "{out}");

    let (code, out) = run(&["sync", "--tenant", "nobody"], &[("NSD__TENANTS_DIR", d)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nobody.toml"), "{out}");
}

#[test]
fn bad_settings_file_names_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("settings.toml");
    std::fs::write(&f, "[sync]\npage_size = 2\n").unwrap();
    let (code, out) = run(&["--config", f.to_str().unwrap(), "migrate"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("settings.toml") && out.contains("sync.page_size"), "{out}");

    std::fs::write(&f, "[sync]\npage_sizee = 20\n").unwrap();
    let (code, out) = run(&["--config", f.to_str().unwrap(), "migrate"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("settings.toml") && out.contains("page_sizee"), "{out}");
}

/// `outbox` reports counts, the oldest pending change and dead letters; `push` refuses a
/// tenant whose push is off, naming the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_and_push_commands() {
    let db = common::fresh_db().await;
    sqlx::query("INSERT INTO outbox (tenant_id, entity, internal_id, content_hash) VALUES ('acme', 'services', '1', 'h'), ('acme', 'services', '2', 'h')")
        .execute(db.store.pool())
        .await
        .unwrap();
    let (code, out) = run(&["outbox"], &[("DATABASE_URL", db.url.as_str())]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("acme") && out.contains("services") && out.contains("pending") && out.contains(" 2"), "{out}");
    assert!(out.contains("oldest pending change of acme") && out.contains("dead letters: none"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.toml"), "tenant_id = \"acme\"\naccount_id = \"1\"\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let envs = [
        ("NSD__TENANTS_DIR", d),
        ("NSD_ACME_CONSUMER_KEY", "k"),
        ("NSD_ACME_CONSUMER_SECRET", "s"),
        ("NSD_ACME_TOKEN_ID", "t"),
        ("NSD_ACME_TOKEN_SECRET", "u"),
        ("DATABASE_URL", db.url.as_str()),
    ];
    let (code, out) = run(&["push", "--tenant", "acme"], &envs);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("acme.toml") && out.contains("push.enabled"), "{out}");
}

/// Human logs piped into a file or a collector carry no colour codes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piped_logs_have_no_colour() {
    let db = common::fresh_db().await;
    let (code, out) = run(
        &["migrate"],
        &[("DATABASE_URL", db.url.as_str()), ("NSD__LOG__LEVEL", "info"), ("NSD__LOG__FORMAT", "human")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("migrations applied") && out.contains("INFO"), "{out}");
    assert!(!out.contains("\x1b["), "ANSI escape codes in piped logs: {out:?}");
}

/// A database that is not there: exit 1 within seconds, naming host and port.
#[test]
fn unreachable_database_fails_fast_naming_it() {
    let started = std::time::Instant::now();
    let (code, out) = run(&["migrate"], &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nsd")]);
    assert_eq!(code, 1, "{out}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(out.contains("127.0.0.1:1"), "{out}");
}
