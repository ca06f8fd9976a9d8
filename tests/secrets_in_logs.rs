//! No credential value reaches the logs, at any level (TRACE included), on success and on
//! failure paths. One test in this binary: it owns the global subscriber.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::client_creds;
use netsuite_discovery::config::{LogFormat, TenantFile};
use netsuite_discovery::discovery::sync_tenant;
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, FaultTarget, InjectedFault, SimConfig, Simulator};
use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[test]
fn no_secret_reaches_the_logs_at_trace_level() {
    let captured = Captured::default();
    let human = netsuite_discovery::telemetry::subscriber(LogFormat::Human, "trace", captured.clone());
    tracing::subscriber::set_global_default(human).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let secrets = rt.block_on(async {
        let account = AccountId::parse("1234567_SB1").unwrap();
        let sim = Simulator::new(SimConfig::default());
        sim.add_account(AccountSpec::new(account.clone(), 11).with_vendors(1_500)).unwrap();
        let running = sim.clone().spawn().await.unwrap();
        let creds = client_creds(sim.credentials(&account).unwrap());
        let db = common::fresh_db().await;
        let mut settings = common::sync_settings();
        settings.max_attempts = 3;

        // A successful onboarding with retried faults on the way, then a delta.
        sim.push_faults(FaultTarget::Any, vec![InjectedFault::ws_request_blocked(), InjectedFault::Truncated]);
        let t = common::vendor_tenant("acme", creds.clone(), &running.endpoint(), 500);
        sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();
        sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();

        // Refused credentials: the error path logs too.
        let mut bad = creds.clone();
        bad.token_secret = SecretString::from("0123456789abcdef-wrong-token-secret".to_string());
        let tb = common::vendor_tenant("acme-bad", bad, &running.endpoint(), 500);
        sync_tenant(&db.store, &tb, &settings, CancellationToken::new(), "test").await.unwrap();

        // Configuration errors name the variable, never a value.
        let file = std::path::Path::new("acme.toml");
        let err = TenantFile::parse(file, "tenant_id = \"acme\"\naccount_id = \"1\"\n")
            .unwrap()
            .resolve(file, &settings, &|k| {
                if k.ends_with("TOKEN_SECRET") {
                    None
                } else {
                    Some(creds.consumer_secret.expose_secret().to_string())
                }
            })
            .unwrap_err();
        tracing::error!(error = %err, "config error");
        tracing::debug!(credentials = ?creds, "credentials debug-printed");

        vec![
            creds.consumer_key.expose_secret().to_string(),
            creds.consumer_secret.expose_secret().to_string(),
            creds.token_id.expose_secret().to_string(),
            creds.token_secret.expose_secret().to_string(),
            "0123456789abcdef-wrong-token-secret".to_string(),
        ]
    });
    drop(rt);
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(logs.len() > 10_000, "trace logging captured little ({} bytes): the test would prove nothing", logs.len());
    assert!(logs.contains("sync run finished"));
    assert!(logs.contains("Invalid login attempt."), "the failure path was logged");
    for s in &secrets {
        assert!(s.len() >= 16);
        assert!(!logs.contains(s.as_str()), "a credential value reached the logs");
    }
}
