//! Alerting rules, grouped by what they watch. Every alert has a severity, a family (its
//! critical / warning twin shares it), a summary and a description that shows the value and
//! the threshold; `runbook_url` is added when the file is written. Alerts on a state (a
//! model unhealthy, a target down) have a 0/1 flag as value: their description names the
//! affected thing and the window instead of printing the flag.

use llmmon_core::schema as s;

use super::config::seconds;
use super::recording as rec;
use super::{num, percent, Alert, Config, Group, Severity, HOST};

/// Prometheus' own per-target health series (not an exporter family).
pub const UP: &str = "up";

/// Go-template snippets for annotations.
pub(super) const VALUE_INT: &str = r#"{{ $value | printf "%.0f" }}"#;
const VALUE_PCT: &str = "{{ $value | humanizePercentage }}";
pub(super) const VALUE_DURATION: &str = "{{ $value | humanizeDuration }}";

/// The target a summary names as `{{ $labels.instance }}`: the server's host name where the
/// alert has one (evaluated centrally), else the scrape target as before (on the server's
/// own Prometheus, which has no `host` label).
const HOST_OR_INSTANCE: &str =
    "{{ with $labels.host }}{{ . }}{{ else }}{{ $labels.instance }}{{ end }}";
/// What a summary that names no target ends with: ` on <host>` centrally, nothing locally.
const ON_HOST: &str = "{{ with $labels.host }} on {{ . }}{{ end }}";

/// `summary` naming the server where the alert has a `host` label, and rendering exactly
/// as written where it has none: its `{{ $labels.instance }}` becomes the host name, or a
/// summary without one gains ` on <host>`.
pub(super) fn host_summary(summary: &str) -> String {
    const INSTANCE: &str = "{{ $labels.instance }}";
    if summary.contains(INSTANCE) {
        summary.replace(INSTANCE, HOST_OR_INSTANCE)
    } else {
        format!("{summary}{ON_HOST}")
    }
}

/// An alert; its summary names the server (see [`host_summary`]).
pub(super) fn alert(
    name: &'static str,
    severity: Severity,
    family: &'static str,
    for_: &'static str,
    expr: String,
    summary: &str,
    description: String,
) -> Alert {
    Alert {
        name,
        expr,
        for_,
        severity,
        family,
        summary: host_summary(summary),
        description,
    }
}

fn gpu(cfg: &Config) -> Group<Alert> {
    let temp = s::GPU_TEMPERATURE.name;
    Group {
        name: "llmmon-gpu",
        rules: vec![
            alert(
                "GPUTemperatureCritical",
                Severity::Critical,
                "GPUTemperature",
                cfg.for_gpu_temp_critical,
                format!("{temp} > {}", num(cfg.gpu_temp_critical_c)),
                "GPU {{ $labels.gpu }} on {{ $labels.instance }} is overheating",
                format!(
                    "GPU {{{{ $labels.gpu }}}} is at {VALUE_INT} °C, above the critical {} °C \
                     for {}; it throttles its clocks and shuts down if it gets hotter.",
                    num(cfg.gpu_temp_critical_c),
                    cfg.for_gpu_temp_critical
                ),
            ),
            alert(
                "GPUTemperatureHigh",
                Severity::Warning,
                "GPUTemperature",
                cfg.for_gpu_temp_warning,
                format!("{temp} > {}", num(cfg.gpu_temp_warning_c)),
                "GPU {{ $labels.gpu }} on {{ $labels.instance }} runs hot",
                format!(
                    "GPU {{{{ $labels.gpu }}}} has been above {} °C for {} ({VALUE_INT} °C \
                     now); sustained load on an H200 stays below this, so check airflow and \
                     fans before it reaches {} °C.",
                    num(cfg.gpu_temp_warning_c),
                    cfg.for_gpu_temp_warning,
                    num(cfg.gpu_temp_critical_c)
                ),
            ),
            alert(
                "GPUMemoryCritical",
                Severity::Critical,
                "GPUMemoryCritical",
                cfg.for_gpu_memory,
                format!(
                    "{} > {}",
                    rec::gpu_memory_used_ratio(),
                    num(cfg.gpu_memory_critical_ratio)
                ),
                "GPU {{ $labels.gpu }} on {{ $labels.instance }} is out of memory",
                format!(
                    "GPU {{{{ $labels.gpu }}}} has {VALUE_PCT} of its memory in use \
                     (critical above {}); the next allocation (a model starting, a larger \
                     batch) fails with out-of-memory.",
                    percent(cfg.gpu_memory_critical_ratio)
                ),
            ),
        ],
    }
}

