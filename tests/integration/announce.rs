//! `llmmon announce` end to end: the binary against the announcements service on loopback —
//! publish, list (text and JSON), show, expire, service status — and its one-line errors.

use std::process::Output;

use serde_json::Value;

use crate::support::announcements::{Announcements, TOKEN};

/// Runs `llmmon` with `args`, the service's URL and (unless `token` is None) the token.
async fn llmmon(url: &str, token: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_llmmon"));
    cmd.args(args)
        .env("LLMMON_ANNOUNCEMENTS_URL", url)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("USER", "alice")
        .env_remove("LLMMON_ANNOUNCEMENTS_TOKEN")
        .env("NO_COLOR", "1");
    if let Some(t) = token {
        cmd.env("LLMMON_ANNOUNCEMENTS_TOKEN", t);
    }
    cmd.output().await.expect("run llmmon")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The service with two announcements published through the binary: a critical
/// maintenance in force now (id 1, about `llama-3.3-70b`, with a body) and a deprecation
/// that starts on 2026-12-01 (replaced by `qwen3.5`).
struct Published {
    svc: Announcements,
    /// What `llmmon announce` printed for the first.
    first: Output,
}

impl Published {
    async fn new() -> Self {
        let svc = Announcements::empty().await;
        let url = svc.url();
        let first = llmmon(
            &url,
            Some(TOKEN),
            &[
                "announce",
                "Driver update on GPU 3",
                "--priority",
                "critical",
                "--kind",
                "maintenance",
                "--starts",
                "now",
                "--ends",
                "+2h",
                "--model",
                "llama-3.3-70b",
                "--body",
                "Requests are retried.",
            ],
        )
        .await;
        assert!(first.status.success(), "{}", stderr(&first));
        let o = llmmon(
            &url,
            Some(TOKEN),
            &[
                "announce",
                "Qwen 3 retires",
                "--kind",
                "deprecation",
                "--starts",
                "2026-12-01",
                "--ends",
                "2027-01-01 00:00",
                "--model",
                "qwen3",
                "--replacement",
                "qwen3.5",
            ],
        )
        .await;
        assert!(o.status.success(), "{}", stderr(&o));
        Self { svc, first }
    }

    /// Runs `llmmon` against the service (see [`llmmon`]).
    async fn llmmon(&self, token: Option<&str>, args: &[&str]) -> Output {
        llmmon(&self.svc.url(), token, args).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announce_prints_the_id_priority_kind_and_title_it_published() {
    let p = Published::new().await;
    assert_eq!(
        stdout(&p.first),
        "published 1 (critical maintenance): Driver update on GPU 3\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_has_a_header_the_active_critical_one_first_and_each_window() {
    let p = Published::new().await;
    let o = p.llmmon(None, &["announce", "list"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].contains("PRIORITY") && lines[0].contains("TITLE"),
        "{text}"
    );
    assert!(
        lines[1].contains("critical") && lines[1].contains("active"),
        "{text}"
    );
    assert!(
        text.contains("2026-12-01 00:00Z → 2027-01-01 00:00Z"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_list_filters_by_priority_and_names_the_author_and_models() {
    let p = Published::new().await;
    let o = p
        .llmmon(
            None,
            &["--json", "announce", "list", "--priority", "critical"],
        )
        .await;
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_eq!(v[0]["created_by"], "alice");
    assert_eq!(v[0]["models"][0], "llama-3.3-70b");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deprecation_names_its_replacement_and_the_status_page_shows_it() {
    let p = Published::new().await;
    let url = p.svc.url();
    let v: Value = reqwest::get(format!("{url}/api/announcements/2"))
        .await
        .expect("get")
        .json()
        .await
        .expect("JSON");
    assert_eq!(v["replacement"], "qwen3.5");
    let html = reqwest::get(format!("{url}/"))
        .await
        .expect("get")
        .text()
        .await
        .expect("page");
    assert!(html.contains("use <code>qwen3.5</code> instead"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_prints_the_body() {
    let p = Published::new().await;
    let o = p.llmmon(None, &["announce", "show", "1"]).await;
    assert!(
        stdout(&o).contains("Requests are retried."),
        "{}",
        stdout(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_announcement_leaves_the_list() {
    let p = Published::new().await;
    let o = p.llmmon(Some(TOKEN), &["announce", "expire", "1"]).await;
    assert_eq!(stdout(&o), "expired 1: Driver update on GPU 3\n");
    let o = p.llmmon(None, &["--json", "announce", "list"]).await;
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(1),
        "expired ones leave the list"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_set_by_hand_is_listed_with_its_note_until_cleared() {
    let svc = Announcements::empty().await;
    let url = svc.url();
    let url = url.as_str();
    let o = llmmon(
        url,
        Some(TOKEN),
        &[
            "announce",
            "status",
            "litellm",
            "degraded",
            "--note",
            "slow upstream",
        ],
    )
    .await;
    assert_eq!(stdout(&o), "litellm: degraded\n", "{}", stderr(&o));
    let o = llmmon(url, None, &["announce", "status"]).await;
    let text = stdout(&o);
    assert!(
        text.lines().any(|l| l.contains("litellm")
            && l.contains("degraded")
            && l.contains("manual")
            && l.contains("slow upstream")),
        "{text}"
    );
    let o = llmmon(
        url,
        Some(TOKEN),
        &["announce", "status", "litellm", "--clear"],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let o = llmmon(url, None, &["announce", "status", "litellm"]).await;
    assert_eq!(o.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_line_with_the_fix() {
    let svc = Announcements::empty().await;
    let url = svc.url();
    let url = url.as_str();
    let one_line = |o: &Output| {
        let e = stderr(o);
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.starts_with("llmmon: "), "{e}");
        e
    };
    // No token: nothing is sent.
    let o = llmmon(url, None, &["announce", "Hello"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(one_line(&o).contains("LLMMON_ANNOUNCEMENTS_TOKEN is not set"));
    // A wrong token: the server's reason and what to check, never the token.
    let o = llmmon(url, Some("wrong-token-wrong-token"), &["announce", "Hello"]).await;
    let e = one_line(&o);
    assert!(
        e.contains("403") && e.contains("check LLMMON_ANNOUNCEMENTS_TOKEN"),
        "{e}"
    );
    assert!(!e.contains("wrong-token"), "{e}");
    // Bad input caught locally (usage, exit 2) and by the server (422, exit 1).
    let o = llmmon(
        url,
        Some(TOKEN),
        &["announce", "Hello", "--starts", "soonish"],
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(one_line(&o).contains("--starts: 'soonish' is not a time"));
    let o = llmmon(
        url,
        Some(TOKEN),
        &["announce", "Window", "--kind", "maintenance"],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert!(one_line(&o).contains("maintenance announcement needs a start"));
    let o = llmmon(
        url,
        Some(TOKEN),
        &["announce", "Hello", "--priority", "urgent"],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "clap rejects it: {}", stderr(&o));
    // Service down.
    let o = llmmon("http://127.0.0.1:9", None, &["announce", "list"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(one_line(&o).contains("cannot reach the announcements service"));
    let o = llmmon(url, None, &["announce", "show", "42"]).await;
    assert!(one_line(&o).contains("404"));
}
