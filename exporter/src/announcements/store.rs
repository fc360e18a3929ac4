//! The durable store: an append-only JSON-lines file of events (`announcements.jsonl` in
//! `LLMMON_DATA_DIR`), folded into the current state. Every write takes an exclusive lock
//! on the file (`flock`), first reads what other writers appended, then appends its event
//! and syncs it to disk before answering, so several processes can write at once and
//! nothing acknowledged is lost. A torn last line (a writer killed mid-write, never
//! acknowledged) is cut off by the next writer.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Announcement, ServiceStatus};

/// File name of the log inside the data directory.
pub const FILE_NAME: &str = "announcements.jsonl";

/// A webhook subscription: `url` gets a POST for every published announcement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: u64,
    pub url: String,
    pub created_at: DateTime<Utc>,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Event {
    /// Create or replace an announcement.
    Put {
        announcement: Announcement,
    },
    /// Set a service's status by hand.
    Status {
        status: ServiceStatus,
    },
    /// Hand the service's status back to derivation.
    ClearStatus {
        service: String,
    },
    Subscribe {
        subscription: Subscription,
    },
    Unsubscribe {
        id: u64,
    },
}

/// Everything the log says, folded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub announcements: BTreeMap<u64, Announcement>,
    /// Statuses set by hand.
    pub statuses: BTreeMap<String, ServiceStatus>,
    pub subscriptions: BTreeMap<u64, Subscription>,
    /// Lines that did not parse (reported, skipped).
    pub bad_lines: u64,
}

impl State {
    pub fn apply(&mut self, e: Event) {
        match e {
            Event::Put { announcement } => {
                self.announcements.insert(announcement.id, announcement);
            }
            Event::Status { status } => {
                self.statuses.insert(status.service.clone(), status);
            }
            Event::ClearStatus { service } => {
                self.statuses.remove(&service);
            }
            Event::Subscribe { subscription } => {
                self.subscriptions.insert(subscription.id, subscription);
            }
            Event::Unsubscribe { id } => {
                self.subscriptions.remove(&id);
            }
        }
    }

    pub fn next_announcement_id(&self) -> u64 {
        self.announcements.keys().next_back().map_or(1, |k| k + 1)
    }

    pub fn next_subscription_id(&self) -> u64 {
        self.subscriptions.keys().next_back().map_or(1, |k| k + 1)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("announcements store {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Why a commit did not happen: the caller refused (its error) or the store failed.
#[derive(Debug)]
pub enum CommitError<E> {
    Refused(E),
    Store(StoreError),
}

pub struct Store {
    path: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    file: File,
    /// Bytes of the log folded into `state`.
    offset: u64,
    state: State,
}

impl Store {
    /// Opens (creating) the log in `dir` and folds it.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(FILE_NAME);
        let io = |source| StoreError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io)?;
        let store = Self {
            path: path.clone(),
            inner: Mutex::new(Inner {
                file,
                offset: 0,
                state: State::default(),
            }),
        };
        store.state()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// The current state, including what other processes wrote.
    pub fn state(&self) -> Result<State, StoreError> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let len = inner.file.metadata().map_err(|e| self.io(e))?.len();
        if len != inner.offset {
            inner.file.lock_shared().map_err(|e| self.io(e))?;
            let r = catch_up(&mut inner, false);
            let _ = inner.file.unlock();
            r.map_err(|e| self.io(e))?;
        }
        Ok(inner.state.clone())
    }

    /// Under the exclusive lock and on the latest state, `decide` returns the events to
    /// append and a result; the events are on disk (synced) when this returns `Ok`.
    pub fn commit<T, E>(
        &self,
        decide: impl FnOnce(&State) -> Result<(Vec<Event>, T), E>,
    ) -> Result<T, CommitError<E>> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .file
            .lock()
            .map_err(|e| CommitError::Store(self.io(e)))?;
        let result = self.commit_locked(&mut inner, decide);
        let _ = inner.file.unlock();
        result
    }

    fn commit_locked<T, E>(
        &self,
        inner: &mut Inner,
        decide: impl FnOnce(&State) -> Result<(Vec<Event>, T), E>,
    ) -> Result<T, CommitError<E>> {
        catch_up(inner, true).map_err(|e| CommitError::Store(self.io(e)))?;
        let (events, out) = decide(&inner.state).map_err(CommitError::Refused)?;
        let mut buf = Vec::new();
        for e in &events {
            // An event of our own types always serialises.
            serde_json::to_writer(&mut buf, e)
                .map_err(|e| CommitError::Store(self.io(std::io::Error::other(e))))?;
            buf.push(b'\n');
        }
        inner
            .file
            .write_all(&buf)
            .and_then(|()| inner.file.sync_data())
            .map_err(|e| CommitError::Store(self.io(e)))?;
        inner.offset += buf.len() as u64;
        for e in events {
            inner.state.apply(e);
        }
        Ok(out)
    }
}

/// Folds the log from `inner.offset` to its end. With the exclusive lock a torn last line
/// is truncated; with a shared one it is left for its writer.
fn catch_up(inner: &mut Inner, exclusive: bool) -> std::io::Result<()> {
    inner.file.seek(SeekFrom::Start(inner.offset))?;
    let mut buf = Vec::new();
    inner.file.read_to_end(&mut buf)?;
    let complete = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    for line in buf[..complete].split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Event>(line) {
            Ok(e) => inner.state.apply(e),
            Err(e) => {
                inner.state.bad_lines += 1;
                tracing::warn!(error = %e, "announcements store: skipping a line that does not parse");
            }
        }
    }
    inner.offset += complete as u64;
    if exclusive && complete < buf.len() {
        tracing::warn!(
            bytes = buf.len() - complete,
            "announcements store: cutting off a torn last line"
        );
        inner.file.set_len(inner.offset)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::announcements::model::Draft;

    fn put(store: &Store, title: &str) -> u64 {
        store
            .commit(|s| {
                let id = s.next_announcement_id();
                let a = Draft {
                    title: Some(title.into()),
                    ..Draft::default()
                }
                .create(id, Utc::now(), "test")
                .map_err(|_| ())?;
                Ok::<_, ()>((vec![Event::Put { announcement: a }], id))
            })
            .map_err(|_| "commit")
            .expect("commit")
    }

    #[test]
    fn two_stores_on_one_file_see_each_other_and_never_reuse_an_id() {
        let dir = tempfile::tempdir().expect("tmp");
        let a = Store::open(dir.path()).expect("open");
        let b = Store::open(dir.path()).expect("open");
        assert_eq!(put(&a, "one"), 1);
        assert_eq!(put(&b, "two"), 2);
        assert_eq!(put(&a, "three"), 3);
        let titles: Vec<String> = b
            .state()
            .expect("state")
            .announcements
            .values()
            .map(|a| a.title.clone())
            .collect();
        assert_eq!(titles, ["one", "two", "three"]);
    }

    #[test]
    fn a_torn_last_line_is_cut_and_everything_before_it_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        {
            let s = Store::open(dir.path()).expect("open");
            put(&s, "kept");
        }
        let path = dir.path().join(FILE_NAME);
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(b"{\"op\":\"put\",\"announcement\":{\"id\":")
            .expect("write");
        let s = Store::open(dir.path()).expect("reopen");
        assert_eq!(s.state().expect("state").announcements.len(), 1);
        assert_eq!(put(&s, "after"), 2);
        let s2 = Store::open(dir.path()).expect("reopen");
        let st = s2.state().expect("state");
        assert_eq!(st.announcements.len(), 2);
        assert_eq!(st.bad_lines, 0);
    }
}
