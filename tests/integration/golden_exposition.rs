//! Golden expositions of llmmon's own roles at a fixed seed and time, as insta file
//! snapshots (`tests/integration/snapshots/integration__golden_exposition__<role>.snap`): a
//! change in names, labels or values shows up as a diff here, and `promtool check metrics`
//! lints the expositions as Prometheus' own naming rules want. After an intended change,
//! review and accept the new snapshots with `cargo insta review` (or `INSTA_UPDATE=always
//! cargo test --test integration golden_exposition::` and `git diff`).

use std::io::Write;
use std::process::{Command, Stdio};

use llmmon_core::exposition::render;
use llmmon_core::Role;
use llmmon_sim::{Conditions, Simulator};

use crate::support::require;

/// 2026-11-25 14:00 UTC, the daily peak.
const T: f64 = 1_795_615_200.0;
/// Our own roles; the simulated standard exporters copy names we do not choose.
const OWN_ROLES: [Role; 5] = [
    Role::Gpu,
    Role::Containers,
    Role::Vllm,
    Role::Litellm,
    Role::Langfuse,
];

fn exposition(role: Role) -> String {
    let sim = Simulator::new(42, 1, Conditions::default(), T);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    render(
        &rt.block_on(llmmon_exporter::wiring::sim_role_metrics(&sim, role, T))
            .expect("simulated source answers"),
    )
}

#[test]
fn own_role_expositions_match_their_snapshots() {
    for role in OWN_ROLES {
        insta::assert_snapshot!(role.to_string(), exposition(role));
    }
}

#[test]
fn promtool_finds_no_naming_problem_in_our_expositions() {
    let promtool = require("promtool", "prometheus");
    for role in OWN_ROLES {
        let mut child = Command::new(&promtool)
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run promtool");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(exposition(role).as_bytes())
            .expect("feed promtool");
        let out = child.wait_with_output().expect("promtool finishes");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && report.trim().is_empty(),
            "{role}: promtool says:\n{report}"
        );
    }
}
