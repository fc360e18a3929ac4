//! The announcements service on a loopback port, configured knowing its own address (so
//! the public URL, and every link on the status page, can point at it or at a proxy in
//! front of it), and a reverse proxy that serves it under a path prefix.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use llmmon_announcements::{App, Config};

/// The write token of test services.
pub const TOKEN: &str = "test-token-0123456789";

/// A running service; stops and removes its store when dropped.
pub struct Service {
    pub base: String,
    pub app: Arc<App>,
    stop: tokio_util::sync::CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts the service with `env` over the defaults (data directory, token); `public` gets
/// the service's own base URL and gives `LLMMON_ANNOUNCEMENTS_PUBLIC_URL`.
pub async fn start(env: &[(&str, &str)], public: impl FnOnce(&str) -> String) -> Service {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    start_on(listener, env, public).await
}

/// [`start`] on a listener the caller bound.
pub async fn start_on(
    listener: tokio::net::TcpListener,
    env: &[(&str, &str)],
    public: impl FnOnce(&str) -> String,
) -> Service {
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    let dir = tempfile::tempdir().expect("tmp");
    let mut vars: Vec<(String, String)> = vec![
        ("LLMMON_DATA_DIR".into(), dir.path().display().to_string()),
        ("LLMMON_ANNOUNCEMENTS_TOKEN".into(), TOKEN.into()),
        ("LLMMON_ANNOUNCEMENTS_PUBLIC_URL".into(), public(&base)),
    ];
    for (k, v) in env {
        vars.retain(|(n, _)| n != k);
        vars.push(((*k).into(), (*v).into()));
    }
    let mut cfg = Config::from_env(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        .expect("valid config");
    cfg.derive_every = std::time::Duration::from_millis(200);
    let app = App::open(cfg).expect("open the store");
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(llmmon_announcements::serve(
        app.clone(),
        listener,
        stop.clone(),
    ));
    Service {
        base,
        app,
        stop,
        _dir: dir,
    }
}

/// Waits until the service has derived statuses from its Prometheus (up to 10 s).
pub async fn wait_derived(svc: &Service) {
    for _ in 0..100 {
        if svc.app.derived().1
            && matches!(
                svc.app.uptime(),
                llmmon_announcements::uptime::Uptime::Known(_)
            )
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the service derived nothing from its Prometheus in 10 s");
}

/// A reverse proxy on `listener` serving `upstream` under `prefix` (stripped on the way
/// in, as nginx's `proxy_pass http://upstream/;` does); anything else is a 404.
pub async fn proxy(listener: tokio::net::TcpListener, prefix: &'static str, upstream: String) {
    let client = reqwest::Client::new();
    let app = Router::new().fallback(move |req: Request<Body>| {
        let client = client.clone();
        let upstream = upstream.clone();
        async move {
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            let Some(rest) = path.strip_prefix(prefix) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            let rest = if rest.is_empty() { "/" } else { rest };
            forward(&client, &format!("{upstream}{rest}"), req.headers()).await
        }
    });
    let _ = axum::serve(listener, app).await;
}

async fn forward(client: &reqwest::Client, url: &str, headers: &axum::http::HeaderMap) -> Response {
    let mut req = client.get(url);
    for h in ["if-none-match", "if-modified-since", "accept"] {
        if let Some(v) = headers.get(h) {
            req = req.header(h, v);
        }
    }
    let Ok(r) = req.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let mut out = Response::builder().status(r.status().as_u16());
    for (k, v) in r.headers() {
        if k != "content-length" && k != "transfer-encoding" && k != "connection" {
            out = out.header(k.as_str(), v.as_bytes());
        }
    }
    let body = r.bytes().await.unwrap_or_default();
    out.body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}
