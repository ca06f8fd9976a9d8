//! The LeanIX Integration API simulator over real HTTP: tokens, LDIF runs from creation to
//! delivery, validation, warnings, the run list, every injected fault, the rate limit and a
//! bulk load.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use nsd_simulator::leanix::{
    Endpoint, FaultTarget, LeanixFault, LeanixSim, LeanixSimConfig, RunStatus, RunningLeanix, StatusAdvance,
    DEFAULT_API_TOKEN,
};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

async fn start_sim(cfg: LeanixSimConfig) -> RunningLeanix {
    LeanixSim::new(cfg).spawn().await.expect("simulator starts")
}

/// Status, JSON body (Null when not JSON) and headers.
struct Answer {
    status: u16,
    body: Value,
    headers: HeaderMap,
}

async fn read(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body read");
    Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), headers }
}

async fn token_request(sim: &RunningLeanix, user: &str, api_token: &str, form: &str) -> Answer {
    let basic = STANDARD.encode(format!("{user}:{api_token}"));
    let resp = reqwest::Client::new()
        .post(sim.token_url())
        .header("Authorization", format!("Basic {basic}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .expect("token request sent");
    read(resp).await
}

async fn access_token(sim: &RunningLeanix) -> String {
    let a = token_request(sim, "apitoken", DEFAULT_API_TOKEN, "grant_type=client_credentials").await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    a.body["access_token"].as_str().expect("access_token").to_string()
}

/// A client of the Integration API with one bearer token.
struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn new(sim: &RunningLeanix) -> Self {
        Self { base: sim.integration_api_url(), token: access_token(sim).await, http: reqwest::Client::new() }
    }

    async fn try_send(&self, method: reqwest::Method, path: &str, body: Option<Vec<u8>>) -> reqwest::Result<Answer> {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b);
        }
        Ok(read(req.send().await?).await)
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Vec<u8>>) -> Answer {
        self.try_send(method, path, body).await.expect("request answered")
    }

    async fn create(&self, ldif: &Value) -> Answer {
        self.send(reqwest::Method::POST, "/synchronizationRuns?start=false", Some(serde_json::to_vec(ldif).unwrap()))
            .await
    }

    async fn create_ok(&self, ldif: &Value) -> String {
        let a = self.create(ldif).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        a.body["id"].as_str().expect("run id").to_string()
    }

    async fn start(&self, id: &str) -> Answer {
        self.send(reqwest::Method::POST, &format!("/synchronizationRuns/{id}/start"), None).await
    }

    async fn status(&self, id: &str) -> Answer {
        self.send(reqwest::Method::GET, &format!("/synchronizationRuns/{id}/status"), None).await
    }

    async fn status_str(&self, id: &str) -> String {
        let a = self.status(id).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        a.body["status"].as_str().expect("status").to_string()
    }

    async fn warnings(&self, id: &str, query: &str) -> Answer {
        self.send(reqwest::Method::GET, &format!("/synchronizationRuns/{id}/warnings{query}"), None).await
    }

    async fn list(&self) -> Answer {
        self.send(reqwest::Method::GET, "/synchronizationRuns", None).await
    }

    /// Polls until a final status (at most 20 polls).
    async fn poll_to_end(&self, id: &str) -> Vec<String> {
        let mut seen = Vec::new();
        for _ in 0..20 {
            let s = self.status_str(id).await;
            let done = matches!(s.as_str(), "FINISHED" | "FAILED" | "STOPPED");
            seen.push(s);
            if done {
                break;
            }
        }
        seen
    }
}

fn items(prefix: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "type": "Service",
                "id": format!("ns:1234:vendor:{prefix}{i}"),
                "data": {"name": format!("Vendor {prefix}{i}"), "amount": i}
            })
        })
        .collect()
}

fn ldif(description: &str, content: Vec<Value>) -> Value {
    json!({
        "connectorType": "netsuite-discovery",
        "connectorId": "tenant-a",
        "connectorVersion": "1.0.0",
        "lxVersion": "1.0.0",
        "lxWorkspace": "ws-1",
        "description": description,
        "processingDirection": "inbound",
        "processingMode": "partial",
        "customFields": {"batch": description},
        "content": content
    })
}

