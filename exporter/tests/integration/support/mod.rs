//! Helpers shared by the exporter's integration tests: local servers on loopback.

#[path = "../../../../tests/shared/loopback.rs"]
mod loopback;
#[path = "../../../../tests/shared/require.rs"]
mod required;
pub use loopback::serve;
pub use required::require;

/// A child process (a real program the test started), killed when dropped.
pub struct Proc(pub std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nothing listens on (bound, then released): free for a server to take.
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The error `endpoint` reported, None when it answered; a panic when it was not read.
pub fn failure<'a>(
    endpoints: &'a llmmon_core::source::Endpoints,
    endpoint: &str,
) -> Option<&'a llmmon_core::source::SourceError> {
    endpoints
        .get(endpoint)
        .unwrap_or_else(|| panic!("{endpoint} not reported: {endpoints:?}"))
        .as_ref()
        .err()
}

/// A misbehaving answer the fake upstreams give on request, and the error kind it causes.
pub struct Fault {
    /// 200 garbage, 598 slower than the source's timeout, 597 larger than the transport
    /// reads, anything else that status.
    pub status: u16,
    pub kind: &'static str,
    pub what: &'static str,
}

/// Every fault each endpoint of an HTTP source is tried with.
pub const FAULTS: [Fault; 5] = [
    Fault {
        status: 500,
        kind: "unavailable",
        what: "a 500",
    },
    Fault {
        status: 400,
        kind: "unavailable",
        what: "a 400",
    },
    Fault {
        status: 200,
        kind: "malformed",
        what: "garbage",
    },
    Fault {
        status: 598,
        kind: "timeout",
        what: "slower than the timeout",
    },
    Fault {
        status: 597,
        kind: "malformed",
        what: "a huge body is refused, not buffered",
    },
];
