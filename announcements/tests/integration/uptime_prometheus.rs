//! The status page's uptime query on a real Prometheus: three days of
//! `llm_monitor_service_status` backfilled with promtool, read back by `uptime::fetch` as
//! the page reads it — a day fully operational is 1, a day half down is 0.5, a day with
//! samples but none operational is 0 (not "no data"), a day without samples is unknown,
//! and every value lands on its UTC date.

use chrono::{Duration, Utc};
use llmmon_announcements::uptime::{fetch, DAYS};

/// One sample line of the status metric.
fn sample(service: &str, status: &str, t: i64) -> String {
    format!(
        "llm_monitor_service_status{{service=\"{service}\",status=\"{status}\",source=\"derived\"}} 1 {t}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_uptime_query_gives_each_utc_days_operational_share_on_a_real_prometheus() {
    let now = Utc::now();
    let today = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp();
    let day = 86_400;
    // Days before today: 3 (a up all day), 2 (a up until noon, then down; b down all day),
    // 1 (no samples at all). Samples every 5 minutes, off the midnight boundaries.
    let mut om = String::from(
        "# HELP llm_monitor_service_status status\n# TYPE llm_monitor_service_status gauge\n",
    );
    let mut lines: Vec<(i64, String)> = Vec::new();
    for k in 0..288 {
        let t3 = today - 3 * day + 150 + k * 300;
        let t2 = today - 2 * day + 150 + k * 300;
        lines.push((t3, sample("a", "operational", t3)));
        let a2 = if k < 144 { "operational" } else { "down" };
        lines.push((t2, sample("a", a2, t2)));
        lines.push((t2, sample("b", "down", t2)));
    }
    // OpenMetrics wants each series' samples in order; grouped by series, in time.
    lines.sort_by(|x, y| {
        x.1.split(' ')
            .next()
            .cmp(&y.1.split(' ').next())
            .then(x.0.cmp(&y.0))
    });
    for (_, l) in &lines {
        om.push_str(l);
    }
    om.push_str("# EOF\n");
    let dir = tempfile::tempdir().expect("tmp");
    let prom = crate::support::prometheus::backfilled(dir.path(), &om).await;

    let h = fetch(&reqwest::Client::new(), &prom.url, now)
        .await
        .expect("the range query answers");
    let last = DAYS - 1;
    let a = &h.services["a"];
    assert_eq!(a[last - 3], Some(1.0), "a: {a:?}");
    assert_eq!(a[last - 2], Some(0.5), "a: {a:?}");
    assert_eq!(a[last - 1], None, "a day without samples is unknown: {a:?}");
    assert_eq!(a[last], None, "no sample today yet: {a:?}");
    let b = &h.services["b"];
    assert_eq!(b[last - 2], Some(0.0), "samples, none operational: {b:?}");
    assert_eq!(b.iter().flatten().count(), 1, "{b:?}");
    let dates: Vec<_> = h.days().collect();
    assert_eq!(dates[last - 2], (now - Duration::days(2)).date_naive());
}
