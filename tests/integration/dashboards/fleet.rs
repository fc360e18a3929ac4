//! The dashboards on a fleet's central store, where every series has the `host` label its
//! server's remote_write adds: every query is scoped to `$host` and keeps servers apart (read
//! from the parsed PromQL), the Fleet overview links each server's row to its dashboards, and
//! on a real Prometheus holding two servers every query runs, draws one line per server and
//! thing, and a selected server shows only its own series.

use std::collections::{BTreeMap, BTreeSet};

use llmmon::dashboards::{self, Variable};
use llmmon::rules;
use llmmon_core::schema;
use llmmon_sim::Conditions;
use serde_json::Value;

use super::{parseable_values, prometheus_on_the_simulator_as, promql, static_values, substitute};
use crate::support::{promql as parsed, Prometheus};

#[test]
fn every_promql_query_is_scoped_to_the_selected_hosts_and_keeps_them_apart() {
    let host = rules::HOST;
    let mut problems = Vec::new();
    let mut scoped = 0;
    for d in dashboards::all() {
        // Every variable but `$host`, which stays in its matchers to be found there.
        let mut values = parseable_values(&d);
        values.remove(host);
        let queries = promql(&d);
        let panels = queries
            .iter()
            .filter(|(t, _, _)| !t.starts_with("variable"));
        for (title, expr, _) in panels {
            let expr = substitute(expr, &values);
            let at = format!("{} / {title}", d.uid);
            let unscoped = parsed::unscoped(&expr, host, &format!("${host}"))
                .unwrap_or_else(|e| panic!("{at}: {expr}: {e}"));
            problems.extend(
                unscoped
                    .iter()
                    .map(|u| format!("{at}: {u} has no host matcher")),
            );
            let dropping = parsed::dropping(&expr, host, true).expect("parsed above");
            problems.extend(dropping.iter().map(|m| format!("{at}: {m} drops the host")));
            scoped += 1;
        }
        if !queries.is_empty() {
            assert_eq!(
                d.variables.first(),
                Some(&Variable::Host),
                "{}: $host comes first, so the other variables follow it",
                d.uid
            );
        }
        let json = d.to_json();
        for v in json["templating"]["list"].as_array().expect("variables") {
            let query = v["definition"].as_str().unwrap_or_default();
            let prometheus = v["datasource"]["type"] == "prometheus";
            if prometheus && v["name"] != host {
                assert!(
                    query.contains(&format!("{host}=~\"${host}\"")),
                    "{}: variable {} lists values of every server: {query}",
                    d.uid,
                    v["name"]
                );
            }
        }
    }
    assert!(scoped > 150, "queries checked: {scoped}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_host_variable_lists_the_servers_and_its_all_matches_a_missing_host() {
    let d = dashboards::all()
        .into_iter()
        .find(|d| d.uid == dashboards::uid::GPUS)
        .expect("GPUs dashboard");
    let json = d.to_json();
    let v = &json["templating"]["list"][0];
    assert_eq!(v["name"], rules::HOST);
    assert_eq!(
        v["definition"],
        format!("label_values({}, host)", schema::SOURCE_UP.name)
    );
    assert_eq!(v["multi"], true);
    assert_eq!(v["includeAll"], true);
    assert_eq!(v["allValue"], ".*", "`.+` would hide a server's own series");
}

#[test]
fn the_fleet_overview_links_each_server_to_its_own_dashboards() {
    let all = dashboards::all();
    let uids: BTreeSet<&str> = all.iter().map(|d| d.uid).collect();
    let fleet = fleet_overview();
    let table = servers_table(&fleet);
    assert!(table.queries.len() >= 8, "one column per figure");
    for q in &table.queries {
        assert!(q.instant && q.legend.is_empty(), "{}", q.expr);
        assert!(
            q.expr.contains("by (host)"),
            "{}: one row per server",
            q.expr
        );
    }
    assert!(table.data_links.len() >= 5);
    for l in &table.data_links {
        let (target, query) = l
            .url
            .strip_prefix("/d/")
            .and_then(|u| u.split_once('?'))
            .unwrap_or_else(|| panic!("{}: not a dashboard link", l.url));
        assert!(uids.contains(target), "{}: no dashboard {target}", l.url);
        assert!(
            query.starts_with("var-host=${__data.fields.host}"),
            "{}: the row's server is selected there",
            l.url
        );
        let linked = all.iter().find(|d| d.uid == target).expect("linked");
        assert_eq!(linked.variables.first(), Some(&Variable::Host), "{target}");
    }
}

/// The two servers of the simulated central store.
const HOSTS: [&str; 2] = ["a", "b"];

/// Every label variable at All, `$host` at `host` (a regex, as Grafana writes it).
fn values(d: &dashboards::Dashboard, host: &str) -> BTreeMap<String, String> {
    let mut values = static_values(d);
    for v in &d.variables {
        if v.probe().is_some() {
            values.insert(v.name().to_owned(), ".*".to_owned());
        }
    }
    values.insert(rules::HOST.to_owned(), host.to_owned());
    values
}

/// The hosts of a query's rows; None for a row without one.
fn hosts_of(rows: &[Value]) -> Vec<Option<String>> {
    rows.iter()
        .map(|r| r["metric"][rules::HOST].as_str().map(str::to_owned))
        .collect()
}

/// Problems of one panel query on the two-server store: with All, a row of a thing (a
/// series the legend names) without its server; with host a, any row of b, or no data
/// where All had some.
async fn problems_on_two_hosts(
    prom: &Prometheus,
    d: &dashboards::Dashboard,
    (title, expr, legend): &(String, String, Vec<String>),
) -> Vec<String> {
    let at = format!("{} / {title}", d.uid);
    let all = prom.query(&substitute(expr, &values(d, ".*"))).await;
    let one = prom.query(&substitute(expr, &values(d, "a"))).await;
    let mut out = Vec::new();
    if !legend.is_empty() && hosts_of(&all).contains(&None) {
        out.push(format!("{at}: a line per thing without its server: {expr}"));
    }
    if hosts_of(&one).contains(&Some("b".to_owned())) {
        out.push(format!("{at}: host a selected, b's series shown: {expr}"));
    }
    if !all.is_empty() && one.is_empty() {
        out.push(format!("{at}: no data for host a alone: {expr}"));
    }
    out
}

/// The rules Prometheus could not evaluate (a join of two servers' series on a label they
/// share is refused as many-to-many), with the error.
async fn failing_rules(prom: &Prometheus) -> Vec<String> {
    let answer: Value = reqwest::get(format!("{}/api/v1/rules", prom.url))
        .await
        .expect("rules API")
        .json()
        .await
        .expect("JSON");
    let groups = answer["data"]["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rules: Vec<Value> = groups
        .iter()
        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(rules.len() > 50, "the rules were loaded: {}", rules.len());
    rules
        .iter()
        .filter(|r| r["health"] != "ok")
        .map(|r| format!("{} {} {}", r["name"], r["health"], r["lastError"]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_store_of_two_servers_every_query_keeps_them_apart_and_host_selects_one() {
    let (prom, (running, _announcements), _rules) =
        prometheus_on_the_simulator_as(Conditions::default(), &HOSTS).await;
    let mut problems = Vec::new();
    let mut checked = 0;
    for d in dashboards::all() {
        for q in promql(&d)
            .iter()
            .filter(|(t, _, _)| !t.starts_with("variable"))
        {
            // Prometheus answers every query: a join of two servers' series on a label
            // they share would be refused (many-to-many).
            problems.extend(problems_on_two_hosts(&prom, &d, q).await);
            checked += 1;
        }
    }
    let fleet = fleet_overview();
    let table = servers_table(&fleet);
    for q in &table.queries {
        let rows = prom
            .query(&substitute(&q.expr, &values(&fleet, ".*")))
            .await;
        let hosts: BTreeSet<Option<String>> = hosts_of(&rows).into_iter().collect();
        let want: BTreeSet<Option<String>> = HOSTS.iter().map(|h| Some((*h).to_owned())).collect();
        assert_eq!(hosts, want, "one row per server: {}", q.expr);
        assert_eq!(rows.len(), HOSTS.len(), "{}", q.expr);
    }
    let failing = failing_rules(&prom).await;
    running.stop.cancel();
    assert!(
        failing.is_empty(),
        "rules failing on two servers: {failing:#?}"
    );
    assert!(checked > 150, "queries checked: {checked}");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The Fleet overview dashboard.
fn fleet_overview() -> dashboards::Dashboard {
    dashboards::all()
        .into_iter()
        .find(|d| d.uid == dashboards::uid::FLEET)
        .expect("fleet dashboard")
}

/// Its table of servers, one row a host.
fn servers_table(fleet: &dashboards::Dashboard) -> &dashboards::Panel {
    fleet
        .panels()
        .find(|p| p.kind == dashboards::panel::Kind::Table)
        .expect("servers table")
}
