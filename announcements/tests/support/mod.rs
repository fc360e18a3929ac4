//! Helpers shared by the announcements service's integration tests: servers on loopback, a
//! fake Prometheus, a real one on backfilled history, a seeded service, and a real browser
//! driven over DevTools.

pub mod cdp;
pub mod fake_prometheus;
pub mod prometheus;
pub mod seed;
pub mod service;

/// Serves `app` on a free loopback port for the rest of the test; its base URL.
#[allow(dead_code, reason = "each test crate uses part of the shared support")]
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}