#[tokio::test]
async fn token_flow_good_bad_and_expiry() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let good = token_request(&sim, "apitoken", DEFAULT_API_TOKEN, "grant_type=client_credentials").await;
    assert_eq!(good.status, 200);
    let b = &good.body;
    assert_eq!(b["scope"], "");
    assert_eq!(b["expired"], false);
    assert_eq!(b["token_type"], "bearer");
    assert_eq!(b["expires_in"], 3599);
    assert!(b["access_token"].as_str().is_some_and(|t| t.len() > 20));

    assert_eq!(token_request(&sim, "apitoken", "wrong", "grant_type=client_credentials").await.status, 401);
    assert_eq!(token_request(&sim, "someone", DEFAULT_API_TOKEN, "grant_type=client_credentials").await.status, 401);
    let no_auth = reqwest::Client::new().post(sim.token_url()).body("grant_type=client_credentials").send().await;
    assert_eq!(no_auth.unwrap().status().as_u16(), 401);
    let bad_grant = token_request(&sim, "apitoken", DEFAULT_API_TOKEN, "grant_type=password").await;
    assert_eq!(bad_grant.status, 400);
    assert_eq!(bad_grant.body["error"], "unsupported_grant_type");
    assert_eq!(sim.tokens_issued(), 1);

    // A token added later is accepted.
    sim.add_api_token("second");
    assert_eq!(token_request(&sim, "apitoken", "second", "grant_type=client_credentials").await.status, 200);

    // Missing, unknown, expired bearer tokens: 401.
    let api = Api::new(&sim).await;
    assert_eq!(api.list().await.status, 200);
    let raw = reqwest::Client::new().get(format!("{}/synchronizationRuns", sim.integration_api_url())).send().await;
    assert_eq!(raw.unwrap().status().as_u16(), 401);
    let stranger = Api { token: "not-issued".into(), ..Api::new(&sim).await };
    assert_eq!(stranger.list().await.status, 401);
    sim.expire_tokens();
    let expired = api.list().await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.body["status"], "ERROR");
    let api = Api::new(&sim).await;
    assert_eq!(api.list().await.status, 200);
    // Expiry by time: the clock passes the token's lifetime.
    sim.advance_clock(Duration::from_secs(3600));
    assert_eq!(api.list().await.status, 401);
    assert_eq!(Api::new(&sim).await.list().await.status, 200);
    assert_eq!(sim.tokens_issued(), 6);
    assert_eq!(sim.valid_tokens(), 1);

    // A short TTL is what expires_in says.
    let short = start_sim(LeanixSimConfig { token_ttl: Duration::from_secs(60), ..Default::default() }).await;
    let t = token_request(&short, "apitoken", DEFAULT_API_TOKEN, "grant_type=client_credentials").await;
    assert_eq!(t.body["expires_in"], 60);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn create_start_poll_to_finished_delivers_the_content() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    let content = items("a", 5);
    let doc = ldif("batch-0001", content.clone());
    let created = api.create(&doc).await;
    assert_eq!(created.status, 200);
    assert_eq!(created.body["status"], "CREATED");
    assert_eq!(created.body["description"], "batch-0001");
    let id = created.body["id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    // Not started: it stays CREATED however often it is polled.
    for _ in 0..3 {
        assert_eq!(api.status_str(&id).await, "CREATED");
    }
    assert!(sim.delivered().is_empty());

    let started = api.start(&id).await;
    assert_eq!(started.status, 200, "{:?}", started.body);
    assert_eq!(api.poll_to_end(&id).await, ["PENDING", "IN_PROGRESS", "FINISHED"]);
    assert_eq!(api.status_str(&id).await, "FINISHED");

    let delivered = sim.delivered();
    assert_eq!(delivered.len(), 5);
    for (d, c) in delivered.iter().zip(&content) {
        assert_eq!(d.run_id, id);
        assert_eq!(d.connector_id, "tenant-a");
        assert_eq!(d.connector_type, "netsuite-discovery");
        assert_eq!(d.item_type, c["type"]);
        assert_eq!(d.id, c["id"]);
        assert_eq!(d.data, c["data"]);
    }

    let runs = sim.runs();
    assert_eq!(runs.len(), 1);
    let r = &runs[0];
    assert_eq!(r.id, id);
    assert_eq!(r.description.as_deref(), Some("batch-0001"));
    assert_eq!(r.status, RunStatus::Finished);
    assert_eq!((r.connector_id.as_str(), r.connector_type.as_str()), ("tenant-a", "netsuite-discovery"));
    assert_eq!(*r.ldif, doc);
    assert!(r.started && r.delivered);
    assert_eq!(r.content_items, 5);
    assert_eq!(r.processing_mode, "partial");
    assert!(r.created_at <= sim.now());

    // Finishing again (forced) does not deliver twice.
    sim.set_run_status(&id, RunStatus::Finished).unwrap();
    assert_eq!(sim.delivered_count(), 5);

    let log = sim.request_log();
    let kinds: Vec<(Endpoint, u16)> = log.iter().map(|e| (e.endpoint, e.status)).collect();
    assert_eq!(kinds[0], (Endpoint::Token, 200));
    assert_eq!(kinds[1], (Endpoint::Create, 200));
    assert_eq!(log[1].method, "POST");
    assert_eq!(log[1].path, "/services/integration-api/v1/synchronizationRuns");
    assert_eq!(log[1].query.as_deref(), Some("start=false"));
    assert_eq!(log[1].run_id.as_deref(), Some(id.as_str()));
    assert!(kinds.contains(&(Endpoint::Start, 200)));
    assert_eq!(kinds.iter().filter(|k| k.0 == Endpoint::Status).count(), 7);
    assert!(log.iter().all(|e| !e.injected));
}

