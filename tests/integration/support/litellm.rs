//! A real LiteLLM proxy (PyPI `litellm[proxy]`, installed by `scripts/litellm-venv.sh` into
//! `target/litellm-venv`) on a free loopback port, without a database, in front of the fake
//! OpenAI backends of [`super::openai_backend`]: `chat-ok` and `embed-ok` answer,
//! `chat-broken` always fails.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{free_port, Proc};

/// The version `scripts/litellm-venv.sh` pins.
pub const VERSION: &str = "1.108.7";

/// The models of the proxy's config: (public name, LiteLLM model, mode, backend).
pub const MODELS: [(&str, &str, &str); 3] = [
    ("chat-ok", "hosted_vllm/fake-chat", "chat"),
    ("embed-ok", "hosted_vllm/fake-embed", "embedding"),
    ("chat-broken", "openai/fake-chat", "chat"),
];
pub const INPUT_COST: f64 = 0.000_001;
pub const OUTPUT_COST: f64 = 0.000_002;

pub struct Litellm {
    pub url: String,
    pub master_key: String,
    pub port: u16,
    log: PathBuf,
    _proc: Proc,
    _dir: tempfile::TempDir,
}

/// The venv's `litellm`, or a panic that says how to install it.
pub fn binary() -> PathBuf {
    let venv = std::env::var_os("LLMMON_LITELLM_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/litellm-venv"),
        PathBuf::from,
    );
    let bin = venv.join("bin/litellm");
    assert!(
        bin.is_file(),
        "the real LiteLLM proxy is not installed at {}; this test needs it. Install it with: \
         ./scripts/litellm-venv.sh (litellm[proxy]=={VERSION} from PyPI into target/litellm-venv; \
         ./scripts/test.sh runs it)",
        bin.display()
    );
    bin
}

fn config(ok: SocketAddr, broken: SocketAddr) -> String {
    format!(
        r#"model_list:
  - model_name: chat-ok
    litellm_params:
      model: hosted_vllm/fake-chat
      api_base: http://{ok}/v1
      api_key: fake-backend-key
    model_info:
      mode: chat
      input_cost_per_token: {INPUT_COST}
      output_cost_per_token: {OUTPUT_COST}
  - model_name: embed-ok
    litellm_params:
      model: hosted_vllm/fake-embed
      api_base: http://{ok}/v1
      api_key: fake-backend-key
    model_info:
      mode: embedding
  - model_name: chat-broken
    litellm_params:
      model: openai/fake-chat
      api_base: http://{broken}/v1
      api_key: fake-backend-key
    model_info:
      mode: chat
litellm_settings:
  callbacks: ["prometheus"]
  telemetry: false
router_settings:
  num_retries: 0
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"#
    )
}

impl Litellm {
    /// Starts the proxy and waits until `/health/readiness` answers (start-up takes seconds).
    pub async fn start(ok: SocketAddr, broken: SocketAddr) -> Self {
        let bin = binary();
        let dir = tempfile::tempdir().expect("temp dir");
        let cfg = dir.path().join("config.yaml");
        std::fs::write(&cfg, config(ok, broken)).expect("write config");
        let log = dir.path().join("litellm.log");
        let out = std::fs::File::create(&log).expect("log file");
        let port = free_port();
        let master_key = format!(
            "sk-llmmon-test-{:x}",
            std::process::id() as u64 * 7919 + u64::from(port)
        );
        let child = Command::new(&bin)
            .args(["--config", &cfg.display().to_string()])
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .env("LITELLM_MASTER_KEY", &master_key)
            .env_remove("DATABASE_URL")
            .env("LITELLM_LOG", "ERROR")
            .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            .env("HF_HUB_OFFLINE", "1")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("HOME", dir.path())
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let proxy = Self {
            url: format!("http://127.0.0.1:{port}"),
            master_key,
            port,
            log,
            _proc: Proc(child),
            _dir: dir,
        };
        let url = format!("{}/health/readiness", proxy.url);
        let ready = super::wait_ok(&url, Duration::from_secs(120)).await;
        assert!(
            ready,
            "LiteLLM {VERSION} did not become ready in 120 s; its log:\n{}",
            proxy.log_tail()
        );
        proxy
    }

    /// The last lines of the proxy's log, the master key blanked.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..]
            .join("\n")
            .replace(&self.master_key, "sk-***")
    }

    /// Sends one request through the proxy with the master key; its HTTP status.
    pub async fn send(&self, path: &str, body: serde_json::Value) -> u16 {
        reqwest::Client::new()
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.master_key)
            .json(&body)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_or(0, |r| r.status().as_u16())
    }
}
