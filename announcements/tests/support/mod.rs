//! Helpers shared by the announcements service's integration tests: servers on loopback.

#[path = "../../../tests/shared/loopback.rs"]
mod loopback;
pub use loopback::serve;