#[tokio::test]
async fn ldif_validation_names_what_is_wrong() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    for key in ["connectorType", "connectorId", "connectorVersion", "lxVersion", "processingDirection"] {
        let mut doc = ldif("x", items("v", 2));
        doc.as_object_mut().unwrap().remove(key);
        let a = api.create(&doc).await;
        assert_eq!(a.status, 400, "{key}");
        assert_eq!(a.body["status"], "ERROR");
        assert!(a.body["errorMessage"].as_str().unwrap().contains(&format!("{key} is required")), "{:?}", a.body);
        assert_eq!(a.body["errors"], json!([format!("{key} is required")]));
    }
    let cases: Vec<(&str, Value, &str)> = vec![
        ("processingDirection", json!("outbound"), "processingDirection must be \"inbound\""),
        ("processingMode", json!("sometimes"), "processingMode"),
        ("connectorId", json!(""), "connectorId must not be empty"),
        ("connectorVersion", json!(3), "connectorVersion must be a string"),
        ("customFields", json!("x"), "customFields must be an object"),
        ("content", json!({"a": 1}), "content must be an array"),
        ("content", json!([{"type": "Service", "data": {}}]), "content[0].id is required"),
        ("content", json!([{"type": "Service", "id": "", "data": {}}]), "content[0].id must be a non-empty string"),
        ("content", json!([{"type": "Service", "id": "a", "data": [1]}]), "content[0].data must be an object"),
        ("content", json!([{"id": "a", "data": {}}]), "content[0].type is required"),
        ("content", json!([7]), "content[0] must be an object"),
    ];
    for (key, value, expected) in cases {
        let mut doc = ldif("x", items("v", 1));
        doc[key] = value;
        let a = api.create(&doc).await;
        assert_eq!(a.status, 400, "{key}");
        assert!(a.body["errorMessage"].as_str().unwrap().contains(expected), "{expected}: {:?}", a.body);
    }
    let not_json = api.send(reqwest::Method::POST, "/synchronizationRuns", Some(b"{nope".to_vec())).await;
    assert_eq!(not_json.status, 400);
    assert!(not_json.body["errorMessage"].as_str().unwrap().contains("not JSON"));
    let array = api.send(reqwest::Method::POST, "/synchronizationRuns", Some(b"[]".to_vec())).await;
    assert_eq!(array.status, 400);
    let bad_start = api
        .send(
            reqwest::Method::POST,
            "/synchronizationRuns?start=maybe",
            Some(serde_json::to_vec(&ldif("x", vec![])).unwrap()),
        )
        .await;
    assert_eq!(bad_start.status, 400);

    // Optional fields may be absent; processingMode full is accepted.
    let minimal = json!({
        "connectorType": "t", "connectorId": "c", "connectorVersion": "1", "lxVersion": "1",
        "processingDirection": "inbound"
    });
    let a = api.create(&minimal).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["description"], Value::Null);
    let mut full = minimal.clone();
    full["processingMode"] = json!("full");
    let id = api.create_ok(&full).await;
    assert_eq!(sim.run(&id).unwrap().processing_mode, "full");
    assert_eq!(sim.runs().len(), 2, "invalid documents create no run");
}

#[tokio::test]
async fn start_twice_unknown_ids_and_start_true() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    let id = api.create_ok(&ldif("b", items("s", 2))).await;
    assert_eq!(api.start(&id).await.status, 200);
    let again = api.start(&id).await;
    assert_eq!(again.status, 400);
    assert!(again.body["errorMessage"].as_str().unwrap().contains("already been started"));
    assert_eq!(api.poll_to_end(&id).await.last().map(String::as_str), Some("FINISHED"));
    assert_eq!(api.start(&id).await.status, 400);
    assert_eq!(sim.delivered_count(), 2, "a second start delivers nothing more");

    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(api.start(unknown).await.status, 404);
    assert_eq!(api.status(unknown).await.status, 404);
    assert_eq!(api.warnings(unknown, "").await.status, 404);
    let other = api.send(reqwest::Method::GET, "/nothing/here", None).await;
    assert_eq!(other.status, 404);
    assert_eq!(sim.request_log().last().unwrap().endpoint, Endpoint::Other);

    // start=true starts at once.
    let body = serde_json::to_vec(&ldif("c", items("t", 1))).unwrap();
    let a = api.send(reqwest::Method::POST, "/synchronizationRuns?start=true", Some(body)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["status"], "PENDING");
    let id2 = a.body["id"].as_str().unwrap().to_string();
    assert_eq!(api.start(&id2).await.status, 400);
    assert_eq!(api.poll_to_end(&id2).await, ["PENDING", "IN_PROGRESS", "FINISHED"]);
    assert_eq!(sim.delivered_count(), 3);
}