fn host(cfg: &Config) -> Group<Alert> {
    let fs = cfg.fs_selector;
    let free_ratio = format!(
        "{}{{{fs}}}\n  / {}{{{fs}}}\n",
        s::NODE_FS_AVAIL.name,
        s::NODE_FS_SIZE.name
    );
    let disk_description = |level: &str, ratio: f64| {
        format!(
            "{{{{ $labels.mountpoint }}}} ({{{{ $labels.device }}}}) has {VALUE_PCT} of its \
             space free ({level} below {}); Docker, Prometheus and model downloads fail when \
             it fills.",
            percent(ratio)
        )
    };
    Group {
        name: "llmmon-host",
        rules: vec![
            alert(
                "HostCPUCritical",
                Severity::Critical,
                "HostCPUCritical",
                cfg.for_host_cpu,
                format!(
                    "{} > {}",
                    rec::host_cpu_utilisation(cfg),
                    num(cfg.host_cpu_critical_ratio)
                ),
                "Host {{ $labels.instance }} CPU is saturated",
                format!(
                    "The host's CPUs have been {VALUE_PCT} busy for {} (critical above {}); \
                     tokenisation, LiteLLM and the exporters slow down.",
                    cfg.for_host_cpu,
                    percent(cfg.host_cpu_critical_ratio)
                ),
            ),
            alert(
                "HostMemoryHigh",
                Severity::Warning,
                "HostMemoryHigh",
                cfg.for_host_memory,
                format!(
                    "{} > {}",
                    rec::host_memory_utilisation(),
                    num(cfg.host_memory_warning_ratio)
                ),
                "Host {{ $labels.instance }} memory is filling up",
                format!(
                    "{VALUE_PCT} of the host's memory has been in use for {} (warning above \
                     {}); the kernel's OOM killer picks a large process (often a vLLM worker) \
                     when it runs out.",
                    cfg.for_host_memory,
                    percent(cfg.host_memory_warning_ratio)
                ),
            ),
            alert(
                "DiskSpaceCritical",
                Severity::Critical,
                "DiskSpace",
                cfg.for_disk_critical,
                format!("{free_ratio} < {}", num(cfg.disk_free_critical_ratio)),
                "Disk {{ $labels.mountpoint }} on {{ $labels.instance }} is almost full",
                disk_description("critical", cfg.disk_free_critical_ratio),
            ),
            alert(
                "DiskSpaceLow",
                Severity::Warning,
                "DiskSpace",
                cfg.for_disk_warning,
                format!("{free_ratio} < {}", num(cfg.disk_free_warning_ratio)),
                "Disk {{ $labels.mountpoint }} on {{ $labels.instance }} is filling up",
                disk_description("warning", cfg.disk_free_warning_ratio),
            ),
        ],
    }
}

