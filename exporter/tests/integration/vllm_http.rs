//! The vLLM source against fake vLLM servers on loopback (real TCP) that imitate vLLM's
//! OpenAI server — `/metrics` in vLLM's format, `/health` (503 when the engine is dead),
//! `/version`, `/v1/models` (401 without the API key) — and then misbehave: refuse, hang,
//! answer 500, garbage, a truncated or huge exposition, bad JSON. The role must stay up, mark
//! that one target down, and recover.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use llmmon_core::source::{Collector, SourceError};
use llmmon_core::upstream::{Auth, HttpTransport, Secret};
use llmmon_exporter::vllm::discovery::{Discovery, StaticTargets, Target};
use llmmon_exporter::vllm::http_source::VllmHttpSource;
use llmmon_exporter::vllm::{VllmCollector, VllmInstance, VllmSource, VllmState};
use llmmon_sim::upstreams::vllm::{exposition, models_json};
use llmmon_sim::{Conditions, Simulator};

use crate::support;

const T: f64 = 1_795_615_200.0;
const KEY: &str = "token-abc123";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    Slow,
    Status500,
    Garbage,
    Truncated,
    Huge,
    BadModelsJson,
    DeadEngine,
    /// Only `/v1/models` answers 500.
    Models500,
    /// Only `/v1/models` is slower than the timeout.
    ModelsSlow,
    /// Only `/version` answers garbage.
    VersionGarbage,
}

/// Per instance: (metrics body, /v1/models body, fault).
type Instances = Arc<Mutex<HashMap<String, (String, String, Fault)>>>;

#[derive(Clone)]
struct Fake {
    instances: Instances,
}

impl Fake {
    fn set(&self, name: &str, fault: Fault) {
        if let Some(i) = self.instances.lock().expect("lock").get_mut(name) {
            i.2 = fault;
        }
    }
}