#[tokio::test]
async fn warnings_are_paged_and_limit_is_checked() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    let id = api.create_ok(&ldif("w", items("w", 1))).await;
    assert_eq!(api.warnings(&id, "").await.body, json!([]));
    sim.add_warnings(&id, (0..250).map(|i| format!("warning {i}")).collect()).unwrap();
    let first = api.warnings(&id, "?offset=0&limit=100").await;
    assert_eq!(first.status, 200);
    let first = first.body.as_array().unwrap().clone();
    assert_eq!(first.len(), 100);
    assert_eq!(first[0]["message"], "warning 0");
    assert_eq!(first[0]["id"], 1);
    let last = api.warnings(&id, "?offset=200&limit=100").await.body;
    assert_eq!(last.as_array().unwrap().len(), 50);
    assert_eq!(last[49]["message"], "warning 249");
    let mid = api.warnings(&id, "?offset=10&limit=5").await.body;
    let msgs: Vec<&str> = mid.as_array().unwrap().iter().map(|w| w["message"].as_str().unwrap()).collect();
    assert_eq!(msgs, ["warning 10", "warning 11", "warning 12", "warning 13", "warning 14"]);
    assert_eq!(api.warnings(&id, "?offset=999").await.body, json!([]));
    assert_eq!(api.warnings(&id, "").await.body.as_array().unwrap().len(), 100, "default limit 100");
    for bad in ["?limit=101", "?limit=1000", "?limit=0", "?limit=x", "?offset=-1"] {
        let a = api.warnings(&id, bad).await;
        assert_eq!(a.status, 400, "{bad}");
        assert_eq!(a.body["status"], "ERROR");
    }
    assert!(sim.add_warnings("nope", vec![]).is_err());
}

#[tokio::test]
async fn list_shows_every_run_with_its_description() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(api.create_ok(&ldif(&format!("batch-{i}"), items("l", 1))).await);
    }
    api.start(&ids[1]).await;
    let list = api.list().await;
    assert_eq!(list.status, 200);
    let runs = list.body.as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for (i, r) in runs.iter().enumerate() {
        assert_eq!(r["id"], ids[i].as_str());
        assert_eq!(r["description"], format!("batch-{i}"));
        assert!(chrono::DateTime::parse_from_rfc3339(r["createdAt"].as_str().unwrap()).is_ok());
        assert_eq!(r["connectorId"], "tenant-a");
    }
    assert_eq!(runs[0]["status"], "CREATED");
    assert_eq!(runs[1]["status"], "PENDING");
}

#[tokio::test]
async fn too_many_requests_server_errors_and_unauthorized() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    sim.push_faults(
        FaultTarget::Any,
        vec![
            LeanixFault::too_many_requests(7),
            LeanixFault::TooManyRequests { retry_after_secs: None },
            LeanixFault::ServerError(503),
            LeanixFault::ServerError(502),
            LeanixFault::ServerError(42),
        ],
    );
    let a = api.list().await;
    assert_eq!(a.status, 429);
    assert_eq!(a.headers.get("retry-after").unwrap(), "7");
    let b = api.list().await;
    assert_eq!(b.status, 429);
    assert!(b.headers.get("retry-after").is_none());
    assert_eq!(api.list().await.status, 503);
    assert_eq!(api.list().await.status, 502);
    assert_eq!(api.list().await.status, 500);
    assert_eq!(api.list().await.status, 200);
    assert_eq!(sim.pending_faults(), 0);

    // On the token endpoint too.
    sim.push_faults(Endpoint::Token, vec![LeanixFault::too_many_requests(3), LeanixFault::Unauthorized]);
    let t = token_request(&sim, "apitoken", DEFAULT_API_TOKEN, "grant_type=client_credentials").await;
    assert_eq!(
        (t.status, t.headers.get("retry-after").map(|v| v.to_str().unwrap().to_string())),
        (429, Some("3".into()))
    );
    assert_eq!(token_request(&sim, "apitoken", DEFAULT_API_TOKEN, "grant_type=client_credentials").await.status, 401);
    assert_eq!(token_request(&sim, "apitoken", DEFAULT_API_TOKEN, "grant_type=client_credentials").await.status, 200);

    // Unauthorized: 401, and the token is no longer accepted; a new one is.
    sim.push_faults(Endpoint::List, vec![LeanixFault::Unauthorized]);
    assert_eq!(api.list().await.status, 401);
    assert_eq!(api.list().await.status, 401);
    let fresh = Api::new(&sim).await;
    assert_eq!(fresh.list().await.status, 200);

    // Faults scripted for one endpoint leave the others alone.
    sim.push_faults(Endpoint::Status, vec![LeanixFault::ServerError(500)]);
    let id = fresh.create_ok(&ldif("e", items("e", 1))).await;
    assert_eq!(fresh.start(&id).await.status, 200);
    assert_eq!(fresh.status(&id).await.status, 500);
    assert_eq!(fresh.status_str(&id).await, "PENDING", "the failed poll did not count");

    let injected: Vec<u16> = sim.request_log().iter().filter(|e| e.injected).map(|e| e.status).collect();
    assert_eq!(injected, [429, 429, 503, 502, 500, 429, 401, 401, 500]);
}

