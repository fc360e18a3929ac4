//! Model metadata from the Hugging Face cache: `config.json` (architecture, dtype,
//! quantization, context length) and `model.safetensors.index.json` (weight bytes, hence the
//! parameter count). Read from a mounted cache directory, or through a transport (the
//! simulator serves the same files).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::{bytes_per_parameter, ModelMeta};
use llmmon_core::upstream::{Auth, Transport};

/// Where Hugging Face files come from.
#[async_trait]
pub trait HfFiles: Send + Sync {
    /// The content of `file` of model `hf_id` (e.g. `Qwen/Qwen3-32B`, `config.json`).
    async fn read(&self, hf_id: &str, file: &str) -> Option<String>;
}

/// A Hugging Face cache directory (`$HF_HOME/hub`), mounted read-only into the exporter.
pub struct HfCacheDir(pub PathBuf);

#[async_trait]
impl HfFiles for HfCacheDir {
    async fn read(&self, hf_id: &str, file: &str) -> Option<String> {
        let repo = self.0.join(format!("models--{}", hf_id.replace('/', "--")));
        let snapshots = std::fs::read_dir(repo.join("snapshots")).ok()?;
        // The newest snapshot that holds the file.
        let mut candidates: Vec<(std::time::SystemTime, PathBuf)> = snapshots
            .filter_map(Result::ok)
            .map(|e| e.path().join(file))
            .filter(|p| p.exists())
            .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
            .collect();
        candidates.sort();
        std::fs::read_to_string(&candidates.last()?.1).ok()
    }
}

/// Files served over HTTP under `<base>/<org>/<name>/<file>` (the simulator's `/hf` routes).
pub struct HfOverTransport {
    pub transport: Arc<dyn Transport>,
    pub base: String,
}

#[async_trait]
impl HfFiles for HfOverTransport {
    async fn read(&self, hf_id: &str, file: &str) -> Option<String> {
        let url = format!("{}/{hf_id}/{file}", self.base);
        let resp = self
            .transport
            .get(&url, &Auth::None, Duration::from_secs(5))
            .await
            .ok()?;
        resp.is_success()
            .then(|| String::from_utf8(resp.body.to_vec()).ok())
            .flatten()
    }
}

/// llm, embedding or reranker, from the architecture names.
pub fn model_type(architectures: &[String]) -> &'static str {
    if architectures
        .iter()
        .any(|a| a.ends_with("ForSequenceClassification"))
    {
        "reranker"
    } else if architectures
        .iter()
        .any(|a| a.contains("Embedding") || (a.ends_with("Model") && !a.contains("ForCausalLM")))
    {
        "embedding"
    } else {
        "llm"
    }
}

/// Metadata from the files' contents; what is missing stays empty.
pub fn parse_meta(hf_id: &str, config: Option<&str>, index: Option<&str>) -> ModelMeta {
    let cfg: serde_json::Value = config
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    let architectures: Vec<String> = cfg["architectures"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let dtype = cfg["torch_dtype"]
        .as_str()
        .or(cfg["dtype"].as_str())
        .unwrap_or("")
        .to_owned();
    let quantization = cfg["quantization_config"]["quant_method"]
        .as_str()
        .unwrap_or(if config.is_some() { "none" } else { "" })
        .to_owned();
    let total: Option<f64> = index
        .and_then(|i| serde_json::from_str::<serde_json::Value>(i).ok())
        .and_then(|v| v["metadata"]["total_size"].as_f64());
    ModelMeta {
        hf_id: hf_id.to_owned(),
        model_type: if architectures.is_empty() {
            "llm".to_owned()
        } else {
            model_type(&architectures).to_owned()
        },
        parameters: total.map(|t| (t / bytes_per_parameter(&dtype, &quantization)).round()),
        quantization,
        dtype,
        context_length: cfg["max_position_embeddings"]
            .as_u64()
            .and_then(|c| u32::try_from(c).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_say_what_kind_of_model_it_is() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(model_type(&s(&["Qwen3ForCausalLM"])), "llm");
        assert_eq!(model_type(&s(&["XLMRobertaModel"])), "embedding");
        assert_eq!(
            model_type(&s(&["XLMRobertaForSequenceClassification"])),
            "reranker"
        );
    }

    #[test]
    fn config_and_index_give_dtype_quantization_context_and_size() {
        let cfg = r#"{"architectures":["Qwen2ForCausalLM"],"torch_dtype":"float16","max_position_embeddings":32768,
                      "quantization_config":{"quant_method":"awq","bits":4}}"#;
        let idx = r#"{"metadata":{"total_size":36350000000},"weight_map":{}}"#;
        let m = parse_meta("Qwen/Qwen2.5-72B-Instruct-AWQ", Some(cfg), Some(idx));
        assert_eq!(m.model_type, "llm");
        assert_eq!(m.dtype, "float16");
        assert_eq!(m.quantization, "awq");
        assert_eq!(m.context_length, Some(32768));
        assert_eq!(m.parameters, Some(72.7e9));
        let none = parse_meta("x/y", None, None);
        assert_eq!((none.dtype.as_str(), none.parameters), ("", None));
    }

    #[tokio::test]
    async fn the_newest_snapshot_of_a_cached_model_is_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let snap = dir.path().join("models--BAAI--bge-m3/snapshots/abc123");
        std::fs::create_dir_all(&snap).expect("mkdir");
        std::fs::write(
            snap.join("config.json"),
            r#"{"architectures":["XLMRobertaModel"]}"#,
        )
        .expect("write");
        let hf = HfCacheDir(dir.path().to_path_buf());
        let cfg = hf.read("BAAI/bge-m3", "config.json").await.expect("found");
        assert!(cfg.contains("XLMRobertaModel"));
        assert!(hf.read("BAAI/other", "config.json").await.is_none());
    }
}
