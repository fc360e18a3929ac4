//! `docs/dashboards.md`, generated from the dashboards themselves so the page lists exactly
//! the panels that ship, what each answers and which alert it relates to.

use super::{all, Audience, Dashboard, Variable};

const INTRO: &str = "# Dashboards

Generated from `src/dashboards/` (do not edit this page: change the code, then run
`LLMMON_UPDATE_GOLDEN=1 cargo test --test integration dashboards::`, which rewrites
`dashboards/**/*.json` and this page; without the variable the test fails when either drifts).

Grafana provisions them from `dashboards/` (`compose/config/grafana/provisioning/dashboards/`):
`home.json` is the home page, the rest sit in the folders *Infrastructure*, *LLM services* and
*End users*. Every dashboard links to every other (the *llmmon* menu, top right) and to Home.
Datasources are referred to by the provisioned uids `prometheus` and `loki`. Time series show
the firing alerts of the related rule groups as annotations; thresholds are the alert rules'
own (`exporter/src/thresholds.rs`, `src/rules/config.rs`).

## More than one server

The same dashboards serve one server's Prometheus and a fleet's central store, where every
series carries the `host` label its server's `remote_write` adds. Every dashboard with PromQL
starts with the variable `$host` (*Server*: the hosts of every exporter's `source_up`,
multi-select, *All* by default), and every query is scoped to it in one place
(`src/dashboards/scope.rs`): each selector gets `host=~\"$host\"`, each `by (…)` and `on (…)`
gets `host`, so a panel draws one line per server and thing and never adds up or matches the
series of two servers. Aggregations without grouping (the stats) are totals over the selected
servers. *All* is `.*`, which also matches a series without the label: on a single server,
where no series has a host, the list is empty and every panel shows what it showed before.
Legends name no host (a single server has none): with several servers selected, lines of
the same name are the same thing on different servers; pick one server to tell them apart.
The *Fleet overview* has one table row per server, linking to that server's dashboards. The
Logs dashboard has no `$host`: Loki's streams carry no host label.

## How they are verified

Grafana, Loki and Alloy cannot run on the development machines, so
`tests/integration/dashboards.rs` checks what can be checked without them:

- **Structure**: unique panel ids, no overlapping grid positions, every panel has a title, a
  unit and a datasource uid the provisioning defines; every dashboard has a uid, tags and
  links; panel links point at existing dashboards; alerts named by panels exist.
- **Scoped to `$host`**: every selector of every PromQL query (panels, annotations) has the
  matcher `host=~\"$host\"`, no aggregation or join drops `host` (read from the parsed query),
  `$host` is the first variable and the other Prometheus variables list the selected
  servers' values only.
- **Two servers**: a second real Prometheus scrapes every target twice, under `host=\"a\"` and
  `host=\"b\"`, as a central store holds two servers, and evaluates the rules there. Every
  rule evaluates without error (no join of two servers' series), every panel and annotation
  query runs, every line a legend names a thing of carries its server, with `$host` at `a` no
  series of `b` is shown and data stays where *All* had some, and each column of the Fleet
  overview's table has one row per server.
- **Metric names**: every metric a PromQL expression names is a schema family
  (`exporter/src/schema.rs`), a recording rule (`src/rules/recording.rs`) or Prometheus'
  own `ALERTS`.
- **PromQL returns data**: real Prometheus 2.42 scrapes every simulator role (and the
  simulated LiteLLM proxy's own `/metrics` as job `litellm-proxy`, and an announcements
  service holding a maintenance, a deprecation, a new model, a changelog entry and a status
  set by hand) with the generated rules loaded. Every panel, variable and annotation query runs with the label variables at *All*
  (Grafana's default), where it must return series carrying every label its legend uses,
  and with the first label variable at each of its values, where it must do so for at least
  one value (a GPU panel is rightly empty for a non-GPU container). `$__rate_interval` and
  `$__interval` become `1m`, `$__range` `1h`, `$agg` its default `1h`. A second test injects
  faults (GPU overheat, a model stuck loading) and checks that the panels
  meant to show them do, and stay quiet without them.
- **LogQL parses**: every Loki query is parsed by `tests/integration/logql.rs` (a parser of the
  subset used, after Loki's documented grammar, tested on queries from Loki's documentation
  in `tests/fixtures/logql/`) and selects only on labels Alloy attaches
  (`compose/config/alloy/config.alloy`).
- **Query cost**: `cargo bench --bench dashboards` times each dashboard's PromQL over 30
  days of backfilled simulator history (see `docs/benchmarks.md`). LogQL is not timed (no
  Loki here).

Not verified here: how Grafana renders the JSON (no Grafana binary or image is available);
the JSON follows Grafana's dashboard schema 39 as documented.

**Exceptions to \"returns data\"** — they run, but need not return series:

";

fn audience(a: Audience) -> &'static str {
    match a {
        Audience::Maintainers => "maintainers",
        Audience::EndUsers => "end users",
        Audience::Everyone => "maintainers and end users",
    }
}

fn variables(d: &Dashboard) -> String {
    let names: Vec<String> = d
        .variables
        .iter()
        .filter(|v| !matches!(v, Variable::Constant { .. }))
        .map(|v| format!("`${}`", v.name()))
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn section(d: &Dashboard) -> String {
    let mut out = format!(
        "\n## {}\n\n`{}` · uid `{}` · for {} · variables: {}\n\n{}\n",
        d.title,
        d.path(),
        d.uid,
        audience(d.audience),
        variables(d),
        d.purpose
    );
    let annotated = super::alert_names(&d.alert_groups);
    if !annotated.is_empty() {
        out.push_str(&format!("\nAlert annotations: {}.\n", annotated.join(", ")));
    }
    for r in &d.rows {
        out.push_str(&format!(
            "\n**{}**\n\n| panel | what it answers | alerts |\n|---|---|---|\n",
            r.title
        ));
        for p in &r.panels {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                p.title,
                p.description.replace('|', "\\|"),
                p.alerts.join(", ")
            ));
        }
    }
    out
}

/// The whole page.
pub fn markdown() -> String {
    let mut out = INTRO.to_owned();
    out.push_str(
        "- The alert annotation queries (`ALERTS{alertstate=\"firing\"}`): they return series \
         only while an alert fires.\n",
    );
    for d in all() {
        out.push_str(&section(&d));
    }
    out
}
