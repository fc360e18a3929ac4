//! `stack install-service` / `uninstall-service`: the systemd unit that starts the stack at
//! boot, rendered from compose/llmmon-stack.service for this stack directory and overlay.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Args;

use super::compose::{Overlay, BASE_FILE};
use crate::exit::{CliError, CmdResult, Exit};

/// The unit's file name.
pub const UNIT: &str = "llmmon-stack.service";

/// The shipped unit, used when the stack directory has none.
const TEMPLATE: &str = include_str!("../../compose/llmmon-stack.service");

#[derive(Debug, Args)]
pub struct UnitDirArg {
    /// Where systemd units are installed (tests point it elsewhere).
    #[arg(
        long,
        hide = true,
        env = "LLMMON_SYSTEMD_DIR",
        default_value = "/etc/systemd/system"
    )]
    pub unit_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Run the mock overlay at boot instead of production.
    #[arg(long)]
    pub mock: bool,
    /// Compose profiles to enable at boot, e.g. `dcgm` (repeatable).
    #[arg(long, value_name = "NAME")]
    pub profile: Vec<String>,
    #[command(flatten)]
    pub unit: UnitDirArg,
}

pub async fn install(args: &InstallArgs, dir: &Path) -> CmdResult {
    let dir = dir
        .canonicalize()
        .ok()
        .filter(|d| d.join(BASE_FILE).is_file())
        .ok_or_else(|| {
            CliError::usage(anyhow!(
                "{} has no {BASE_FILE}; pass --dir or set stack.dir to the compose/ directory",
                dir.display()
            ))
        })?;
    let template = std::fs::read_to_string(dir.join(UNIT)).unwrap_or_else(|_| TEMPLATE.to_owned());
    let docker = which("docker").unwrap_or_else(|| PathBuf::from("/usr/bin/docker"));
    let unit = render(
        &template,
        &dir,
        Overlay::from_mock(args.mock),
        &args.profile,
        &docker,
    )?;
    let path = args.unit.unit_dir.join(UNIT);
    std::fs::write(&path, unit).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
            "; run with sudo"
        } else {
            ""
        };
        CliError::failure(anyhow!("cannot write {}: {e}{hint}", path.display()))
    })?;
    systemctl(&["daemon-reload"]).await?;
    systemctl(&["enable", "--now", UNIT]).await?;
    println!(
        "installed {} ({}); the stack starts at boot — `systemctl status {UNIT}`",
        path.display(),
        Overlay::from_mock(args.mock).file()
    );
    Ok(Exit::Success)
}

pub async fn uninstall(args: &UnitDirArg) -> CmdResult {
    let path = args.unit_dir.join(UNIT);
    if !path.exists() {
        println!("{} is not installed; nothing to do", path.display());
        return Ok(Exit::Success);
    }
    systemctl(&["disable", "--now", UNIT]).await?;
    std::fs::remove_file(&path).map_err(|e| {
        CliError::failure(anyhow!(
            "cannot delete {}: {e}; run with sudo",
            path.display()
        ))
    })?;
    systemctl(&["daemon-reload"]).await?;
    println!(
        "removed {}; the stack no longer starts at boot",
        path.display()
    );
    Ok(Exit::Success)
}

/// The template with this stack's directory, compose files, profiles and docker binary.
pub fn render(
    template: &str,
    dir: &Path,
    overlay: Overlay,
    profiles: &[String],
    docker: &Path,
) -> anyhow::Result<String> {
    let mut out = format!(
        "# Installed by `llmmon stack install-service` for {}; remove it with\n\
         # `llmmon stack uninstall-service`.\n",
        dir.display()
    );
    let (mut workdir, mut files) = (false, false);
    let docs = dir.parent().unwrap_or(dir).join("docs/operations.md");
    for line in template.lines().skip_while(|l| l.starts_with('#')) {
        if line.starts_with("WorkingDirectory=") {
            workdir = true;
            out += &format!("WorkingDirectory={}\n", dir.display());
        } else if line.starts_with("Environment=COMPOSE_FILE=") {
            files = true;
            out += &format!("Environment=COMPOSE_FILE={BASE_FILE}:{}\n", overlay.file());
            if !profiles.is_empty() {
                out += &format!("Environment=COMPOSE_PROFILES={}\n", profiles.join(","));
            }
        } else if line.starts_with("Documentation=file://") {
            out += &format!("Documentation=file://{}\n", docs.display());
        } else if line.starts_with("Exec") {
            out += &line.replace("/usr/bin/docker ", &format!("{} ", docker.display()));
            out.push('\n');
        } else {
            out += line;
            out.push('\n');
        }
    }
    match (workdir, files) {
        (true, true) => Ok(out),
        _ => Err(anyhow!(
            "the unit template {UNIT} lacks WorkingDirectory= or Environment=COMPOSE_FILE=; \
             restore it from the repository"
        )),
    }
}

/// The first `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|p| p.join(name))
        .find(|p| p.is_file())
}

async fn systemctl(args: &[&str]) -> Result<(), CliError> {
    let out = tokio::process::Command::new("systemctl")
        .args(args)
        .output()
        .await
        .map_err(|e| {
            CliError::failure(anyhow!(
                "cannot run systemctl: {e}; is this a systemd host?"
            ))
        })?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Err(CliError::failure(anyhow!(
        "`systemctl {}` failed: {}",
        args.join(" "),
        err.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message")
            .trim()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_unit_renders_for_another_directory_and_the_mock_overlay() {
        let unit = render(
            TEMPLATE,
            Path::new("/srv/llmmon/compose"),
            Overlay::Mock,
            &["dcgm".to_owned()],
            Path::new("/snap/bin/docker"),
        )
        .expect("render");
        assert!(
            unit.contains("\nWorkingDirectory=/srv/llmmon/compose\n"),
            "{unit}"
        );
        assert!(
            unit.contains(
                "\nEnvironment=COMPOSE_FILE=docker-compose.yml:docker-compose.mock.yml\n"
            ),
            "{unit}"
        );
        assert!(
            unit.contains("\nEnvironment=COMPOSE_PROFILES=dcgm\n"),
            "{unit}"
        );
        assert!(
            unit.contains("ExecStart=/snap/bin/docker compose up"),
            "{unit}"
        );
        assert!(!unit.contains("/opt/llmmon"), "{unit}");
        assert!(
            unit.contains("[Install]\nWantedBy=multi-user.target"),
            "{unit}"
        );
        assert!(render(
            "[Unit]\n",
            Path::new("/x"),
            Overlay::Prod,
            &[],
            Path::new("d")
        )
        .is_err());
    }
}
