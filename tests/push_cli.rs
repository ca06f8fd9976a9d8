//! The `push` and `outbox` commands against the LeanIX simulator: `push --setup` installs the
//! processor configuration and pushes nothing; `push` delivers, and items LeanIX warned about
//! are shown by `outbox` with LeanIX's message.

mod common;

use std::process::Command;

use common::{client_creds, fresh_db, sync_settings, tenant};
use netsuite_discovery::discovery::sync_tenant;
use nsd_simulator::leanix::{Endpoint, LeanixFault, LeanixSim, LeanixSimConfig, DEFAULT_API_TOKEN};
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

/// Runs the binary with `args` and `envs` off the runtime's threads; (exit code, output).
async fn run(args: &[&str], envs: &[(String, String)]) -> (i32, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let envs = envs.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_netsuite-discovery"));
        c.args(&args).env_remove("DATABASE_URL").env("NSD__LOG__LEVEL", "error");
        for (k, v) in envs {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_push_and_outbox_show_what_landed_and_what_did_not() {
    common::init_logs();
    let account = AccountId::parse("8800003").unwrap();
    let ns = Simulator::new(SimConfig::default());
    ns.add_account(AccountSpec::new(account.clone(), 47).with_vendors(40)).unwrap();
    let ns_running = ns.clone().spawn().await.unwrap();
    let lx = LeanixSim::new(LeanixSimConfig::default()).spawn().await.unwrap();
    let db = fresh_db().await;
    let t = tenant("acme", client_creds(ns.credentials(&account).unwrap()), &ns_running.endpoint(), 1000);
    sync_tenant(&db.store, &t, &sync_settings(), CancellationToken::new(), "test").await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acme.toml"),
        format!(
            "tenant_id = \"acme\"\naccount_id = \"{account}\"\nallow_insecure_endpoint = true\n\n[push]\nenabled = true\n\
             base_url = \"{}\"\nconnector_id = \"netsuite-discovery-acme\"\n",
            lx.base_url()
        ),
    )
    .unwrap();
    let envs: Vec<(String, String)> = [
        ("NSD__TENANTS_DIR", dir.path().to_str().unwrap()),
        ("NSD_ACME_CONSUMER_KEY", "k"),
        ("NSD_ACME_CONSUMER_SECRET", "s"),
        ("NSD_ACME_TOKEN_ID", "t"),
        ("NSD_ACME_TOKEN_SECRET", "u"),
        ("NSD_ACME_LEANIX_API_TOKEN", DEFAULT_API_TOKEN),
        ("NSD__PUSH__POLL_BASE_MS", "5"),
        ("NSD__PUSH__POLL_MAX_MS", "20"),
        ("DATABASE_URL", db.url.as_str()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();

    let (code, out) = run(&["push", "--tenant", "acme", "--setup"], &envs).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("installed"), "{out}");
    assert_eq!(lx.simulator().configurations().len(), 1);
    assert!(lx.simulator().runs().is_empty(), "--setup pushes nothing");
    let (code, out) = run(&["push", "--tenant", "acme", "--setup"], &envs).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("unchanged"), "{out}");

    lx.simulator().push_faults(Endpoint::Start, vec![LeanixFault::ignore_items(3, "Provider name is not unique")]);
    let (code, out) = run(&["push", "--tenant", "acme"], &envs).await;
    assert_eq!(code, 2, "rejected items make exit code 2: {out}");
    assert!(out.contains("pushed 37 items") && out.contains("3 rejected"), "{out}");

    let (code, out) = run(&["outbox", "--tenant", "acme"], &envs).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("Provider name is not unique").count(), 3, "{out}");
    assert!(out.contains("rejected") && out.contains("dead letters: none"), "{out}");
}
