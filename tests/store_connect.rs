//! A database that does not answer fails within seconds, naming host and port.

use std::time::{Duration, Instant};

use netsuite_discovery::store::Store;

/// A closed port and a server that accepts but never answers: both fail within seconds,
/// naming host and port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_that_does_not_answer_fails_fast_naming_host_and_port() {
    let started = Instant::now();
    let err = Store::connect("postgres://postgres@127.0.0.1:1/nsd", 2).await.unwrap_err();
    let text = format!("{err:#}");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(text.contains("127.0.0.1:1"), "{text}");

    // A blackhole: accepts connections, reads nothing, answers nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let started = Instant::now();
    let err = Store::connect(&format!("postgres://postgres:secret@127.0.0.1:{port}/nsd"), 2).await.unwrap_err();
    let text = format!("{err:#}");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(text.contains(&format!("127.0.0.1:{port}")) && text.contains("did not answer"), "{text}");
    assert!(!text.contains("secret"), "the password stays out of the message: {text}");
    hold.abort();
}
