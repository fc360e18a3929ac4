//! The durable store: an append-only JSON-lines file of events (`announcements.jsonl` in
//! `LLMMON_DATA_DIR`), folded into the current state.
//!
//! Several processes (two service instances on one data directory, `llmmon` itself) may
//! write at once. Every write takes an exclusive lock on the file (`flock`) and, under it,
//! reads what the others appended since, decides on that latest state (so an id is
//! allocated from every record on disk, never handed out twice), appends its event and
//! syncs it to disk before it answers: nothing acknowledged is lost when a process is
//! killed. Reads take a shared lock, so they never see a write half done.
//!
//! A writer killed in the middle of its write leaves a torn last record, which it never
//! acknowledged. The next process to hold the exclusive lock (a service starting, the next
//! write, or a read that finds it) cuts it off the end of the file, so later appends make
//! a valid file again, after copying it to `announcements.jsonl.dropped`; it logs a
//! warning naming the offset and size and counts the bytes in `State::torn_bytes`
//! (`llm_monitor_announcement_store_dropped_bytes_total{reason="torn"}`). A last line that
//! lacks only its newline but parses is a complete record: it is kept and the newline
//! added. A complete line that does not parse is skipped, reported the same way
//! (`reason="unparseable"`) and left in the file.

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

/// File name, next to the log, that torn records cut off its end are copied to.
pub const DROPPED_FILE_NAME: &str = "announcements.jsonl.dropped";

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
    /// Highest announcement id the log ever held.
    pub last_announcement_id: u64,
    /// Highest subscription id the log ever held, removed ones included: an id is never
    /// reused, so a retried delete cannot remove someone else's newer subscription.
    pub last_subscription_id: u64,
    /// Lines that did not parse (reported, skipped).
    pub bad_lines: u64,
    /// Bytes of those lines, newlines included.
    pub unparseable_bytes: u64,
    /// Bytes of torn last records this process cut off the end of the log.
    pub torn_bytes: u64,
}

impl State {
    pub fn apply(&mut self, e: Event) {
        match e {
            Event::Put { announcement } => {
                self.last_announcement_id = self.last_announcement_id.max(announcement.id);
                self.announcements.insert(announcement.id, announcement);
            }
            Event::Status { status } => {
                self.statuses.insert(status.service.clone(), status);
            }
            Event::ClearStatus { service } => {
                self.statuses.remove(&service);
            }
            Event::Subscribe { subscription } => {
                self.last_subscription_id = self.last_subscription_id.max(subscription.id);
                self.subscriptions.insert(subscription.id, subscription);
            }
            Event::Unsubscribe { id } => {
                self.subscriptions.remove(&id);
            }
        }
    }

    pub fn next_announcement_id(&self) -> u64 {
        self.last_announcement_id + 1
    }

    pub fn next_subscription_id(&self) -> u64 {
        self.last_subscription_id + 1
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
    /// Where torn records cut off the log are copied.
    dropped: PathBuf,
    /// Bytes of the log folded into `state`.
    offset: u64,
    state: State,
}

impl Store {
    /// Opens (creating) the log in `dir` and folds it. Under the exclusive lock, so a torn
    /// last record is cut off and reported now, by the process starting.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(FILE_NAME);
        let io = |source| StoreError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let existed = path.exists();
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io)?;
        if !existed {
            // The new file's name must survive a power cut as well as its contents.
            File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        }
        let store = Self {
            path: path.clone(),
            inner: Mutex::new(Inner {
                file,
                dropped: dir.join(DROPPED_FILE_NAME),
                offset: 0,
                state: State::default(),
            }),
        };
        {
            let mut inner = store.inner.lock().unwrap_or_else(|p| p.into_inner());
            inner.file.lock().map_err(io)?;
            let r = catch_up(&mut inner, true);
            let _ = inner.file.unlock();
            r.map_err(io)?;
        }
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
            let tail = r.map_err(|e| self.io(e))?;
            if tail > 0 {
                // Writers hold the exclusive lock for the whole write, so an unfinished last
                // line seen under the shared one was left by a writer that died: cut it.
                inner.file.lock().map_err(|e| self.io(e))?;
                let r = catch_up(&mut inner, true);
                let _ = inner.file.unlock();
                r.map_err(|e| self.io(e))?;
            }
        }
        Ok(inner.state.clone())
    }

    /// Under the exclusive lock and on the latest state, `decide` returns the events to
    /// append and a result; the events are on disk (synced) when this returns `Ok`.
    ///
    /// The events go in one write: a process killed in its middle may leave the first
    /// complete events without the rest (every caller commits one event).
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
        if events.is_empty() {
            return Ok(out);
        }
        let mut buf = Vec::new();
        for e in &events {
            // An event of our own types always serialises.
            serde_json::to_writer(&mut buf, e)
                .map_err(|e| CommitError::Store(self.io(std::io::Error::other(e))))?;
            buf.push(b'\n');
        }
        if let Err(e) = inner
            .file
            .write_all(&buf)
            .and_then(|()| inner.file.sync_data())
        {
            // Not acknowledged, so not kept: take back whatever part of it reached the file,
            // or a later reader would fold a write its author was told had failed.
            let _ = inner.file.set_len(inner.offset);
            return Err(CommitError::Store(self.io(e)));
        }
        inner.offset += buf.len() as u64;
        for e in events {
            inner.state.apply(e);
        }
        Ok(out)
    }
}

