//! The simulated cAdvisor: CPU, memory and network per running container under cAdvisor's
//! own names and labels (`id`, `image`, `name`), consistent with the container view.

use super::scenario::Conditions;
use super::signal::{noise, DailyRate};
use super::traffic::{self, Traffic};
use super::Simulator;
use crate::scenario::Effects;
use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::*;
use llmmon_readings::containers::ContainerState;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const CFS_PERIOD_US: f64 = 100_000.0;

/// How a container uses CPU, memory and network.
struct Profile {
    cpu_cores: f64,
    memory_bytes: f64,
    traffic_driven: bool,
}

impl Simulator {
    /// cAdvisor's view of the running containers at time t.
    pub fn cadvisor_metrics(&self, t: f64) -> MetricSet {
        let readings = self.container_readings(t);
        let tl = self.timeline();
        let tr = Traffic {
            seed: self.seed,
            fleet: &self.fleet,
            timeline: &tl,
        };
        let mut m = MetricSet::new();
        for c in readings
            .iter()
            .filter(|c| c.state == Some(ContainerState::Running))
        {
            let profile = self.profile(&c.name);
            let id = format!("/system.slice/docker-{}.scope", c.id);
            let image = format!("{}:{}", c.image, c.image_version);
            let labels = [id.as_str(), image.as_str(), c.name.as_str()];
            let start = c.started_at.unwrap_or(t);
            // The counters integrate over the timeline from the container's first start, at
            // the share of each piece it ran, so a restart or a stop never sets them back.
            let vllm = self.fleet.vllm_spec(&c.name);
            let (from, up): (f64, &dyn Fn(&Conditions) -> f64) = match vllm {
                Some(spec) => (tr.origin(spec), &move |cond| traffic::up_share(spec, cond)),
                None => (start, &|_| 1.0),
            };
            let rate = |factor: f64| {
                let f = if profile.traffic_driven { factor } else { 1.0 };
                DailyRate {
                    base: profile.cpu_cores * 0.7 * f,
                    amplitude: profile.cpu_cores * 0.6 * f,
                }
            };
            let cpu: f64 = tl
                .pieces(from, t)
                .map(|(a, b, cond)| up(cond) * rate(cond.traffic_factor()).integral(a, b))
                .sum();
            m.counter(&CADVISOR_CPU, &["total", &id, &image, &c.name], cpu);
            let mem = profile.memory_bytes * (1.0 + 0.05 * noise(self.seed, &c.name, t, 90.0));
            m.gauge(&CADVISOR_MEM_USAGE, &labels, mem);
            m.gauge(&CADVISOR_MEM_WORKING_SET, &labels, mem * 0.85);
            m.gauge(&CADVISOR_MEM_RSS, &labels, mem * 0.7);
            let bps = if profile.traffic_driven {
                20_000.0
            } else {
                2_000.0
            };
            let net: f64 = tl
                .pieces(from, t)
                .map(|(a, b, cond)| {
                    DailyRate {
                        base: bps,
                        amplitude: bps,
                    }
                    .integral(a, b)
                        * cond.traffic_factor()
                        * up(cond)
                })
                .sum();
            let net_labels = [id.as_str(), image.as_str(), "eth0", c.name.as_str()];
            m.counter(&CADVISOR_NET_RX, &net_labels, net.floor());
            m.counter(&CADVISOR_NET_TX, &net_labels, (net * 1.3).floor());
            // cAdvisor reports 0 for an unlimited memory limit and omits the quota.
            m.gauge(
                &CADVISOR_SPEC_MEM_LIMIT,
                &labels,
                c.memory_limit_bytes.unwrap_or(0.0),
            );
            if let Some(cores) = c.cpu_limit_cores {
                m.gauge(&CADVISOR_SPEC_CPU_QUOTA, &labels, cores * CFS_PERIOD_US);
                m.gauge(&CADVISOR_SPEC_CPU_PERIOD, &labels, CFS_PERIOD_US);
            }
            m.gauge(&CADVISOR_START_TIME, &labels, start.floor());
            m.gauge(&CADVISOR_LAST_SEEN, &labels, t.floor());
        }
        m
    }

    fn profile(&self, name: &str) -> Profile {
        if let Some(s) = self.fleet.services.iter().find(|s| s.container == name) {
            return Profile {
                cpu_cores: s.cpu_cores,
                memory_bytes: s.memory_bytes,
                traffic_driven: s.traffic_driven,
            };
        }
        // vLLM containers: the API server and scheduler on the host (busier with more
        // traffic), one worker process per GPU of the tensor-parallel group.
        let spec = self.fleet.vllm_spec(name);
        let (share, gpus) = spec.map_or((0.1, 1.0), |v| (v.traffic_share, v.gpus.len() as f64));
        Profile {
            cpu_cores: 0.4 + 8.0 * share + 0.3 * gpus,
            memory_bytes: (12.0 + 3.0 * gpus) * GIB,
            traffic_driven: true,
        }
    }
}
