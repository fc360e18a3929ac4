//! `llmmon stack up --fleet URL`: this server joins a fleet. The central store must answer
//! its write URL with the credential of `.env` (FLEET_REMOTE_WRITE_USER / _PASSWORD or
//! FLEET_REMOTE_WRITE_TOKEN); then FLEET_REMOTE_WRITE_URL and FLEET_HOST (this machine's
//! hostname unless set) are saved in `.env`, which docker-compose.fleet.yml reads.

use std::path::Path;
use std::time::Duration;

use super::envfile::EnvFile;
use llmmon_core::redact;

/// How long the central store may take to answer the check.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Checks the store and saves the settings; the preflight line, or the failure.
pub async fn join(dir: &Path, url: &str) -> Result<String, String> {
    let shown = redact::url(url);
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "--fleet {shown}: expected the central store's http(s) write URL, e.g. https://metrics.example.org/api/v1/write"
        ));
    }
    let env_path = dir.join(".env");
    let env = EnvFile::read(&env_path)
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| EnvFile::parse(""));
    let get = |k: &str| env.get(k).filter(|v| !v.is_empty());
    let host = get("FLEET_HOST").unwrap_or_else(hostname);
    check(
        url,
        &shown,
        get("FLEET_REMOTE_WRITE_USER"),
        get("FLEET_REMOTE_WRITE_PASSWORD"),
        get("FLEET_REMOTE_WRITE_TOKEN"),
    )
    .await?;
    let text = std::fs::read_to_string(&env_path).unwrap_or_default();
    let text = set(&text, "FLEET_REMOTE_WRITE_URL", url);
    let text = set(&text, "FLEET_HOST", &host);
    std::fs::write(&env_path, text)
        .map_err(|e| format!("cannot write {}: {e}", env_path.display()))?;
    Ok(format!(
        "central store {shown} answers; this server writes as host={host} (saved in .env)"
    ))
}

/// This machine's hostname.
fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// An empty remote-write request with the credential: any answer but a refused credential
/// means the store is there (an empty body is refused as such, with 400).
async fn check(
    url: &str,
    shown: &str,
    user: Option<String>,
    password: Option<String>,
    token: Option<String>,
) -> Result<(), String> {
    let mut req = reqwest::Client::new()
        .post(url)
        .body(Vec::new())
        .timeout(TIMEOUT);
    req = match (token, user) {
        (Some(t), _) => req.bearer_auth(t),
        (None, Some(u)) => req.basic_auth(u, password),
        (None, None) => req,
    };
    let resp = req.send().await.map_err(|e| {
        format!(
            "central store {shown} does not answer ({}): is it up, and reachable from here?",
            e.without_url()
        )
    })?;
    match resp.status().as_u16() {
        401 | 403 => Err(format!(
            "central store {shown} refuses this server's credential (HTTP {}): set FLEET_REMOTE_WRITE_USER and FLEET_REMOTE_WRITE_PASSWORD (or FLEET_REMOTE_WRITE_TOKEN) in .env to what compose/central/.env gives vmauth",
            resp.status().as_u16()
        )),
        404 => Err(format!(
            "central store {shown} has no write endpoint there (HTTP 404): the URL ends in /api/v1/write (VictoriaMetrics, vmauth) or /api/v1/push (Mimir)"
        )),
        _ => Ok(()),
    }
}

/// `text` (an env file) with `key` set to `value`: its line replaced, or one appended.
pub fn set(text: &str, key: &str, value: &str) -> String {
    let line = format!("{key}={value}");
    let mut found = false;
    let mut out: Vec<String> = text
        .lines()
        .map(|l| {
            let is_key = l.split_once('=').is_some_and(|(k, _)| k.trim() == key);
            if is_key && !l.trim_start().starts_with('#') {
                found = true;
                line.clone()
            } else {
                l.to_owned()
            }
        })
        .collect();
    if !found {
        out.push(line);
    }
    out.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_replaces_its_line_or_is_appended_and_comments_stay() {
        let text = "# FLEET_HOST=example\nFLEET_HOST=\nGRAFANA_ADMIN_PASSWORD=x\n";
        let out = set(text, "FLEET_HOST", "gpu01");
        assert_eq!(
            out,
            "# FLEET_HOST=example\nFLEET_HOST=gpu01\nGRAFANA_ADMIN_PASSWORD=x\n"
        );
        let out = set(&out, "FLEET_REMOTE_WRITE_URL", "https://m/api/v1/write");
        assert!(
            out.ends_with("FLEET_REMOTE_WRITE_URL=https://m/api/v1/write\n"),
            "{out}"
        );
    }

    /// A central store that wants `secret` as the password: 400 for the empty body with it.
    async fn store() -> String {
        use axum::http::{HeaderMap, StatusCode};
        let app = axum::Router::new().route(
            "/api/v1/write",
            axum::routing::post(|headers: HeaderMap| async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
                // "u:secret" in base64.
                if auth == Some("Basic dTpzZWNyZXQ=") {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::UNAUTHORIZED
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        format!("http://{addr}/api/v1/write")
    }

    #[tokio::test]
    async fn joining_saves_the_url_and_host_only_when_the_store_takes_the_credential() {
        let dir = tempfile::tempdir().expect("dir");
        let url = store().await;
        let env = dir.path().join(".env");
        std::fs::write(
            &env,
            "FLEET_REMOTE_WRITE_USER=u\nFLEET_REMOTE_WRITE_PASSWORD=wrong\n",
        )
        .expect("env");
        let err = join(dir.path(), &url).await.expect_err("refused");
        assert!(err.contains("refuses this server's credential"), "{err}");
        assert!(!err.contains("wrong"), "no password in the message: {err}");
        assert!(!std::fs::read_to_string(&env)
            .expect("env")
            .contains("FLEET_HOST"));

        std::fs::write(
            &env,
            "FLEET_REMOTE_WRITE_USER=u\nFLEET_REMOTE_WRITE_PASSWORD=secret\nFLEET_HOST=gpu07\n",
        )
        .expect("env");
        let line = join(dir.path(), &url).await.expect("joins");
        assert!(line.contains("host=gpu07"), "{line}");
        let saved = std::fs::read_to_string(&env).expect("env");
        assert!(
            saved.contains(&format!("FLEET_REMOTE_WRITE_URL={url}")),
            "{saved}"
        );

        let err = join(dir.path(), "ftp://x").await.expect_err("not http");
        assert!(err.contains("http(s) write URL"), "{err}");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a port")
            .port();
        let closed = format!("http://127.0.0.1:{port}/api/v1/write");
        let err = join(dir.path(), &closed)
            .await
            .expect_err("nothing listens");
        assert!(err.contains("does not answer"), "{err}");
    }
}