/// Folds the log from `inner.offset` to its end; the length of an unfinished last line
/// left in the file (only ever without the exclusive lock). With the exclusive lock that
/// line is completed when it parses and cut off (and saved) when it does not; with a
/// shared one it is left alone.
fn catch_up(inner: &mut Inner, exclusive: bool) -> std::io::Result<u64> {
    let len = inner.file.metadata()?.len();
    if len < inner.offset {
        // Shorter than what was folded: replaced (a restore) or edited. Fold it again.
        tracing::warn!(
            folded = inner.offset,
            len,
            "announcements store: the file got shorter; reading it again from the start"
        );
        let torn_bytes = inner.state.torn_bytes;
        inner.state = State {
            torn_bytes,
            ..State::default()
        };
        inner.offset = 0;
    }
    inner.file.seek(SeekFrom::Start(inner.offset))?;
    let mut buf = Vec::new();
    inner.file.read_to_end(&mut buf)?;
    let complete = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let mut at = inner.offset;
    for line in buf[..complete].split_inclusive(|b| *b == b'\n') {
        let start = at;
        at += line.len() as u64;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Event>(line) {
            Ok(e) => inner.state.apply(e),
            Err(e) => {
                inner.state.bad_lines += 1;
                inner.state.unparseable_bytes += line.len() as u64;
                tracing::warn!(
                    offset = start,
                    bytes = line.len(),
                    error = %e,
                    "announcements store: skipping a line that does not parse (left in the file)"
                );
            }
        }
    }
    inner.offset += complete as u64;
    let tail = &buf[complete..];
    if tail.is_empty() {
        return Ok(0);
    }
    if !exclusive {
        return Ok(tail.len() as u64);
    }
    if let Ok(e) = serde_json::from_slice::<Event>(tail) {
        // A whole record that only lacks its newline (written by hand, or its writer died
        // between the two): keep it.
        tracing::warn!(
            offset = inner.offset,
            bytes = tail.len(),
            "announcements store: the last record had no newline; keeping it and adding one"
        );
        inner.file.write_all(b"\n")?;
        inner.file.sync_data()?;
        inner.offset += tail.len() as u64 + 1;
        inner.state.apply(e);
        return Ok(0);
    }
    let offset = inner.offset;
    let saved = save_dropped(&inner.dropped, offset, tail);
    // Cut, not skipped: the next append would otherwise be glued onto the torn bytes and
    // become a line that does not parse — a write acknowledged, then lost.
    inner.file.set_len(offset)?;
    inner.file.sync_data()?;
    inner.state.torn_bytes += tail.len() as u64;
    match saved {
        Ok(()) => tracing::warn!(
            offset,
            bytes = tail.len(),
            saved_to = %inner.dropped.display(),
            "announcements store: dropped a torn last record (a write cut short, never acknowledged); every complete record is kept"
        ),
        Err(e) => tracing::warn!(
            offset,
            bytes = tail.len(),
            error = %e,
            "announcements store: dropped a torn last record (a write cut short, never acknowledged); every complete record is kept; its bytes could not be saved"
        ),
    }
    Ok(0)
}