fn containers(cfg: &Config) -> Group<Alert> {
    let restarts = rec::container_restarts_increase(cfg);
    let on = format!("on ({HOST}, container, instance, job)");
    Group {
        name: "llmmon-containers",
        rules: vec![
            alert(
                "ContainerRestartLoop",
                Severity::Critical,
                "ContainerRestartLoop",
                cfg.for_restart_loop,
                format!(
                    "{restarts} >= {}\nor {on}\n  ({restarts} and {on} ({} == 1))",
                    num(cfg.restart_loop_restarts),
                    s::CONTAINER_CRASH_LOOP.name
                ),
                "Container {{ $labels.container }} is in a restart loop",
                format!(
                    "{{{{ $labels.container }}}} restarted {VALUE_INT} times in the last {} \
                     (a loop from {} on, or when the exporter flags it crash-looping); it \
                     exits shortly after every start.",
                    cfg.restart_window,
                    num(cfg.restart_loop_restarts)
                ),
            ),
            alert(
                "ContainerUnhealthy",
                Severity::Warning,
                "ContainerUnhealthy",
                cfg.for_container_unhealthy,
                format!("{}{{status=\"unhealthy\"}} == 1", s::CONTAINER_HEALTH.name),
                "Container {{ $labels.container }} is unhealthy",
                format!(
                    "Docker's healthcheck of {{{{ $labels.container }}}} has failed for {}; \
                     the service inside may not answer.",
                    cfg.for_container_unhealthy
                ),
            ),
            alert(
                "ContainerMountMissing",
                Severity::Warning,
                "ContainerMountMissing",
                cfg.for_mount_missing,
                format!("{} == 0", s::CONTAINER_MOUNT_PRESENT.name),
                "A mount of container {{ $labels.container }} has no source",
                format!(
                    "The {{{{ $labels.type }}}} mount at {{{{ $labels.destination }}}} in \
                     {{{{ $labels.container }}}} has had no source on the host for {}; Docker \
                     created an empty directory, so the container sees no data there.",
                    cfg.for_mount_missing
                ),
            ),
        ],
    }
}

/// A model whose announced retirement is near (the announcements service's lifecycle
/// dates) and that still serves requests: its users have not moved yet.
fn deprecated_in_use(cfg: &Config) -> Alert {
    let retired = format!("{}{{event=\"retired\"}}", s::MODEL_LIFECYCLE.name);
    alert(
        "DeprecatedModelInUse",
        Severity::Warning,
        "DeprecatedModelInUse",
        cfg.for_deprecated_in_use,
        format!(
            "({retired} - time() < {notice} and {retired} - time() > 0)\nand on ({HOST}, model)\n  \
             sum by ({HOST}, model) (increase({}[{}])) > 0",
            s::VLLM_REQUEST_SUCCESS.name,
            cfg.deprecation_traffic_window,
            notice = num(seconds(cfg.deprecation_notice)),
        ),
        "Model {{ $labels.model }} retires soon and is still in use",
        format!(
            "{{{{ $labels.model }}}} is announced to retire in {VALUE_DURATION} (warning \
             within {}) and served requests in the last {}; tell its users which model \
             replaces it, or move the date.",
            cfg.deprecation_notice, cfg.deprecation_traffic_window
        ),
    )
}

