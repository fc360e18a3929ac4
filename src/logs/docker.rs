//! Live logs from the Docker API (bollard, through the exporter's [`DockerClient`], which
//! negotiates the API version): finding containers by name, id or Compose service, reading
//! their stdout and stderr with timestamps, and following them. `llmmon top`'s log pane
//! reads through [`read`] too.

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use futures::stream::BoxStream;
use futures::StreamExt;
use llmmon_core::docker::DockerClient;
use llmmon_core::source::SourceError;

use super::entry::{Entry, Stream};
use super::level::Level;
use super::time::{self, Nanos};

/// The Compose label naming a container's service.
pub const SERVICE_LABEL: &str = "com.docker.compose.service";

/// What to read of one container's log.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Lines from this time on (Docker reads from the whole second before).
    pub since: Option<Nanos>,
    /// Lines up to this time (Docker reads to the whole second after).
    pub until: Option<Nanos>,
    /// Only the last N lines.
    pub tail: Option<usize>,
    /// Keep the stream open for new lines until the container stops.
    pub follow: bool,
}

/// One line as Docker returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawLine {
    pub time: Nanos,
    pub stream: Stream,
    pub text: String,
}

/// The lines of `container` (a name or id), stdout and stderr, each with its time.
pub fn read(
    docker: &bollard::Docker,
    container: &str,
    opts: &ReadOptions,
) -> BoxStream<'static, Result<RawLine, bollard::errors::Error>> {
    let options = LogsOptions {
        follow: opts.follow,
        stdout: true,
        stderr: true,
        timestamps: true,
        since: opts
            .since
            .map_or(0, |t| seconds_param(time::floor_seconds(t))),
        until: opts
            .until
            .map_or(0, |t| seconds_param(time::floor_seconds(t) + 1)),
        tail: opts
            .tail
            .map_or_else(|| "all".to_owned(), |n| n.to_string()),
    };
    let mut last = time::now();
    docker
        .logs(container, Some(options))
        .map(move |frame| {
            let frame = frame?;
            let lines = split_frame(&frame, last);
            if let Some(l) = lines.last() {
                last = l.time;
            }
            Ok(futures::stream::iter(lines.into_iter().map(Ok)))
        })
        .map(|r: Result<_, bollard::errors::Error>| match r {
            Ok(lines) => lines.left_stream(),
            Err(e) => futures::stream::once(async move { Err(e) }).right_stream(),
        })
        .flatten()
        .boxed()
}

/// Docker's `since` / `until` are 32-bit seconds; 0 means unset, so the epoch is 1.
fn seconds_param(s: i64) -> i32 {
    i32::try_from(s.max(1)).unwrap_or(i32::MAX)
}

/// The lines of one frame of Docker's log stream (a frame holds one line, or part of a long
/// one); a line without a stamp gets `fallback`.
fn split_frame(frame: &LogOutput, fallback: Nanos) -> Vec<RawLine> {
    let (stream, bytes) = match frame {
        LogOutput::StdErr { message } => (Stream::Stderr, message),
        LogOutput::StdOut { message } | LogOutput::Console { message } => (Stream::Stdout, message),
        LogOutput::StdIn { .. } => return Vec::new(),
    };
    let text = String::from_utf8_lossy(bytes);
    let mut time = fallback;
    text.lines()
        .map(|raw| {
            let (stamp, rest) = time::split_docker_stamp(raw);
            time = stamp.unwrap_or(time);
            RawLine {
                time,
                stream,
                text: rest.strip_suffix('\r').unwrap_or(rest).to_owned(),
            }
        })
        .collect()
}

/// A container Docker knows (running or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub id: String,
    pub name: String,
    /// Its Compose service, if Compose made it.
    pub service: Option<String>,
}

/// Every container Docker knows.
#[derive(Debug, Clone, Default)]
pub struct Inventory(pub Vec<Container>);

impl Inventory {
    /// The containers `wanted` names: a container name, a full id or an unambiguous id
    /// prefix (4+ characters), else every container of the Compose service of that name
    /// (sorted by name). Empty when none matches.
    pub fn find(&self, wanted: &str) -> Vec<Container> {
        let wanted = wanted.trim_start_matches('/');
        if let Some(c) = self.0.iter().find(|c| c.name == wanted || c.id == wanted) {
            return vec![c.clone()];
        }
        let by_prefix: Vec<&Container> = self
            .0
            .iter()
            .filter(|c| wanted.len() >= 4 && c.id.starts_with(wanted))
            .collect();
        if let [one] = by_prefix.as_slice() {
            return vec![(*one).clone()];
        }
        let mut of_service: Vec<Container> = self
            .0
            .iter()
            .filter(|c| c.service.as_deref() == Some(wanted))
            .cloned()
            .collect();
        of_service.sort_by(|a, b| a.name.cmp(&b.name));
        of_service
    }

    /// Container and service names, for suggestions.
    pub fn names(&self) -> Vec<String> {
        self.0
            .iter()
            .flat_map(|c| std::iter::once(c.name.clone()).chain(c.service.clone()))
            .collect()
    }
}

/// Why `llmmon logs` could not read Docker.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// Another transport than the unix socket.
    #[error(
        "docker_host {0} is not supported: llmmon reads Docker through its unix socket \
         (set DOCKER_HOST or docker_host in the config to unix:///var/run/docker.sock)"
    )]
    Unsupported(String),
    #[error(
        "cannot reach Docker at {host}: {why}; {}set DOCKER_HOST or docker_host in the config, \
         or read the history from Loki with --loki",
        if why.contains("running") { "" } else { "is dockerd running? " }
    )]
    Unreachable { host: String, why: String },
    #[error("container {0} was removed while its log was read")]
    Removed(String),
    #[error("reading the log of {name} from Docker at {host}: {why}")]
    Read {
        name: String,
        host: String,
        why: String,
    },
}