/// Appends `bytes`, cut off the log at `offset`, to the file of dropped records.
fn save_dropped(path: &Path, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = OpenOptions::new().append(true).create(true).open(path)?;
    let mut out = format!(
        "# {} cut from {FILE_NAME} at offset {offset}, {} bytes:\n",
        Utc::now().to_rfc3339(),
        bytes.len()
    )
    .into_bytes();
    out.extend_from_slice(bytes);
    out.push(b'\n');
    f.write_all(&out)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Draft;

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
        let whole = std::fs::metadata(&path).expect("len").len();
        let torn = b"{\"op\":\"put\",\"announcement\":{\"id\":";
        f.write_all(torn).expect("write");
        let s = Store::open(dir.path()).expect("reopen");
        let st = s.state().expect("state");
        assert_eq!(st.announcements.len(), 1);
        assert_eq!(st.torn_bytes, torn.len() as u64);
        // Cut at open, before any write, and its bytes kept aside.
        assert_eq!(std::fs::metadata(&path).expect("len").len(), whole);
        let saved = std::fs::read(dir.path().join(DROPPED_FILE_NAME)).expect("dropped");
        let header = format!("at offset {whole}, {} bytes:\n", torn.len());
        let at = saved
            .windows(header.len())
            .position(|w| w == header.as_bytes())
            .expect("header names offset and size");
        assert_eq!(&saved[at + header.len()..], [&torn[..], b"\n"].concat());
        assert_eq!(put(&s, "after"), 2);
        let s2 = Store::open(dir.path()).expect("reopen");
        let st = s2.state().expect("state");
        assert_eq!(st.announcements.len(), 2);
        assert_eq!((st.bad_lines, st.torn_bytes), (0, 0));
    }

    #[test]
    fn a_reader_cuts_what_a_dead_writer_left_and_a_writer_after_it_is_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        let reader = Store::open(dir.path()).expect("open");
        let writer = Store::open(dir.path()).expect("open");
        put(&writer, "one");
        let path = dir.path().join(FILE_NAME);
        // The second writer dies half way through its record.
        let line = std::fs::read(&path).expect("read");
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(&line[..line.len() / 2]).expect("write");
        let st = reader.state().expect("state");
        assert_eq!(st.announcements.len(), 1);
        assert_eq!(st.torn_bytes, (line.len() / 2) as u64);
        assert_eq!(std::fs::read(&path).expect("read"), line);
        assert_eq!(put(&writer, "two"), 2);
        assert_eq!(reader.state().expect("state").announcements.len(), 2);
    }

    #[test]
    fn a_whole_last_record_without_its_newline_is_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        {
            let s = Store::open(dir.path()).expect("open");
            put(&s, "one");
            put(&s, "two");
        }
        let path = dir.path().join(FILE_NAME);
        let text = std::fs::read(&path).expect("read");
        std::fs::write(&path, &text[..text.len() - 1]).expect("write");
        let s = Store::open(dir.path()).expect("reopen");
        let st = s.state().expect("state");
        assert_eq!(st.announcements.len(), 2);
        assert_eq!(st.torn_bytes, 0);
        assert_eq!(std::fs::read(&path).expect("read"), text);
        assert_eq!(put(&s, "three"), 3);
    }

    #[test]
    fn a_line_that_does_not_parse_is_skipped_counted_and_left() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(FILE_NAME);
        {
            let s = Store::open(dir.path()).expect("open");
            put(&s, "one");
        }
        let garbage = b"\x00\xffnot a record\n";
        OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(garbage))
            .expect("append");
        let s = Store::open(dir.path()).expect("reopen");
        assert_eq!(put(&s, "two"), 2);
        let st = Store::open(dir.path())
            .and_then(|s| s.state())
            .expect("state");
        assert_eq!(st.announcements.len(), 2);
        assert_eq!(st.bad_lines, 1);
        assert_eq!(st.unparseable_bytes, garbage.len() as u64);
    }

    #[test]
    fn a_removed_subscription_id_is_never_handed_out_again() {
        let dir = tempfile::tempdir().expect("tmp");
        let s = Store::open(dir.path()).expect("open");
        let sub = |id| Event::Subscribe {
            subscription: Subscription {
                id,
                url: "http://hook.example".into(),
                created_at: Utc::now(),
            },
        };
        for _ in 0..2 {
            s.commit(|st| Ok::<_, ()>((vec![sub(st.next_subscription_id())], ())))
                .map_err(|_| "commit")
                .expect("commit");
        }
        s.commit(|_| Ok::<_, ()>((vec![Event::Unsubscribe { id: 2 }], ())))
            .map_err(|_| "commit")
            .expect("commit");
        let reopened = Store::open(dir.path()).expect("reopen");
        assert_eq!(reopened.state().expect("state").next_subscription_id(), 3);
    }
}