#[tokio::test]
async fn bad_request_fault_creates_nothing() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    // Pushed for any endpoint: the list and the token skip it, the create takes it.
    sim.push_faults(FaultTarget::Any, vec![LeanixFault::bad_request("Invalid LDIF: simulated")]);
    assert_eq!(api.list().await.status, 200);
    let a = api.create(&ldif("bad", items("x", 3))).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["errorMessage"], "Invalid LDIF: simulated");
    assert!(sim.runs().is_empty());
    api.create_ok(&ldif("good", items("x", 3))).await;
    assert_eq!(sim.runs().len(), 1);
}

#[tokio::test]
async fn drop_after_create_records_the_run_but_loses_the_answer() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    sim.push_faults(Endpoint::Create, vec![LeanixFault::DropAfterCreate]);
    let body = serde_json::to_vec(&ldif("batch-lost-42", items("d", 4))).unwrap();
    let sent = api.try_send(reqwest::Method::POST, "/synchronizationRuns?start=false", Some(body)).await;
    let err = sent.err().expect("the client sees a transport error");
    assert!(!err.is_status(), "{err:?}");

    // The run exists: the client finds it by its description.
    let list = api.list().await.body;
    let runs = list.as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["description"], "batch-lost-42");
    assert_eq!(runs[0]["status"], "CREATED");
    let id = runs[0]["id"].as_str().unwrap().to_string();
    let logged = sim.request_log().into_iter().find(|e| e.endpoint == Endpoint::Create).unwrap();
    assert_eq!((logged.status, logged.injected), (0, true));
    assert_eq!(logged.run_id.as_deref(), Some(id.as_str()));

    // It can be started and delivers once.
    assert_eq!(api.start(&id).await.status, 200);
    api.poll_to_end(&id).await;
    assert_eq!(sim.delivered_count(), 4);
}

#[tokio::test]
async fn fail_run_ends_failed_with_warnings_and_delivers_nothing() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    // Queued for any endpoint: the create (start=false) skips it, the start takes it.
    sim.push_faults(FaultTarget::Any, vec![LeanixFault::fail_run(["Fact sheet type Cost unknown", "second"])]);
    let id = api.create_ok(&ldif("f", items("f", 3))).await;
    assert_eq!(sim.pending_faults(), 1);
    assert_eq!(api.start(&id).await.status, 200);
    assert_eq!(api.warnings(&id, "").await.body, json!([]), "warnings appear when the run fails");
    assert_eq!(api.poll_to_end(&id).await, ["PENDING", "IN_PROGRESS", "FAILED"]);
    let w = api.warnings(&id, "?offset=0&limit=10").await.body;
    let msgs: Vec<&str> = w.as_array().unwrap().iter().map(|x| x["message"].as_str().unwrap()).collect();
    assert_eq!(msgs, ["Fact sheet type Cost unknown", "second"]);
    assert_eq!(api.warnings(&id, "?offset=1&limit=1").await.body[0]["message"], "second");
    assert!(sim.delivered().is_empty());
    assert_eq!(sim.run(&id).unwrap().status, RunStatus::Failed);

    // The next run is fine again; start=true takes a FailRun too.
    let ok = api.create_ok(&ldif("g", items("g", 2))).await;
    api.start(&ok).await;
    assert_eq!(api.poll_to_end(&ok).await.last().unwrap(), "FINISHED");
    sim.push_faults(Endpoint::Create, vec![LeanixFault::fail_run(["x"])]);
    let body = serde_json::to_vec(&ldif("h", items("h", 2))).unwrap();
    let a = api.send(reqwest::Method::POST, "/synchronizationRuns?start=true", Some(body)).await;
    let id3 = a.body["id"].as_str().unwrap().to_string();
    assert_eq!(api.poll_to_end(&id3).await.last().unwrap(), "FAILED");
    assert_eq!(sim.delivered_count(), 2);
}

#[tokio::test]
async fn duplicate_start_starts_the_run_and_answers_400() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    sim.push_faults(FaultTarget::Any, vec![LeanixFault::DuplicateStart]);
    let id = api.create_ok(&ldif("dup", items("u", 2))).await;
    let a = api.start(&id).await;
    assert_eq!(a.status, 400);
    assert!(a.body["errorMessage"].as_str().unwrap().contains("already been started"));
    assert!(sim.run(&id).unwrap().started);
    assert_eq!(api.start(&id).await.status, 400, "a retry is a real duplicate");
    assert_eq!(api.poll_to_end(&id).await, ["PENDING", "IN_PROGRESS", "FINISHED"]);
    assert_eq!(sim.delivered_count(), 2);
}