/// The Docker engine `llmmon logs` reads.
pub struct Engine {
    client: DockerClient,
    host: String,
}

impl Engine {
    /// The engine at `host` (`unix:///path` or a socket path).
    pub fn new(host: &str) -> Result<Self, EngineError> {
        if host.contains("://") && !host.starts_with("unix://") {
            return Err(EngineError::Unsupported(host.to_owned()));
        }
        Ok(Self {
            client: DockerClient::new(host),
            host: host.to_owned(),
        })
    }

    /// A connected client, or the one-line reason Docker cannot be reached.
    async fn connect(&self) -> Result<bollard::Docker, EngineError> {
        self.client.get().await.map_err(|e| self.down(&e))
    }

    fn down(&self, e: &SourceError) -> EngineError {
        let why = match e {
            SourceError::Unavailable(s)
            | SourceError::Malformed(s)
            | SourceError::Unauthorized(s) => s.clone(),
            other => other.to_string(),
        };
        EngineError::Unreachable {
            host: self.host.clone(),
            why,
        }
    }

    /// Every container, running or not.
    pub async fn inventory(&self) -> Result<Inventory, EngineError> {
        let list = self.client.list_all().await.map_err(|e| self.down(&e))?;
        Ok(Inventory(
            list.into_iter()
                .filter_map(|c| {
                    let name = c.names?.into_iter().next()?;
                    Some(Container {
                        id: c.id?,
                        name: name.trim_start_matches('/').to_owned(),
                        service: c.labels.and_then(|mut l| l.remove(SERVICE_LABEL)),
                    })
                })
                .collect(),
        ))
    }

    /// The lines of `c` as [`Entry`]s: all of them (`opts.follow` false), or a stream that
    /// stays open until the container stops.
    pub async fn entries(
        &self,
        c: &Container,
        opts: &ReadOptions,
    ) -> Result<BoxStream<'static, Result<Entry, EngineError>>, EngineError> {
        let docker = self.connect().await?;
        let name = c.name.clone();
        let unavailable = {
            let host = self.host.clone();
            move |e: bollard::errors::Error| read_error(&host, &name, &e)
        };
        let name = c.name.clone();
        Ok(read(&docker, &c.id, opts)
            .map(move |r| {
                r.map_err(&unavailable).map(|l| Entry {
                    level: Level::detect(&l.text),
                    time: l.time,
                    container: name.clone(),
                    stream: l.stream,
                    line: l.text,
                })
            })
            .boxed())
    }
}

/// The one-line reason reading `name`'s log failed.
fn read_error(host: &str, name: &str, e: &bollard::errors::Error) -> EngineError {
    match e {
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        } => EngineError::Removed(name.to_owned()),
        other => EngineError::Read {
            name: name.to_owned(),
            host: host.to_owned(),
            why: other
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, name: &str, service: Option<&str>) -> Container {
        Container {
            id: id.into(),
            name: name.into(),
            service: service.map(Into::into),
        }
    }

    #[test]
    fn names_ids_and_services_are_found() {
        let inv = Inventory(vec![
            c("aaaa1111", "web-2", Some("web")),
            c("aaaa2222", "web-1", Some("web")),
            c("bbbb3333", "db", Some("postgres")),
            c("cccc4444", "web", None),
        ]);
        assert_eq!(inv.find("db")[0].id, "bbbb3333");
        assert_eq!(inv.find("/db")[0].id, "bbbb3333");
        assert_eq!(inv.find("bbbb")[0].name, "db");
        assert!(inv.find("aaaa").is_empty(), "ambiguous id prefix");
        assert!(inv.find("bbb").is_empty(), "too short a prefix");
        let names: Vec<String> = inv.find("postgres").into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["db"]);
        // A container name wins over a service of the same name.
        assert_eq!(inv.find("web").len(), 1);
        assert!(inv.find("nope").is_empty());
        assert!(inv.names().contains(&"postgres".to_owned()));
    }

    #[test]
    fn a_service_means_all_its_containers_in_name_order() {
        let inv = Inventory(vec![
            c("aaaa1111", "qwen-2", Some("qwen")),
            c("aaaa2222", "qwen-1", Some("qwen")),
        ]);
        let names: Vec<String> = inv.find("qwen").into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["qwen-1", "qwen-2"]);
    }

    #[test]
    fn frames_become_stamped_lines() {
        let frame = LogOutput::StdErr {
            message: "2024-05-01T12:00:00.5Z oops\r\n".into(),
        };
        let lines = split_frame(&frame, 7);
        assert_eq!(
            lines,
            [RawLine {
                time: 1_714_564_800_500_000_000,
                stream: Stream::Stderr,
                text: "oops".into()
            }]
        );
        let bare = split_frame(
            &LogOutput::Console {
                message: "no stamp".into(),
            },
            7,
        );
        assert_eq!((bare[0].time, bare[0].stream), (7, Stream::Stdout));
        assert!(split_frame(
            &LogOutput::StdIn {
                message: "x".into()
            },
            0
        )
        .is_empty());
    }

    #[test]
    fn only_unix_sockets() {
        let err = Engine::new("tcp://10.0.0.5:2375").err().expect("refused");
        assert_eq!(err, EngineError::Unsupported("tcp://10.0.0.5:2375".into()));
        assert!(err.to_string().contains("DOCKER_HOST"), "{err}");
        assert!(Engine::new("unix:///var/run/docker.sock").is_ok());
    }
}
