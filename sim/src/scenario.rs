//! What scenarios and fault switches do to the fleet, and the timeline of switches that
//! lets counters stay monotonic when the scenario changes at run time.

use std::collections::BTreeSet;

pub use llmmon_core::scenario::{Conditions, Fault, Scenario};

/// What conditions do to the fleet.
pub trait Effects {
    /// Multiplier on request traffic.
    fn traffic_factor(&self) -> f64;
    /// Fraction of requests that fail.
    fn error_ratio(&self) -> f64;
    /// Multiplier on every latency.
    fn latency_factor(&self) -> f64;
}

impl Effects for Conditions {
    /// Multiplier on request traffic.
    fn traffic_factor(&self) -> f64 {
        match self.scenario {
            Scenario::Normal | Scenario::Degraded => 1.0,
            Scenario::HighLoad => 4.0,
            Scenario::Maintenance => 0.3,
        }
    }

    /// Fraction of requests that fail.
    fn error_ratio(&self) -> f64 {
        let base: f64 = match self.scenario {
            Scenario::Normal | Scenario::Maintenance => 0.004,
            Scenario::HighLoad => 0.012,
            Scenario::Degraded => 0.08,
        };
        if self.has(Fault::ErrorBurst) {
            base.max(0.15)
        } else {
            base
        }
    }

    /// Multiplier on every latency.
    fn latency_factor(&self) -> f64 {
        match self.scenario {
            Scenario::Normal | Scenario::Maintenance => 1.0,
            Scenario::HighLoad => 2.0,
            Scenario::Degraded => 3.0,
        }
    }
}

/// One stretch of time under fixed conditions, from `start` until the next segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub conditions: Conditions,
}

/// The history of conditions. The first segment reaches back to the beginning of time.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    segments: Vec<Segment>,
}

impl Timeline {
    /// A timeline whose scenario has always been `initial.scenario`; its faults switch on at
    /// `anchor` (the simulator's start), so a crash loop starts then, not in the past.
    pub fn new(initial: Conditions, anchor: f64) -> Self {
        let mut tl = Self {
            segments: vec![Segment {
                start: f64::NEG_INFINITY,
                conditions: Conditions {
                    scenario: initial.scenario,
                    faults: BTreeSet::new(),
                },
            }],
        };
        tl.switch(anchor, initial);
        tl
    }

    /// Switches conditions from time `at` on. Switches must come in time order; one that
    /// comes earlier than the last replaces the later history.
    pub fn switch(&mut self, at: f64, conditions: Conditions) {
        self.segments
            .retain(|s| s.start < at || s.start == f64::NEG_INFINITY);
        if self.current().conditions != conditions {
            self.segments.push(Segment {
                start: at,
                conditions,
            });
        }
    }

    pub fn current(&self) -> &Segment {
        // The list is never empty: new() puts one segment in and switch() keeps the first.
        &self.segments[self.segments.len() - 1]
    }

    /// Conditions in force at time `t`.
    pub fn at(&self, t: f64) -> &Segment {
        self.segments
            .iter()
            .rev()
            .find(|s| s.start <= t)
            .unwrap_or(&self.segments[0])
    }

    /// The pieces of [a, b] with the conditions of each, in time order.
    pub fn pieces(&self, a: f64, b: f64) -> impl Iterator<Item = (f64, f64, &Conditions)> {
        self.segments.iter().enumerate().filter_map(move |(i, s)| {
            let end = self.segments.get(i + 1).map_or(f64::INFINITY, |n| n.start);
            let (lo, hi) = (a.max(s.start), b.min(end));
            (lo < hi).then_some((lo, hi, &s.conditions))
        })
    }

    /// When the fault was switched on, if it is on at time `t`.
    pub fn fault_since(&self, fault: Fault, t: f64) -> Option<f64> {
        self.since(t, |c| c.has(fault))
    }