#[tokio::test]
async fn delay_fault_and_seeded_rates() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    sim.push_faults(Endpoint::List, vec![LeanixFault::Delay(Duration::from_millis(300))]);
    let t = Instant::now();
    assert_eq!(api.list().await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    async fn outcomes(seed: u64) -> Vec<u16> {
        let sim = start_sim(LeanixSimConfig { seed, ..Default::default() }).await;
        let api = Api::new(&sim).await;
        sim.set_fault_rates(FaultTarget::Any, vec![(LeanixFault::ServerError(503), 0.3)]);
        sim.set_fault_rates(Endpoint::List, vec![(LeanixFault::too_many_requests(1), 0.3)]);
        let mut out = Vec::new();
        for _ in 0..60 {
            out.push(api.list().await.status);
        }
        out
    }
    let a = outcomes(11).await;
    assert_eq!(a, outcomes(11).await, "same seed, same faults");
    assert_ne!(a, outcomes(12).await);
    let count = |s| a.iter().filter(|x| **x == s).count();
    assert!(count(503) > 5 && count(429) > 5 && count(200) > 10, "{a:?}");
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let sim = start_sim(LeanixSimConfig { requests_per_minute: Some(5), ..Default::default() }).await;
    let api = Api::new(&sim).await; // the token request counts
    for _ in 0..4 {
        assert_eq!(api.list().await.status, 200);
    }
    let limited = api.list().await;
    assert_eq!(limited.status, 429);
    let secs: u64 = limited.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    sim.advance_clock(Duration::from_secs(61));
    assert_eq!(api.list().await.status, 200);
}

#[tokio::test]
async fn status_scripts_and_timed_progression() {
    let sim = start_sim(LeanixSimConfig::default().with_polls_to_finish(5)).await;
    let api = Api::new(&sim).await;
    let id = api.create_ok(&ldif("p", items("p", 1))).await;
    api.start(&id).await;
    assert_eq!(api.poll_to_end(&id).await, ["PENDING", "PENDING", "PENDING", "IN_PROGRESS", "FINISHED"]);

    sim.push_status_script(vec![RunStatus::Sequentialized, RunStatus::Pending, RunStatus::Stopped]);
    let stopped = api.create_ok(&ldif("q", items("q", 1))).await;
    api.start(&stopped).await;
    assert_eq!(api.poll_to_end(&stopped).await, ["SEQUENTIALIZED", "PENDING", "STOPPED"]);

    sim.push_status_script(vec![RunStatus::InProgress]);
    let stuck = api.create_ok(&ldif("r", items("r", 1))).await;
    api.start(&stuck).await;
    assert!(api.poll_to_end(&stuck).await.iter().all(|s| s == "IN_PROGRESS"));
    sim.set_run_status(&stuck, RunStatus::Finished).unwrap();
    assert_eq!(api.status_str(&stuck).await, "FINISHED");
    assert_eq!(sim.delivered_count(), 2, "the stopped run delivered nothing");

    // Timed: one step per 10 s of simulator clock, whatever the polls.
    sim.set_status_advance(StatusAdvance::Every(Duration::from_secs(10)));
    sim.set_status_script(RunStatus::script_finishing_at_poll(3));
    let timed = api.create_ok(&ldif("t", items("t", 3))).await;
    api.start(&timed).await;
    assert_eq!(api.status_str(&timed).await, "PENDING");
    assert_eq!(api.status_str(&timed).await, "PENDING");
    sim.advance_clock(Duration::from_secs(10));
    assert_eq!(api.status_str(&timed).await, "IN_PROGRESS");
    sim.advance_clock(Duration::from_secs(10));
    assert_eq!(sim.delivered_count(), 5, "looking at the simulator moves timed runs too");
    assert_eq!(sim.run(&timed).unwrap().status, RunStatus::Finished);
    assert!(sim.set_run_status("nope", RunStatus::Failed).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_thousand_items_in_batches_and_in_parallel() {
    let sim = start_sim(LeanixSimConfig::default().with_polls_to_finish(1)).await;
    let api = std::sync::Arc::new(Api::new(&sim).await);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for batch in 0..40 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let content = items(&format!("b{batch}-"), 2500);
            let id = api.create_ok(&ldif(&format!("batch-{batch}"), content)).await;
            assert_eq!(api.start(&id).await.status, 200);
            assert_eq!(api.status_str(&id).await, "FINISHED");
            id
        }));
        if tasks.len() == 4 {
            for t in tasks.drain(..) {
                t.await.unwrap();
            }
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(sim.runs().len(), 40);
    let delivered = sim.delivered();
    assert_eq!(delivered.len(), 100_000);
    let mut ids: Vec<&str> = delivered.iter().map(|d| d.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 100_000);
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    eprintln!("100,000 items in 40 batches: {elapsed:?}");
}

/// The daemon's shipped processor configuration for connector `tenant-a`, version 1.0.0.
fn shipped_configuration() -> Value {
    let mut c: Value = serde_json::from_str(include_str!("../config/leanix/processors.json")).unwrap();
    c["connectorType"] = json!("netsuite-discovery");
    c["connectorId"] = json!("tenant-a");
    c["connectorVersion"] = json!("1.0.0");
    c["processingDirection"] = json!("inbound");
    c
}

