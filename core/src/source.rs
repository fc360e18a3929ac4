//! What every collector shares: the error a source reports, and the trait the service runs.

use async_trait::async_trait;

use crate::exposition::MetricSet;

/// Why a source gave no reading. The message is shown to operators: it never carries a
/// secret (no keys, no passwords, no URLs with credentials).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The upstream could not be reached or refused (socket gone, connection refused, 5xx).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The upstream answered with something we cannot read.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The upstream rejected our credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The collection ran past its timeout.
    #[error("timed out after {0:.1} s")]
    Timeout(f64),
    /// The upstream answered, but this deployment does not offer what was asked (an endpoint
    /// this version lacks, a LiteLLM proxy without a database): nothing to fix on our side.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl SourceError {
    /// Every [`SourceError::kind`], in a stable order.
    pub const KINDS: [&'static str; 5] = [
        "unavailable",
        "malformed",
        "unauthorized",
        "timeout",
        "unsupported",
    ];

    /// The failure's kind as a label value (`…_endpoint_error{kind}`).
    pub fn kind(&self) -> &'static str {
        match self {
            SourceError::Unavailable(_) => "unavailable",
            SourceError::Malformed(_) => "malformed",
            SourceError::Unauthorized(_) => "unauthorized",
            SourceError::Timeout(_) => "timeout",
            SourceError::Unsupported(_) => "unsupported",
        }
    }
}

/// Outcome of one upstream endpoint a collector reads beside the one that says whether the
/// service answers (LiteLLM's `/key/list`, a vLLM instance's `/v1/models`): reported as
/// `…_endpoint_up{source, endpoint}`, so one failing endpoint never hides what the others
/// answered.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointStatus {
    /// The target the endpoint belongs to (`vllm/<container>`), `None` for the collector's
    /// own upstream.
    pub target: Option<String>,
    /// Short stable name: `key_list`, `health_latest`, `models` …
    pub endpoint: String,
    pub result: Result<(), SourceError>,
}

impl EndpointStatus {
    pub fn new(endpoint: &str, result: Result<(), SourceError>) -> Self {
        Self {
            target: None,
            endpoint: endpoint.to_owned(),
            result,
        }
    }

    /// The same status, belonging to `target`.
    pub fn of_target(mut self, target: &str) -> Self {
        self.target = Some(target.to_owned());
        self
    }
}

/// Records the outcome of each endpoint read: [`Endpoints::take`] gives the value (or `None`
/// when that endpoint failed) and keeps the status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Endpoints(pub Vec<EndpointStatus>);

impl Endpoints {
    /// The value of a read, recording whether `endpoint` answered.
    pub fn take<T>(&mut self, endpoint: &str, read: Result<T, SourceError>) -> Option<T> {
        match read {
            Ok(v) => {
                self.0.push(EndpointStatus::new(endpoint, Ok(())));
                Some(v)
            }
            Err(e) => {
                self.0.push(EndpointStatus::new(endpoint, Err(e)));
                None
            }
        }
    }

    pub fn into_vec(self) -> Vec<EndpointStatus> {
        self.0
    }

    /// How `endpoint` answered, when it was read.
    pub fn get(&self, endpoint: &str) -> Option<&Result<(), SourceError>> {
        self.0
            .iter()
            .find(|e| e.endpoint == endpoint)
            .map(|e| &e.result)
    }
}

/// Outcome of one target of a multi-target collector (vLLM instances, for example).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetStatus {
    pub target: String,
    pub result: Result<(), SourceError>,
}

/// What one collection produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collection {
    pub metrics: MetricSet,
    /// Per-target outcomes, reported as `source_up{source="<collector>/<target>"}`.
    pub targets: Vec<TargetStatus>,
    /// Per-endpoint outcomes, reported as `…_endpoint_up{source, endpoint}`.
    pub endpoints: Vec<EndpointStatus>,
}

impl Collection {
    /// What a collector of one upstream produced: its families and how each endpoint
    /// beside the one that says the service answers went.
    pub fn with_endpoints(metrics: MetricSet, endpoints: Endpoints) -> Self {
        Self {
            metrics,
            endpoints: endpoints.into_vec(),
            ..Self::default()
        }
    }
}

impl From<MetricSet> for Collection {
    fn from(metrics: MetricSet) -> Self {
        Self {
            metrics,
            ..Self::default()
        }
    }
}

/// A source of metrics, run on its own task by the service.
#[async_trait]
pub trait Collector: Send + Sync {
    /// Name used as the `source` label.
    fn name(&self) -> &str;
    async fn collect(&self) -> Result<Collection, SourceError>;
}
