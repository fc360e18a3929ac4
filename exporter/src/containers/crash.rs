//! Crash-loop detection: a container that died or was restarted `threshold` times within
//! `window` seconds is crash-looping. Two witnesses are combined: Docker's restart count
//! sampled at each collection, and `die` events from the event stream (which also catch
//! restarts that happen between two collections).

use std::collections::{HashMap, HashSet, VecDeque};

#[derive(Debug, Clone)]
pub struct CrashTracker {
    window: f64,
    threshold: u64,
    restart_samples: HashMap<String, VecDeque<(f64, u64)>>,
    deaths: HashMap<String, VecDeque<f64>>,
}

impl CrashTracker {
    pub fn new(window_s: f64, threshold: u64) -> Self {
        Self {
            window: window_s,
            threshold,
            restart_samples: HashMap::new(),
            deaths: HashMap::new(),
        }
    }

    /// Records Docker's restart count of container `id` at time `t`.
    pub fn observe_restarts(&mut self, id: &str, t: f64, count: u64) {
        let samples = self.restart_samples.entry(id.to_owned()).or_default();
        samples.push_back((t, count));
        // Keep one sample from before the window as the baseline.
        while samples.len() > 2 && samples[1].0 <= t - self.window {
            samples.pop_front();
        }
    }

    /// Records a `die` event of container `id` at time `t`.
    pub fn observe_death(&mut self, id: &str, t: f64) {
        let deaths = self.deaths.entry(id.to_owned()).or_default();
        deaths.push_back(t);
        while deaths.front().is_some_and(|d| *d <= t - self.window) {
            deaths.pop_front();
        }
    }

    /// Whether container `id` is crash-looping at time `t`.
    pub fn is_looping(&self, id: &str, t: f64) -> bool {
        let since = t - self.window;
        let deaths = self
            .deaths
            .get(id)
            .map_or(0, |d| d.iter().filter(|x| **x > since).count() as u64);
        let restarts = self.restart_samples.get(id).map_or(0, |s| {
            let now = s.back().map_or(0, |x| x.1);
            let base = s
                .iter()
                .filter(|x| x.0 >= since)
                .map(|x| x.1)
                .min()
                .unwrap_or(now);
            // The baseline before the window counts too, when it exists.
            let before = s.iter().rev().find(|x| x.0 < since).map_or(base, |x| x.1);
            now.saturating_sub(before.min(base))
        });
        deaths.max(restarts) >= self.threshold
    }

    /// Drops what it knows about containers that no longer exist.
    pub fn retain(&mut self, present: &HashSet<String>) {
        self.restart_samples.retain(|id, _| present.contains(id));
        self.deaths.retain(|id, _| present.contains(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_restarts_within_the_window_is_a_loop() {
        let mut c = CrashTracker::new(600.0, 3);
        c.observe_restarts("a", 0.0, 5);
        c.observe_restarts("a", 30.0, 6);
        assert!(!c.is_looping("a", 30.0));
        c.observe_restarts("a", 60.0, 8);
        assert!(c.is_looping("a", 60.0));
    }

    #[test]
    fn old_restarts_age_out_of_the_window() {
        let mut c = CrashTracker::new(600.0, 3);
        c.observe_restarts("a", 0.0, 0);
        c.observe_restarts("a", 30.0, 4);
        assert!(c.is_looping("a", 30.0));
        c.observe_restarts("a", 700.0, 4);
        c.observe_restarts("a", 1300.0, 4);
        assert!(!c.is_looping("a", 1300.0), "stable for a whole window");
    }

    #[test]
    fn die_events_between_collections_count() {
        let mut c = CrashTracker::new(600.0, 3);
        for t in [1.0, 2.0, 4.0] {
            c.observe_death("b", t);
        }
        assert!(c.is_looping("b", 5.0));
        assert!(!c.is_looping("b", 700.0));
    }

    #[test]
    fn a_recreated_container_starts_clean() {
        let mut c = CrashTracker::new(600.0, 3);
        c.observe_restarts("a", 0.0, 10);
        c.observe_restarts("a", 10.0, 20);
        c.retain(&HashSet::new());
        assert!(!c.is_looping("a", 10.0));
    }
}
