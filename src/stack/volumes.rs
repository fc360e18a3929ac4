//! Reading and writing the stack's named volumes through Docker (`docker run --rm` of an
//! image the stack already pulls, with busybox `tar` / `find` in it), so it works for a
//! remote engine or a rootless data root as well as for root on the host.

use std::path::Path;

use anyhow::Context as _;

use super::compose::{ComposeFile, Docker, DockerError, PROJECT};

/// The volumes a backup holds, in order (alloy's is only its read positions).
pub const DATA_VOLUMES: [&str; 5] = [
    "prometheus-data",
    "grafana-data",
    "loki-data",
    "alertmanager-data",
    "announcements-data",
];

/// The image used for copying when the compose file names none for Prometheus.
const FALLBACK_IMAGE: &str = "prom/prometheus:v3.5.0";

pub struct Volumes<'a> {
    docker: &'a Docker,
    image: String,
}

impl<'a> Volumes<'a> {
    /// Copies with Prometheus's image (busybox: `tar`, `find`), run as root.
    pub fn new(docker: &'a Docker, compose: &ComposeFile) -> Self {
        let image = compose
            .image("prometheus")
            .map(|i| with_defaults(&i))
            .unwrap_or_else(|| FALLBACK_IMAGE.to_owned());
        Self { docker, image }
    }

    fn run(&self, entrypoint: &str, mounts: &[String], args: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = ["run", "--rm", "--user", "0:0", "--entrypoint", entrypoint]
            .map(String::from)
            .to_vec();
        for m in mounts {
            all.extend(["-v".to_owned(), m.clone()]);
        }
        all.push(self.image.clone());
        all.extend(args.iter().map(|a| (*a).to_owned()));
        all
    }

    /// Writes `sub` (a directory inside the volume, `.` for all of it) as the tar file
    /// `<to>/<file>`.
    pub async fn export(
        &self,
        volume: &str,
        sub: &str,
        to: &Path,
        file: &str,
    ) -> anyhow::Result<()> {
        let src = format!("/from/{sub}");
        let dst = format!("/to/{file}");
        let args = self.run(
            "tar",
            &[
                format!("{PROJECT}_{volume}:/from:ro"),
                format!("{}:/to", to.display()),
            ],
            &["-C", &src, "-cf", &dst, "."],
        );
        self.docker
            .docker(&args)
            .await
            .map(drop)
            .with_context(|| format!("copying volume {PROJECT}_{volume}"))
    }

    /// Replaces the volume's whole content by the tar file `<from>/<file>`.
    pub async fn import(&self, volume: &str, from: &Path, file: &str) -> anyhow::Result<()> {
        let vol = format!("{PROJECT}_{volume}:/to");
        let clear = self.run(
            "find",
            std::slice::from_ref(&vol),
            &["/to", "-mindepth", "1", "-delete"],
        );
        let src = format!("/from/{file}");
        let unpack = self.run(
            "tar",
            &[vol.clone(), format!("{}:/from:ro", from.display())],
            &["-C", "/to", "-xpf", &src],
        );
        for args in [clear, unpack] {
            self.docker
                .docker(&args)
                .await
                .with_context(|| format!("restoring volume {PROJECT}_{volume}"))?;
        }
        Ok(())
    }

    /// Deletes `sub` inside the volume (a Prometheus snapshot once copied).
    pub async fn remove(&self, volume: &str, sub: &str) -> Result<(), DockerError> {
        let path = format!("/v/{sub}");
        let args = self.run("rm", &[format!("{PROJECT}_{volume}:/v")], &["-rf", &path]);
        self.docker.docker(&args).await.map(drop)
    }
}

/// `${VAR:-default}` in an image name replaced by its default (what Compose uses when
/// `.env` does not set it).
fn with_defaults(image: &str) -> String {
    let mut out = String::new();
    let mut rest = image;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + end];
        out.push_str(inner.split_once(":-").map_or("", |(_, d)| d));
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_variables_fall_back_to_their_defaults() {
        assert_eq!(
            with_defaults("prom/prometheus:v3.5.0"),
            "prom/prometheus:v3.5.0"
        );
        assert_eq!(
            with_defaults("${LLMMON_EXPORTER_IMAGE:-ghcr.io/llmmon/llmmon-exporter:0.1.0}"),
            "ghcr.io/llmmon/llmmon-exporter:0.1.0"
        );
        assert_eq!(with_defaults("a/${X}:1"), "a/:1");
    }
}