async fn serve(
    State(f): State<Fake>,
    Path((name, rest)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some((metrics, models, fault)) = f.instances.lock().expect("lock").get(&name).cloned()
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if fault == Fault::Slow || (fault == Fault::ModelsSlow && rest == "v1/models") {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    match (rest.as_str(), fault) {
        (_, Fault::Status500) | ("v1/models", Fault::Models500) => {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        ("version", Fault::VersionGarbage) => "<html>".into_response(),
        ("health", Fault::DeadEngine) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        ("health", _) => StatusCode::OK.into_response(),
        ("version", _) => axum::Json(serde_json::json!({"version": "0.10.1.1"})).into_response(),
        ("metrics", Fault::Garbage) => "<html>502 Bad Gateway</html>{{{".into_response(),
        ("metrics", Fault::Truncated) => metrics[..metrics.len() / 3].to_owned().into_response(),
        ("metrics", Fault::Huge) => "# padding\n".repeat(2_000_000).into_response(),
        ("metrics", _) => metrics.into_response(),
        ("v1/models", _) => {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
            if auth != Some(&format!("Bearer {KEY}")) {
                return (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({"error": "Unauthorized"})),
                )
                    .into_response();
            }
            if fault == Fault::BadModelsJson {
                return "{\"data\": [".into_response();
            }
            models.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Starts a fake server holding every instance of the simulated fleet at time T.
async fn fake_fleet() -> (Fake, String) {
    let sim = Simulator::new(42, 1, Conditions::default(), T);
    let mut map = HashMap::new();
    for inst in sim.vllm_instances(T) {
        let spec = sim
            .fleet()
            .vllm_spec(&inst.container)
            .expect("spec")
            .clone();
        let stats = inst.stats.clone().expect("normal scenario: all serve");
        let metrics = exposition(&spec, &inst, &stats);
        let models = models_json(&spec, &inst).to_string();
        map.insert(inst.container.clone(), (metrics, models, Fault::None));
    }
    let fake = Fake {
        instances: Arc::new(Mutex::new(map)),
    };
    let app = Router::new()
        .route("/{name}/{*rest}", get(serve))
        .with_state(fake.clone());
    let base = support::serve(app).await;
    (fake, base)
}

fn source(targets: Vec<String>, timeout: Duration) -> VllmHttpSource {
    VllmHttpSource::new(
        vec![Arc::new(StaticTargets(targets))],
        Arc::new(HttpTransport::new(1024 * 1024)),
        Auth::Bearer(Secret::new(KEY)),
        None,
        timeout,
    )
}

fn names(fake: &Fake) -> Vec<String> {
    let mut v: Vec<String> = fake
        .instances
        .lock()
        .expect("lock")
        .keys()
        .cloned()
        .collect();
    v.sort();
    v
}

async fn outcome(src: &VllmHttpSource, name: &str) -> Result<String, SourceError> {
    let all = src.instances().await.expect("the source answers");
    all.into_iter()
        .find_map(|r| match r {
            Ok(i) if i.container.ends_with(name) => Some(Ok(i.state.as_str().to_owned())),
            Err((n, e)) if n.ends_with(name) => Some(Err(e)),
            _ => None,
        })
        .expect("target reported")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_instances_one_slow_do_not_wait_for_the_slow_one() {
    let (fake, base) = fake_fleet().await;
    let all = names(&fake);
    assert_eq!(all.len(), 10);
    fake.set(&all[0], Fault::Slow);
    let src = source(
        all.iter().map(|n| format!("{base}/{n}")).collect(),
        Duration::from_millis(500),
    );
    let started = Instant::now();
    let results = src.instances().await.expect("answers");
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(2500),
        "collection waited for the slow target: {took:?}"
    );
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 9);
    let slow = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .expect("one failure");
    assert!(matches!(slow.1, SourceError::Timeout(_)), "{:?}", slow.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_marks_only_its_target_down_and_it_recovers() {
    let (fake, base) = fake_fleet().await;
    let name = names(&fake)[3].clone();
    let src = source(vec![format!("{base}/{name}")], Duration::from_millis(800));
    assert_eq!(outcome(&src, &name).await.expect("healthy"), "ready");
    for fault in [
        Fault::Status500,
        Fault::Garbage,
        Fault::Truncated,
        Fault::Huge,
        Fault::Slow,
    ] {
        fake.set(&name, fault);
        let err = outcome(&src, &name).await.expect_err("fault shows");
        assert!(
            matches!(
                err,
                SourceError::Unavailable(_) | SourceError::Malformed(_) | SourceError::Timeout(_)
            ),
            "{fault:?}: {err:?}"
        );
        fake.set(&name, Fault::None);
        assert_eq!(
            outcome(&src, &name).await.expect("recovers"),
            "ready",
            "after {fault:?}"
        );
    }
}

/// The instance `name` as read, with its endpoints.
async fn instance(src: &VllmHttpSource, name: &str) -> VllmInstance {
    src.instances()
        .await
        .expect("the source answers")
        .into_iter()
        .find_map(|r| r.ok().filter(|i| i.container.ends_with(name)))
        .expect("instance read")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_engine_is_unhealthy_and_bad_model_json_only_fails_the_models_endpoint() {
    let (fake, base) = fake_fleet().await;
    let name = names(&fake)[1].clone();
    let src = source(vec![format!("{base}/{name}")], Duration::from_secs(2));
    fake.set(&name, Fault::DeadEngine);
    assert_eq!(outcome(&src, &name).await.expect("still read"), "unhealthy");
    fake.set(&name, Fault::BadModelsJson);
    let i = instance(&src, &name).await;
    assert_eq!(i.state, VllmState::Ready, "health and metrics answer");
    assert!(i.stats.is_some());
    assert!(matches!(
        support::failure(&i.endpoints, "models"),
        Some(SourceError::Malformed(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_api_key_fails_only_the_models_endpoint_and_never_shows_the_key() {
    let (fake, base) = fake_fleet().await;
    let name = names(&fake)[2].clone();
    let src = VllmHttpSource::new(
        vec![Arc::new(StaticTargets(vec![format!("{base}/{name}")]))],
        Arc::new(HttpTransport::default()),
        Auth::Bearer(Secret::new("wrong-key-xyz")),
        None,
        Duration::from_secs(2),
    );
    let i = instance(&src, &name).await;
    assert_eq!(
        i.state,
        VllmState::Ready,
        "/v1/models behind --api-key does not hide /metrics"
    );
    assert!(i.stats.as_ref().is_some_and(|s| s.running.is_some()));
    assert!(!i.model.is_empty(), "the model name comes from the metrics");
    let err = support::failure(&i.endpoints, "models").expect("401");
    assert!(matches!(err, SourceError::Unauthorized(_)), "{err:?}");
    assert!(!err.to_string().contains("wrong-key-xyz"));
    assert_eq!(support::failure(&i.endpoints, "version"), None);
    let collected = VllmCollector {
        source: Arc::new(src),
    }
    .collect()
    .await
    .expect("collects");
    let models = collected
        .endpoints
        .iter()
        .find(|e| e.endpoint == "models")
        .expect("reported");
    assert!(
        models.target.as_deref().is_some_and(|t| t.ends_with(&name)),
        "{models:?}: the endpoint belongs to its instance"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_or_version_failing_leave_the_engine_metrics_exported() {
    let (fake, base) = fake_fleet().await;
    let name = names(&fake)[4].clone();
    let src = source(vec![format!("{base}/{name}")], Duration::from_millis(800));
    let whole = instance(&src, &name).await;
    assert!(whole.meta.is_some());
    for (fault, endpoint) in [
        (Fault::Models500, "models"),
        (Fault::ModelsSlow, "models"),
        (Fault::VersionGarbage, "version"),
    ] {
        fake.set(&name, fault);
        let i = instance(&src, &name).await;
        assert!(
            support::failure(&i.endpoints, endpoint).is_some(),
            "{fault:?}"
        );
        assert_eq!(
            i.stats, whole.stats,
            "{fault:?}: the engine's families stay"
        );
        assert_eq!(i.model, whole.model, "{fault:?}");
        assert_eq!(i.state, VllmState::Ready, "{fault:?}");
    }
    fake.set(&name, Fault::None);
    assert!(instance(&src, &name)
        .await
        .endpoints
        .0
        .iter()
        .all(|e| e.result.is_ok()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_is_a_down_target_and_the_role_keeps_serving() {
    let port = support::closed_port();
    let collector = VllmCollector {
        source: Arc::new(source(
            vec![format!("http://127.0.0.1:{port}")],
            Duration::from_secs(1),
        )),
    };
    let c = collector.collect().await.expect("collector answers");
    assert_eq!(c.targets.len(), 1);
    assert!(
        c.targets[0]
            .result
            .as_ref()
            .is_err_and(|e| e.to_string().contains("connection refused")),
        "{:?}",
        c.targets
    );
    assert!(c.metrics.sample_count() == 0);
}

/// A discovery whose target list the test changes.
struct Changing(Arc<Mutex<Vec<Target>>>);

#[async_trait]
impl Discovery for Changing {
    async fn targets(&self) -> Result<Vec<Target>, SourceError> {
        Ok(self.0.lock().expect("lock").clone())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_appear_and_disappear_with_their_containers() {
    let (fake, base) = fake_fleet().await;
    let all = names(&fake);
    let target = |n: &str, running: bool| Target {
        name: n.to_owned(),
        base_url: format!("{base}/{n}"),
        running,
        discovered: true,
        model_hint: None,
    };
    let list = Arc::new(Mutex::new(vec![target(&all[0], true)]));
    let src = VllmHttpSource::new(
        vec![Arc::new(Changing(list.clone()))],
        Arc::new(HttpTransport::default()),
        Auth::Bearer(Secret::new(KEY)),
        None,
        Duration::from_secs(2),
    );
    let count = |v: &[Result<llmmon_exporter::vllm::VllmInstance, (String, SourceError)>]| {
        v.iter().filter(|r| r.is_ok()).count()
    };
    assert_eq!(count(&src.instances().await.expect("answers")), 1);
    list.lock().expect("lock").push(target(&all[1], true));
    assert_eq!(
        count(&src.instances().await.expect("answers")),
        2,
        "a new model appears"
    );
    *list.lock().expect("lock") = vec![target(&all[0], false), target(&all[1], true)];
    let now = src.instances().await.expect("answers");
    let stopped = now
        .iter()
        .flatten()
        .find(|i| i.container == all[0])
        .expect("still listed");
    assert_eq!(stopped.state, VllmState::Stopped);
    assert!(
        !stopped.model.is_empty(),
        "a stopped instance keeps its last known model name"
    );
    list.lock().expect("lock").remove(0);
    assert_eq!(
        count(&src.instances().await.expect("answers")),
        1,
        "a removed container disappears"
    );
    // A container stopped before it was ever read is named from its command line.
    let never_read = Target {
        model_hint: Some("qwen3-32b".into()),
        ..target("vllm-never-started", false)
    };
    list.lock().expect("lock").push(never_read);
    let now = src.instances().await.expect("answers");
    let cold = now
        .iter()
        .flatten()
        .find(|i| i.container == "vllm-never-started")
        .expect("listed");
    assert_eq!(
        (cold.state.as_str(), cold.model.as_str()),
        ("stopped", "qwen3-32b")
    );
}