fn models(cfg: &Config) -> Group<Alert> {
    let state = s::VLLM_STATE.name;
    let window_s = num(seconds(cfg.error_window));
    Group {
        name: "llmmon-models",
        rules: vec![
            alert(
                "ModelLoadFailure",
                Severity::Critical,
                "ModelLoadFailure",
                cfg.for_model_loading,
                format!("{state}{{state=\"loading\"}} == 1"),
                "Model {{ $labels.model }} does not finish loading",
                format!(
                    "{{{{ $labels.container }}}} has been loading {{{{ $labels.model }}}} for \
                     more than {}; vLLM usually stops here because the KV cache does not fit \
                     in GPU memory or the weights are missing — its log says which.",
                    cfg.for_model_loading
                ),
            ),
            alert(
                "ModelUnhealthy",
                Severity::Critical,
                "ModelUnhealthy",
                cfg.for_model_unhealthy,
                format!("{state}{{state=\"unhealthy\"}} == 1"),
                "Model {{ $labels.model }} is unhealthy",
                format!(
                    "The vLLM engine of {{{{ $labels.model }}}} in {{{{ $labels.container }}}} \
                     has failed its health check for {}; requests to this model fail.",
                    cfg.for_model_unhealthy
                ),
            ),
            alert(
                "RequestErrorRateCritical",
                Severity::Critical,
                "RequestErrorRateCritical",
                cfg.for_error_ratio,
                format!(
                    "{} > {}\nand on ({HOST}, model)\n  {} * {window_s} >= {}",
                    rec::request_error_ratio(cfg),
                    num(cfg.error_ratio_critical),
                    rec::request_errors_rate(cfg),
                    num(cfg.error_min_failed)
                ),
                "Requests to {{ $labels.model }} fail",
                format!(
                    "{VALUE_PCT} of the requests to {{{{ $labels.model }}}} failed over the \
                     last {} (critical above {}, once at least {} requests failed).",
                    cfg.error_window,
                    percent(cfg.error_ratio_critical),
                    num(cfg.error_min_failed)
                ),
            ),
            alert(
                "ResponseTimeHigh",
                Severity::Warning,
                "ResponseTimeHigh",
                cfg.for_latency,
                format!(
                    "{p95}\n  > {} * ({p95} offset {})\nand on ({HOST}, model)\n  {} >= {}",
                    num(cfg.latency_factor),
                    cfg.latency_baseline_offset,
                    rec::e2e_count_increase(cfg),
                    num(cfg.latency_min_requests),
                    p95 = rec::e2e_p95(cfg)
                ),
                "Model {{ $labels.model }} answers slowly",
                format!(
                    "The p95 end-to-end latency of {{{{ $labels.model }}}} is {VALUE_DURATION} \
                     over the last {}, more than {}× the same hour {} ago (counted once the \
                     model served {} requests in the window).",
                    cfg.latency_window,
                    num(cfg.latency_factor),
                    cfg.latency_baseline_offset,
                    num(cfg.latency_min_requests)
                ),
            ),
            alert(
                "KVCacheHigh",
                Severity::Warning,
                "KVCacheHigh",
                cfg.for_kv_cache,
                format!(
                    "{} > {}",
                    s::VLLM_KV_CACHE.name,
                    num(cfg.kv_cache_warning_ratio)
                ),
                "KV cache of {{ $labels.model }} is nearly full",
                format!(
                    "{{{{ $labels.model }}}} in {{{{ $labels.container }}}} has used \
                     {VALUE_PCT} of its KV cache for {} (warning above {}); vLLM preempts \
                     running requests and queues new ones.",
                    cfg.for_kv_cache,
                    percent(cfg.kv_cache_warning_ratio)
                ),
            ),
            deprecated_in_use(cfg),
            alert(
                "QueueDepthHigh",
                Severity::Warning,
                "QueueDepthHigh",
                cfg.for_queue,
                format!(
                    "{} > {}",
                    s::VLLM_WAITING.name,
                    num(cfg.queue_warning_requests)
                ),
                "Requests queue up at {{ $labels.model }}",
                format!(
                    "{VALUE_INT} requests are waiting for {{{{ $labels.model }}}} in \
                     {{{{ $labels.container }}}} (warning above {} for {}); users wait before \
                     the first token.",
                    num(cfg.queue_warning_requests),
                    cfg.for_queue
                ),
            ),
        ],
    }
}

fn litellm(cfg: &Config) -> Group<Alert> {
    Group {
        name: "llmmon-litellm",
        rules: vec![alert(
            "CostOverBudget",
            Severity::Warning,
            "CostOverBudget",
            cfg.for_budget,
            format!(
                "{} > {}",
                rec::key_budget_ratio(),
                num(cfg.budget_warning_ratio)
            ),
            "Key {{ $labels.key_alias }} is close to its budget",
            format!(
                "LiteLLM key {{{{ $labels.key_alias }}}} has spent {VALUE_PCT} of its budget \
                 (warning above {}); LiteLLM rejects its requests once the budget is used up.",
                percent(cfg.budget_warning_ratio)
            ),
        )],
    }
}