#[tokio::test]
async fn configurations_are_put_listed_filtered_and_deleted() {
    let sim = start_sim(LeanixSimConfig::default()).await;
    let api = Api::new(&sim).await;
    let put = |body: Value| {
        let api = &api;
        async move { api.send(reqwest::Method::PUT, "/configurations", Some(serde_json::to_vec(&body).unwrap())).await }
    };
    assert_eq!(api.send(reqwest::Method::GET, "/configurations", None).await.body, json!([]));
    // Refused, naming what is wrong or not simulated.
    let mut bad = shipped_configuration();
    bad.as_object_mut().unwrap().remove("connectorId");
    bad["processors"][0]["processorType"] = json!("inboundSubscription");
    let a = put(bad).await;
    assert_eq!(a.status, 400);
    let msg = a.body["errorMessage"].as_str().unwrap();
    assert!(msg.contains("connectorId is required") && msg.contains("inboundSubscription"), "{msg}");
    assert!(sim.configurations().is_empty());
    // Installed (204), replaced on the same key, listed with filters.
    assert_eq!(put(shipped_configuration()).await.status, 204);
    let mut changed = shipped_configuration();
    changed["processors"][0]["processorName"] = json!("renamed");
    assert_eq!(put(changed).await.status, 204);
    let mut other = shipped_configuration();
    other["connectorVersion"] = json!("2.0.0");
    assert_eq!(put(other).await.status, 204);
    let all = api.send(reqwest::Method::GET, "/configurations", None).await.body;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let one = api
        .send(
            reqwest::Method::GET,
            "/configurations?connectorId=tenant-a&connectorVersion=1.0.0&processingDirection=inbound",
            None,
        )
        .await
        .body;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["processors"][0]["processorName"], "renamed");
    assert_eq!(api.send(reqwest::Method::GET, "/configurations?connectorId=other", None).await.body, json!([]));
    // Deleted by its four connector fields.
    let key =
        "connectorType=netsuite-discovery&connectorId=tenant-a&connectorVersion=2.0.0&processingDirection=inbound";
    assert_eq!(api.send(reqwest::Method::DELETE, "/configurations?connectorId=tenant-a", None).await.status, 400);
    assert_eq!(api.send(reqwest::Method::DELETE, &format!("/configurations?{key}"), None).await.status, 200);
    assert_eq!(api.send(reqwest::Method::DELETE, &format!("/configurations?{key}"), None).await.status, 404);
    assert_eq!(sim.configurations().len(), 1);
    assert!(sim.request_log().iter().any(|r| r.endpoint == Endpoint::Configurations && r.method == "PUT"));
}

async fn run_to_end(api: &Api, doc: &Value) -> String {
    let id = api.create_ok(doc).await;
    assert_eq!(api.start(&id).await.status, 200);
    assert_eq!(api.poll_to_end(&id).await.last().unwrap(), "FINISHED");
    id
}

#[tokio::test]
async fn without_a_matching_configuration_a_run_has_no_effect() {
    let sim = start_sim(LeanixSimConfig::default().with_polls_to_finish(1)).await;
    let api = Api::new(&sim).await;
    let mut other = shipped_configuration();
    other["connectorVersion"] = json!("0.9.0");
    sim.put_configuration(other).unwrap();
    let id = run_to_end(&api, &ldif("b1", items("a", 3))).await;
    assert!(sim.fact_sheets().is_empty(), "no configuration for 1.0.0: nothing written");
    let w = api.warnings(&id, "").await.body;
    assert_eq!(w.as_array().unwrap().len(), 3, "one warning per item: {w}");
    assert_eq!(w[0]["content"], "ns:1234:vendor:a0");
    assert!(w[0]["message"].as_str().unwrap().contains("No processor configuration"));
    assert_eq!(w[0]["status"], "ERROR");
    assert!(!sim.run(&id).unwrap().applied);
}

