//! A real Docker engine for tests: `dockerd` from Debian's docker.io on its own socket, data
//! root and exec root in a temp dir, with no bridge and no iptables so nothing leaves
//! loopback. Test images are made with `docker import` from a busybox rootfs (Debian's
//! busybox-static), since no image can be pulled here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{require, Proc};

pub struct Dockerd {
    pub socket: PathBuf,
    proc: Option<Proc>,
    dir: tempfile::TempDir,
}

impl Dockerd {
    /// Starts an engine whose socket is at `socket` (or in its temp dir) and waits for it.
    pub fn start_at(socket: Option<&Path>) -> Self {
        let bin = require("dockerd", "docker.io");
        require("docker", "docker.io");
        let dir = tempfile::Builder::new()
            .prefix("dk")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let socket = socket.map_or_else(|| dir.path().join("docker.sock"), Path::to_path_buf);
        let log = std::fs::File::create(dir.path().join("dockerd.log")).expect("log file");
        let child = Command::new(bin)
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
            .arg(format!("--data-root={}", dir.path().join("data").display()))
            .arg(format!("--exec-root={}", dir.path().join("exec").display()))
            .arg(format!(
                "--pidfile={}",
                dir.path().join("docker.pid").display()
            ))
            .arg(format!("--host=unix://{}", socket.display()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        let d = Self {
            socket,
            proc: Some(Proc(child)),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if d.docker(&["version", "--format", "{{.Server.Version}}"])
                .status
                .success()
            {
                return d;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let log = std::fs::read_to_string(d.dir.path().join("dockerd.log")).unwrap_or_default();
        panic!(
            "dockerd did not answer within 60 s; its log ends:\n{}",
            tail(&log, 20)
        );
    }

    pub fn start() -> Self {
        Self::start_at(None)
    }

    pub fn url(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Runs the docker CLI against this engine.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .env("DOCKER_HOST", self.url())
            .args(args)
            .output()
            .expect("run docker")
    }

    /// Runs the docker CLI and returns stdout, panicking with stderr on failure.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.docker(args);
        assert!(
            o.status.success(),
            "docker {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    }

    /// Imports a busybox image under `tag`, with `env` baked into its config.
    pub fn import_busybox(&self, tag: &str, env: &[&str]) {
        let busybox = require("busybox", "busybox-static");
        let root = self
            .dir
            .path()
            .join(format!("rootfs-{}", tag.replace(['/', ':'], "_")));
        std::fs::create_dir_all(root.join("bin")).expect("mkdir rootfs");
        std::fs::create_dir_all(root.join("tmp")).expect("mkdir tmp");
        std::fs::copy(&busybox, root.join("bin/busybox")).expect("copy busybox");
        for applet in [
            "sh", "sleep", "true", "false", "test", "touch", "rm", "cat", "echo", "ls", "httpd",
        ] {
            let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
        }
        let tar = self
            .dir
            .path()
            .join(format!("{}.tar", tag.replace(['/', ':'], "_")));
        let st = Command::new("tar")
            .arg("-C")
            .arg(&root)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .expect("tar");
        assert!(st.success(), "tar failed");
        let mut args = vec!["import".to_owned()];
        for e in env {
            args.push("--change".to_owned());
            args.push(format!("ENV {e}"));
        }
        args.push(tar.display().to_string());
        args.push(tag.to_owned());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.ok(&refs);
    }

    /// A directory inside this engine's temp dir (for bind mounts).
    pub fn path(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(&p).expect("mkdir");
        p
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        // Remove every container first so dockerd leaves no mount behind, then stop it
        // gracefully (SIGTERM) and only then hard.
        let ids = self.docker(&["ps", "-aq"]);
        let ids = String::from_utf8_lossy(&ids.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(ids.iter().map(String::as_str));
            let _ = self.docker(&args);
        }
        if let Some(p) = self.proc.take() {
            let pid = p.0.id().to_string();
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            let mut p = p;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = p.0.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            drop(p);
        }
        // dockerd leaves its network-namespace mount behind; unmount whatever is still
        // mounted under the temp dir so the dir can be removed.
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let prefix = self.dir.path().display().to_string();
        let mut points: Vec<&str> = mounts
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|m| m.starts_with(&prefix))
            .collect();
        points.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for point in points {
            let _ = Command::new("umount").args(["-l", point]).status();
        }
    }
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
