//! Which Docker container a host process belongs to, from `/proc/<pid>/cgroup`.
//!
//! NVML reports host PIDs whatever namespace the exporter runs in; with `pid: host` the
//! exporter can read their cgroup files, and with `cgroup: host` (cgroup v2 hosts) the paths
//! are the host's, not relative to a private cgroup namespace.

use std::path::Path;

/// Docker's container id in one cgroup file's content, in any of the forms Docker writes:
/// cgroup v1 (`4:memory:/docker/<id>`), the systemd driver (`/system.slice/docker-<id>.scope`,
/// v1 or v2), cgroupfs on v2 (`0::/docker/<id>`), and rootless Docker (`…/docker-<id>.scope`
/// under the user's slice).
pub fn container_id(cgroup_file: &str) -> Option<String> {
    cgroup_file.lines().find_map(|line| {
        let path = line.splitn(3, ':').nth(2)?;
        let mut prev = "";
        for seg in path.split('/') {
            if let Some(id) = seg
                .strip_prefix("docker-")
                .and_then(|s| s.strip_suffix(".scope"))
            {
                if is_container_id(id) {
                    return Some(id.to_owned());
                }
            }
            if prev == "docker" && is_container_id(seg) {
                return Some(seg.to_owned());
            }
            prev = seg;
        }
        None
    })
}

fn is_container_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The container id of host process `pid`, reading `<proc_root>/<pid>/cgroup`.
pub fn container_of_pid(proc_root: &Path, pid: u32) -> Option<String> {
    let content = std::fs::read_to_string(proc_root.join(pid.to_string()).join("cgroup")).ok()?;
    container_id(&content)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "e85c8d5234ab36f18bd9f3e2455b560252566561d83ba8dc49a18a146ff92f81";

    #[test]
    fn cgroup_v1_cgroupfs_driver() {
        // Read from a container on this project's test machine (Docker 20.10, cgroup v1).
        let file = format!(
            "9:name=systemd:/docker/{ID}\n8:pids:/docker/{ID}\n7:blkio:/docker/{ID}\n4:memory:/docker/{ID}\n0::/\n"
        );
        assert_eq!(container_id(&file).as_deref(), Some(ID));
    }

    #[test]
    fn cgroup_v2_systemd_driver() {
        // Ubuntu 24.04 default: unified hierarchy, systemd cgroup driver.
        let file = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(container_id(&file).as_deref(), Some(ID));
    }

    #[test]
    fn cgroup_v1_systemd_driver_and_v2_cgroupfs_driver() {
        let v1 = format!("12:pids:/system.slice/docker-{ID}.scope\n1:name=systemd:/system.slice/docker-{ID}.scope\n");
        assert_eq!(container_id(&v1).as_deref(), Some(ID));
        let v2 = format!("0::/docker/{ID}\n");
        assert_eq!(container_id(&v2).as_deref(), Some(ID));
    }

    #[test]
    fn rootless_docker_and_a_private_cgroup_namespace_view() {
        let rootless = format!(
            "0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker-{ID}.scope\n"
        );
        assert_eq!(container_id(&rootless).as_deref(), Some(ID));
        // Without `cgroup: host` the path is relative to the reader's namespace.
        let relative = format!("0::/../../system.slice/docker-{ID}.scope\n");
        assert_eq!(container_id(&relative).as_deref(), Some(ID));
    }

    #[test]
    fn host_processes_and_other_runtimes_are_not_docker_containers() {
        assert_eq!(
            container_id("0::/user.slice/user-1000.slice/session-3.scope\n"),
            None
        );
        assert_eq!(container_id("0::/\n"), None);
        let k8s = format!("0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-{ID}.scope\n");
        assert_eq!(container_id(&k8s), None);
        assert_eq!(container_id("0::/docker/not-an-id\n"), None);
    }

    #[test]
    fn a_process_is_looked_up_under_the_proc_root() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("4242")).expect("mkdir");
        std::fs::write(
            dir.path().join("4242/cgroup"),
            format!("0::/system.slice/docker-{ID}.scope\n"),
        )
        .expect("write");
        assert_eq!(container_of_pid(dir.path(), 4242).as_deref(), Some(ID));
        assert_eq!(
            container_of_pid(dir.path(), 1),
            None,
            "gone processes map to nothing"
        );
    }
}
