//! The announcements service's integration tests, one binary: the API over HTTP (`api`),
//! the status page in headless Chromium (`status_page`), its uptime history on a real
//! Prometheus (`uptime_prometheus`), and their shared support.

mod api;
mod status_page;
mod support;
mod uptime_prometheus;