#[tokio::test]
async fn the_configuration_writes_fact_sheets_relations_metrics_and_archives() {
    let sim = start_sim(LeanixSimConfig::default().with_polls_to_finish(1)).await;
    let api = Api::new(&sim).await;
    sim.put_configuration(shipped_configuration()).unwrap();
    let dept = |id: &str, parent: Option<&str>| {
        json!({"type": "Department", "id": format!("d:{id}"), "data": {"name": format!("Dept {id}"),
               "departmentId": id, "parentExternalId": parent.map(|p| format!("d:{p}"))}})
    };
    // A child before its parent in one run: fact sheets (run 0) come before relations (run 1).
    let content = vec![
        dept("2", Some("1")),
        dept("1", None),
        dept("3", Some("9")),
        json!({"type": "Employee", "id": "e:1", "data": {"name": "Ann Lee", "departmentExternalId": "d:2"}}),
        json!({"type": "Service", "id": "v:1", "data": {"name": "Acme", "entityId": "ACME"}}),
        json!({"type": "Service", "id": "v:2", "data": {"name": null, "entityId": null}}),
        json!({"type": "Invoice", "id": "i:1", "data": {"time": "2026-01-02T00:00:00Z", "amount": "12.50",
               "currency": "EUR"}}),
        json!({"type": "Invoice", "id": "i:2", "data": {"time": null, "amount": "1.00", "currency": "EUR"}}),
    ];
    let id = run_to_end(&api, &ldif("b1", content)).await;
    let sheets = sim.fact_sheets();
    let names: Vec<(&str, &str, &str)> =
        sheets.iter().map(|f| (f.fs_type.as_str(), f.external_id.as_str(), f.name().unwrap_or(""))).collect();
    assert!(names.contains(&("Organization", "d:2", "Dept 2")));
    assert!(names.contains(&("Employee", "e:1", "Ann Lee")));
    assert!(names.contains(&("Provider", "v:1", "Acme")));
    assert!(names.contains(&("Provider", "v:2", "v:2")), "the name falls back to the external id");
    let rels: Vec<(String, String, String)> = sim.relations().into_iter().map(|r| (r.rel_type, r.from, r.to)).collect();
    assert_eq!(
        rels,
        [
            ("relEmployeeToOrganization".into(), "e:1".into(), "d:2".into()),
            ("relToParent".into(), "d:2".into(), "d:1".into()),
        ]
    );
    let points = sim.metric_points();
    assert_eq!(points.len(), 1);
    assert_eq!(
        (points[0].value, points[0].tags["invoice"].as_str(), points[0].tags["currency"].as_str()),
        (12.5, "i:1", "EUR")
    );
    // Warnings name the items no processor could use: a parent not there, a point without time.
    let w = api.warnings(&id, "").await.body;
    let named: Vec<&str> = w.as_array().unwrap().iter().map(|x| x["content"].as_str().unwrap()).collect();
    assert_eq!(named, ["d:3", "i:2"], "{w}");
    assert_eq!(w[0]["processor"]["name"], "Department parents");

    // Deletions archive; the relations of an archived fact sheet go with it; a deleted
    // invoice's point becomes 0.
    let deletions = vec![
        json!({"type": "DepartmentDeleted", "id": "d:1", "data": {}}),
        json!({"type": "ServiceDeleted", "id": "v:9", "data": {}}),
        json!({"type": "InvoiceDeleted", "id": "i:1", "data": {"time": "2026-01-02T00:00:00Z", "currency": "EUR"}}),
    ];
    let id = run_to_end(&api, &ldif("b2", deletions)).await;
    assert_eq!(api.warnings(&id, "").await.body, json!([]));
    let archived: Vec<String> = sim.fact_sheets().into_iter().filter(|f| f.archived).map(|f| f.external_id).collect();
    assert_eq!(archived, ["d:1"]);
    assert!(sim.relations().iter().all(|r| r.rel_type != "relToParent"));
    assert_eq!(sim.metric_points()[0].value, 0.0);
    // The same external id sent again makes a new fact sheet (LeanIX documents this).
    run_to_end(&api, &ldif("b3", vec![dept("1", None)])).await;
    let d1: Vec<bool> = sim.fact_sheets().into_iter().filter(|f| f.external_id == "d:1").map(|f| f.archived).collect();
    assert_eq!(d1, [true, false]);
}

#[tokio::test]
async fn ignored_items_and_server_errors_with_retry_after() {
    let sim = start_sim(LeanixSimConfig::default().with_polls_to_finish(1)).await;
    let api = Api::new(&sim).await;
    sim.put_configuration(shipped_configuration()).unwrap();
    sim.push_faults(Endpoint::Start, vec![LeanixFault::ignore_items(2, "value not allowed")]);
    let id = run_to_end(&api, &ldif("b1", items("x", 5))).await;
    let w = api.warnings(&id, "").await.body;
    assert_eq!(w.as_array().unwrap().len(), 2);
    assert_eq!(
        (w[1]["content"].as_str(), w[1]["message"].as_str()),
        (Some("ns:1234:vendor:x1"), Some("value not allowed"))
    );
    assert_eq!(sim.fact_sheets().len(), 3, "the ignored items were not written");
    sim.push_faults(FaultTarget::Any, vec![LeanixFault::server_error_retry_after(503, 7)]);
    let a = api.send(reqwest::Method::GET, "/configurations", None).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("7"));
}

#[tokio::test]
async fn content_no_processor_takes_is_ignored_with_a_warning() {
    let sim = start_sim(LeanixSimConfig::default().with_polls_to_finish(1)).await;
    let api = Api::new(&sim).await;
    sim.put_configuration(shipped_configuration()).unwrap();
    let content = vec![
        json!({"type": "Servic", "id": "v:1", "data": {"name": "typo in the type"}}),
        json!({"type": "Service", "id": "v:2", "data": {"name": "Acme"}}),
    ];
    let id = run_to_end(&api, &ldif("b1", content)).await;
    let w = api.warnings(&id, "").await.body;
    assert_eq!(w.as_array().unwrap().len(), 1, "{w}");
    assert_eq!(w[0]["content"], "v:1");
    assert!(w[0]["message"].as_str().unwrap().contains("Servic"));
    assert_eq!(sim.fact_sheets().len(), 1);
}
