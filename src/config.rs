//! The CLI's configuration file: `$XDG_CONFIG_HOME/llmmon/config.toml` (else
//! `~/.config/llmmon/config.toml`), or the file `--config` / `LLMMON_CONFIG` names. Every key
//! is optional; a missing default file is fine, a missing named file or an unknown key is an
//! error naming the file. A few environment variables override the file (see [`ENV`]).
//! Secrets never live here: the announcements token comes from its environment variable only.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Environment variables that override the file, and the key each sets.
pub const ENV: [(&str, &str); 6] = [
    ("LLMMON_HOST", "host"),
    ("LLMMON_PROMETHEUS_URL", "prometheus"),
    ("LLMMON_LOKI_URL", "loki"),
    ("LLMMON_ANNOUNCEMENTS_URL", "announcements"),
    ("DOCKER_HOST", "docker_host"),
    ("LLMMON_STACK_DIR", "stack.dir"),
];

/// Bearer token for writing announcements (never read from or written to the file).
pub const TOKEN_ENV: &str = "LLMMON_ANNOUNCEMENTS_TOKEN";

/// Default Docker socket.
pub const DEFAULT_DOCKER_HOST: &str = llmmon_core::docker::DEFAULT_SOCKET;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Host the stack and the exporter roles run on.
    pub host: String,
    /// Prometheus base URL; default `http://HOST:23001`.
    pub prometheus: Option<String>,
    /// Loki base URL; default `http://HOST:23002`.
    pub loki: Option<String>,
    /// Grafana base URL; default `http://HOST:23000`.
    pub grafana: Option<String>,
    /// Alertmanager base URL; default `http://HOST:23003`.
    pub alertmanager: Option<String>,
    /// Announcements service base URL; default `http://HOST:23004`.
    pub announcements: Option<String>,
    /// Docker engine: `unix:///path` or `tcp://host:port`.
    pub docker_host: String,
    pub stack: StackConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackConfig {
    /// The Compose project directory (holding docker-compose.yml and .env).
    pub dir: PathBuf,
    /// Where `stack backup` writes archives.
    pub backup_dir: PathBuf,
    /// How many backups to keep (older ones are deleted after a successful backup); 0 keeps
    /// all.
    pub keep_backups: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            prometheus: None,
            loki: None,
            grafana: None,
            alertmanager: None,
            announcements: None,
            docker_host: DEFAULT_DOCKER_HOST.into(),
            stack: StackConfig::default(),
        }
    }
}

impl Default for StackConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("/opt/llmmon/compose"),
            backup_dir: PathBuf::from("/var/backups/llmmon"),
            keep_backups: 14,
        }
    }
}

/// Where the configuration came from, for `config show`.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// No file: defaults (and environment).
    Defaults {
        looked_at: Option<PathBuf>,
    },
    File(PathBuf),
}

impl Config {
    /// Loads the file `explicit` names (it must exist), else the XDG default if present,
    /// then applies the environment.
    pub fn load(explicit: Option<&Path>) -> Result<(Self, Origin), String> {
        Self::load_with(explicit, &|k| std::env::var(k).ok())
    }

    /// [`Config::load`] with the environment given as a lookup (tests).
    pub fn load_with(
        explicit: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(Self, Origin), String> {
        let (mut cfg, origin) = match explicit {
            Some(path) => (Self::read(path)?, Origin::File(path.to_owned())),
            None => match default_path(env) {
                Some(path) if path.exists() => (Self::read(&path)?, Origin::File(path)),
                looked_at => (Self::default(), Origin::Defaults { looked_at }),
            },
        };
        for (var, key) in ENV {
            if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                cfg.set(key, v);
            }
        }
        cfg.validate()?;
        Ok((cfg, origin))
    }

    fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            let msg = e.message().to_owned();
            let line = e
                .span()
                .map(|s| text[..s.start].matches('\n').count() + 1)
                .map_or(String::new(), |l| format!(" (line {l})"));
            format!("config file {}{line}: {msg}", path.display())
        })
    }

    fn set(&mut self, key: &str, v: String) {
        match key {
            "host" => self.host = v,
            "prometheus" => self.prometheus = Some(v),
            "loki" => self.loki = Some(v),
            "announcements" => self.announcements = Some(v),
            "docker_host" => self.docker_host = v,
            "stack.dir" => self.stack.dir = PathBuf::from(v),
            _ => {}
        }
    }

    fn validate(&self) -> Result<(), String> {
        let urls = [
            ("prometheus", &self.prometheus),
            ("loki", &self.loki),
            ("grafana", &self.grafana),
            ("alertmanager", &self.alertmanager),
            ("announcements", &self.announcements),
        ];
        for (key, url) in urls {
            if let Some(u) = url {
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    return Err(format!(
                        "config: {key} = '{u}' must start with http:// or https://"
                    ));
                }
            }
        }
        if self.host.is_empty() || self.host.contains('/') {
            return Err(format!("config: host '{}' is not a host name", self.host));
        }
        Ok(())
    }

    fn on_host(&self, url: &Option<String>, port: u16) -> String {
        url.as_deref()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{}:{port}", self.host))
    }

    pub fn prometheus_url(&self) -> String {
        self.on_host(&self.prometheus, 23001)
    }

    pub fn loki_url(&self) -> String {
        self.on_host(&self.loki, 23002)
    }

    pub fn grafana_url(&self) -> String {
        self.on_host(&self.grafana, 23000)
    }

    pub fn alertmanager_url(&self) -> String {
        self.on_host(&self.alertmanager, 23003)
    }

    pub fn announcements_url(&self) -> String {
        self.on_host(&self.announcements, 23004)
    }

    /// This configuration with every default URL filled in (for `config show`).
    pub fn effective(&self) -> Self {
        let mut shown = self.clone();
        shown.prometheus = Some(self.prometheus_url());
        shown.loki = Some(self.loki_url());
        shown.grafana = Some(self.grafana_url());
        shown.alertmanager = Some(self.alertmanager_url());
        shown.announcements = Some(self.announcements_url());
        shown
    }
}

/// `$XDG_CONFIG_HOME/llmmon/config.toml`, else `$HOME/.config/llmmon/config.toml`.
pub fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .filter(|v| v.starts_with('/'))
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("llmmon").join("config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn defaults_when_the_xdg_file_is_absent() {
        let dir = tempfile::tempdir().expect("tmp");
        let xdg = dir.path().to_str().expect("utf-8");
        let (cfg, origin) = Config::load_with(None, &env(&[("XDG_CONFIG_HOME", xdg)])).expect("ok");
        assert_eq!(cfg, Config::default());
        assert_eq!(
            origin,
            Origin::Defaults {
                looked_at: Some(dir.path().join("llmmon/config.toml"))
            }
        );
        assert_eq!(cfg.prometheus_url(), "http://127.0.0.1:23001");
        assert_eq!(cfg.announcements_url(), "http://127.0.0.1:23004");
    }

    #[test]
    fn the_xdg_file_is_read_and_the_environment_wins() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("llmmon")).expect("mkdir");
        std::fs::write(
            dir.path().join("llmmon/config.toml"),
            "host = \"10.0.0.5\"\nloki = \"http://logs:3100/\"\n[stack]\nkeep_backups = 3\n",
        )
        .expect("write");
        let xdg = dir.path().to_str().expect("utf-8");
        let (cfg, origin) = Config::load_with(
            None,
            &env(&[
                ("XDG_CONFIG_HOME", xdg),
                ("LLMMON_PROMETHEUS_URL", "http://p:9090"),
            ]),
        )
        .expect("ok");
        assert!(matches!(origin, Origin::File(_)));
        assert_eq!(cfg.loki_url(), "http://logs:3100");
        assert_eq!(cfg.prometheus_url(), "http://p:9090");
        assert_eq!(cfg.grafana_url(), "http://10.0.0.5:23000");
        assert_eq!(cfg.stack.keep_backups, 3);
    }

    #[test]
    fn a_bad_file_is_one_line_naming_the_file_and_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "host = \"h\"\n\nprometeus = \"http://x\"\n").expect("write");
        let err = Config::load_with(Some(&path), &env(&[])).expect_err("unknown key");
        assert!(
            err.contains("c.toml (line 3)") && err.contains("prometeus"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
        let err = Config::load_with(Some(&dir.path().join("none.toml")), &env(&[]))
            .expect_err("missing named file");
        assert!(err.contains("none.toml"), "{err}");
        std::fs::write(&path, "loki = \"logs:3100\"\n").expect("write");
        let err = Config::load_with(Some(&path), &env(&[])).expect_err("bad URL");
        assert!(err.contains("loki") && err.contains("http://"), "{err}");
    }
}
