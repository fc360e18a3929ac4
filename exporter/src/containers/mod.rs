//! Docker containers: llmmon's reading of each container (from the Docker API or the
//! simulator), the source trait, and the collector for the `containers` role.
//!
//! CPU / memory / network *usage* comes from cAdvisor, not from here.

pub mod crash;
pub mod docker_source;

use std::sync::Arc;

use async_trait::async_trait;

use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::*;
use llmmon_core::source::{Collection, Collector, SourceError};

pub use llmmon_readings::containers::*;

/// Turns readings into the `containers` role's families.
pub fn render(containers: &[ContainerReading]) -> MetricSet {
    let mut m = MetricSet::new();
    for c in containers {
        let name = [c.name.as_str()];
        m.gauge(
            &CONTAINER_INFO,
            &[
                &c.name,
                c.compose_project.as_deref().unwrap_or(""),
                c.compose_service.as_deref().unwrap_or(""),
                &c.image,
                &c.image_version,
                c.class(),
                c.cuda_version.as_deref().unwrap_or(""),
                &c.restart_policy,
                &c.network_mode,
            ],
            1.0,
        );
        m.state_set(
            &CONTAINER_STATE,
            &name,
            ContainerState::LABELS,
            c.state.map_or("", ContainerState::as_str),
        );
        m.state_set(
            &CONTAINER_HEALTH,
            &name,
            ContainerHealth::LABELS,
            c.health.as_str(),
        );
        m.gauge(&CONTAINER_RESTARTS, &name, c.restart_count as f64);
        m.gauge_opt(&CONTAINER_EXIT_CODE, &name, c.exit_code.map(|e| e as f64));
        m.gauge_opt(&CONTAINER_START_TIME, &name, c.started_at);
        m.gauge_opt(&CONTAINER_MEMORY_LIMIT, &name, c.memory_limit_bytes);
        m.gauge_opt(&CONTAINER_CPU_LIMIT, &name, c.cpu_limit_cores);
        for mount in &c.mounts {
            m.gauge(
                &CONTAINER_MOUNT_PRESENT,
                &[&c.name, &mount.destination, &mount.kind],
                f64::from(u8::from(mount.source_exists)),
            );
        }
        for gpu in &c.gpus {
            m.gauge(&CONTAINER_GPU, &[&c.name, &gpu.to_string()], 1.0);
        }
        m.gauge(
            &CONTAINER_CRASH_LOOP,
            &name,
            f64::from(u8::from(c.crash_looping)),
        );
        m.gauge_opt(&CONTAINER_SERVED_PORT, &name, c.served_port.map(f64::from));
    }
    m
}

/// The `containers` role's collector over any [`ContainerSource`].
pub struct ContainerCollector {
    pub source: Arc<dyn ContainerSource>,
}

#[async_trait]
impl Collector for ContainerCollector {
    fn name(&self) -> &str {
        "docker"
    }

    async fn collect(&self) -> Result<Collection, SourceError> {
        Ok(render(&self.source.list().await?).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmmon_core::exposition::Value;

    #[test]
    fn a_container_without_healthcheck_reports_health_none() {
        let c = ContainerReading {
            name: "x".into(),
            state: Some(ContainerState::Running),
            ..ContainerReading::default()
        };
        let m = render(&[c]);
        assert_eq!(
            m.value(&CONTAINER_HEALTH, &["x", "none"]),
            Some(&Value::Gauge(1.0))
        );
        assert_eq!(
            m.value(&CONTAINER_STATE, &["x", "running"]),
            Some(&Value::Gauge(1.0))
        );
        assert!(
            m.samples(&CONTAINER_MEMORY_LIMIT).is_empty(),
            "unlimited is absent"
        );
    }

    #[test]
    fn gpu_containers_are_classed_and_list_their_gpus() {
        let c = ContainerReading {
            name: "vllm".into(),
            state: Some(ContainerState::Running),
            uses_gpu: true,
            gpus: vec![0, 1],
            ..ContainerReading::default()
        };
        let m = render(&[c]);
        assert_eq!(m.samples(&CONTAINER_GPU).len(), 2);
        assert_eq!(m.samples(&CONTAINER_INFO)[0].labels[5], "gpu");
    }
}
