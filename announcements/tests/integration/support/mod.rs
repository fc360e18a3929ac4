//! Helpers shared by the announcements service's integration tests: servers on loopback, a
//! fake Prometheus, a real one on backfilled history, a seeded service, and a real browser
//! driven over DevTools.

pub mod cdp;
pub mod fake_prometheus;
pub mod prometheus;
pub mod seed;
pub mod service;

#[path = "../../../../tests/shared/loopback.rs"]
mod loopback;
pub use loopback::serve;