fn monitoring(cfg: &Config) -> Group<Alert> {
    Group {
        name: "llmmon-monitoring",
        rules: vec![
            alert(
                "ExporterSourceDown",
                Severity::Critical,
                "ExporterSourceDown",
                cfg.for_source_down,
                format!("{} == 0", s::SOURCE_UP.name),
                "Exporter {{ $labels.job }} cannot read {{ $labels.source }}",
                format!(
                    "The {{{{ $labels.job }}}} exporter has failed to collect from \
                     {{{{ $labels.source }}}} for {}; its metrics are missing, so alerts that \
                     need them cannot fire. The reason is in the exporter's /ready and log.",
                    cfg.for_source_down
                ),
            ),
            alert(
                "ExporterEndpointFailing",
                Severity::Warning,
                "ExporterEndpointFailing",
                cfg.for_endpoint_failing,
                format!(
                    "{}{{kind!=\"unsupported\"}} == 1",
                    s::ENDPOINT_ERROR.name
                ),
                "{{ $labels.source }} answers, but its {{ $labels.endpoint }} endpoint fails ({{ $labels.kind }})",
                format!(
                    "The {{{{ $labels.job }}}} exporter reaches {{{{ $labels.source }}}}, but its \
                     {{{{ $labels.endpoint }}}} endpoint has failed ({{{{ $labels.kind }}}}) for \
                     {}; the families it feeds are missing, the others are exported. An \
                     endpoint the deployment does not offer (kind unsupported, such as LiteLLM \
                     without a database) does not raise this. The reason is in the exporter's \
                     /ready.",
                    cfg.for_endpoint_failing
                ),
            ),
            alert(
                "ScrapeTargetDown",
                Severity::Critical,
                "ScrapeTargetDown",
                cfg.for_target_down,
                format!("{UP} == 0"),
                "Prometheus cannot scrape {{ $labels.job }}",
                format!(
                    "Prometheus has failed to scrape {{{{ $labels.job }}}} at \
                     {{{{ $labels.instance }}}} for {}; nothing that target reports is \
                     monitored.",
                    cfg.for_target_down
                ),
            ),
        ],
    }
}

pub fn groups(cfg: &Config) -> Vec<Group<Alert>> {
    vec![
        gpu(cfg),
        super::gpu_health::group(cfg),
        host(cfg),
        containers(cfg),
        models(cfg),
        litellm(cfg),
        monitoring(cfg),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn alert_names_are_unique_and_families_pair_one_critical_with_one_warning() {
        let cfg = Config::default();
        let mut names = BTreeSet::new();
        let mut families: BTreeMap<&str, Vec<Severity>> = BTreeMap::new();
        for a in groups(&cfg).into_iter().flat_map(|g| g.rules) {
            assert!(names.insert(a.name), "{} defined twice", a.name);
            families.entry(a.family).or_default().push(a.severity);
        }
        for (family, mut sev) in families {
            sev.sort();
            assert!(
                sev.len() == 1 || sev == [Severity::Critical, Severity::Warning],
                "family {family} has severities {sev:?}"
            );
        }
    }

    #[test]
    fn a_summary_names_the_host_in_place_of_the_instance_or_after_the_sentence() {
        assert_eq!(
            host_summary("GPU {{ $labels.gpu }} on {{ $labels.instance }} runs hot"),
            "GPU {{ $labels.gpu }} on {{ with $labels.host }}{{ . }}{{ else }}\
             {{ $labels.instance }}{{ end }} runs hot"
        );
        assert_eq!(
            host_summary("Requests to {{ $labels.model }} fail"),
            "Requests to {{ $labels.model }} fail{{ with $labels.host }} on {{ . }}{{ end }}"
        );
    }

    #[test]
    fn every_summary_names_the_host_where_the_alert_has_one() {
        let cfg = Config::default();
        for a in groups(&cfg).into_iter().flat_map(|g| g.rules) {
            assert!(
                a.summary.contains("{{ with $labels.host }}"),
                "{}: {}",
                a.name,
                a.summary
            );
            assert!(
                !a.summary.contains("{{ $labels.host }}"),
                "{}: a bare host renders empty on one server",
                a.name
            );
        }
    }

    #[test]
    fn every_description_shows_the_value_unless_the_value_is_a_state_flag() {
        let cfg = Config::default();
        for a in groups(&cfg).into_iter().flat_map(|g| g.rules) {
            let flag = a.expr.ends_with("== 1") || a.expr.ends_with("== 0");
            assert_eq!(
                a.description.contains("$value"),
                !flag,
                "{}: a measured value belongs in the description, a 0/1 flag does not",
                a.name
            );
        }
    }
}