    /// The unbroken stretches of time up to `t` during which `holds` was true, each as
    /// (start, end), the last one ending at `t` if it still holds then.
    pub fn stretches(
        &self,
        t: f64,
        holds: impl Fn(&Conditions) -> bool,
    ) -> impl Iterator<Item = (f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        let mut open: Option<f64> = None;
        for (i, s) in self.segments.iter().enumerate() {
            if s.start > t {
                break;
            }
            let end = self.segments.get(i + 1).map_or(t, |n| n.start.min(t));
            match (holds(&s.conditions), open) {
                (true, None) => open = Some(s.start),
                (false, Some(a)) => {
                    out.push((a, s.start));
                    open = None;
                }
                _ => {}
            }
            if end >= t {
                break;
            }
        }
        if let Some(a) = open {
            out.push((a, t));
        }
        out.into_iter().filter(|(a, b)| a < b)
    }

    /// Since when `holds` has been true without a break, if it holds at time `t`
    /// (negative infinity when it always has).
    pub fn since(&self, t: f64, holds: impl Fn(&Conditions) -> bool) -> Option<f64> {
        let mut since = None;
        for s in self.segments.iter().filter(|s| s.start <= t) {
            match (holds(&s.conditions), since) {
                (true, None) => since = Some(s.start),
                (false, _) => since = None,
                _ => {}
            }
        }
        since
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(s: Scenario) -> Conditions {
        Conditions {
            scenario: s,
            faults: BTreeSet::new(),
        }
    }

    #[test]
    fn pieces_split_an_interval_at_switches() {
        let mut tl = Timeline::new(cond(Scenario::Normal), 0.0);
        tl.switch(100.0, cond(Scenario::HighLoad));
        tl.switch(200.0, cond(Scenario::Normal));
        let pieces: Vec<_> = tl
            .pieces(50.0, 250.0)
            .map(|(a, b, c)| (a, b, c.scenario))
            .collect();
        assert_eq!(
            pieces,
            vec![
                (50.0, 100.0, Scenario::Normal),
                (100.0, 200.0, Scenario::HighLoad),
                (200.0, 250.0, Scenario::Normal)
            ]
        );
        assert_eq!(tl.at(150.0).conditions.scenario, Scenario::HighLoad);
    }

    #[test]
    fn initial_faults_start_at_the_anchor() {
        let mut c = cond(Scenario::HighLoad);
        c.faults.insert(Fault::ErrorBurst);
        let tl = Timeline::new(c, 500.0);
        assert_eq!(tl.fault_since(Fault::ErrorBurst, 600.0), Some(500.0));
        assert!(!tl.at(400.0).conditions.has(Fault::ErrorBurst));
        assert_eq!(tl.at(-1e12).conditions.scenario, Scenario::HighLoad);
    }

    #[test]
    fn fault_since_reports_the_latest_switch_on() {
        let mut tl = Timeline::new(cond(Scenario::Normal), 0.0);
        let mut faulty = cond(Scenario::Normal);
        faulty.faults.insert(Fault::GpuOverheat);
        tl.switch(10.0, faulty.clone());
        tl.switch(20.0, cond(Scenario::Normal));
        tl.switch(30.0, faulty);
        assert_eq!(tl.fault_since(Fault::GpuOverheat, 15.0), Some(10.0));
        assert_eq!(tl.fault_since(Fault::GpuOverheat, 25.0), None);
        assert_eq!(tl.fault_since(Fault::GpuOverheat, 35.0), Some(30.0));
    }

    #[test]
    fn stretches_span_the_switches_that_keep_the_condition() {
        let mut tl = Timeline::new(cond(Scenario::Normal), 0.0);
        let mut faulty = cond(Scenario::Normal);
        faulty.faults.insert(Fault::ContainerCrashLoop);
        let mut busy_faulty = faulty.clone();
        busy_faulty.scenario = Scenario::HighLoad;
        tl.switch(10.0, faulty.clone());
        tl.switch(20.0, busy_faulty);
        tl.switch(30.0, cond(Scenario::Normal));
        tl.switch(40.0, faulty);
        let on = |c: &Conditions| c.has(Fault::ContainerCrashLoop);
        assert_eq!(
            tl.stretches(45.0, on).collect::<Vec<_>>(),
            vec![(10.0, 30.0), (40.0, 45.0)]
        );
        assert_eq!(
            tl.stretches(25.0, on).collect::<Vec<_>>(),
            vec![(10.0, 25.0)]
        );
        assert_eq!(
            tl.stretches(35.0, on).collect::<Vec<_>>(),
            vec![(10.0, 30.0)]
        );
        assert_eq!(tl.stretches(5.0, on).count(), 0);
    }
}
