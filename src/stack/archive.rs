//! Backup archives: one `llmmon-backup-<UTC time>.tar.gz` holding `manifest.json` (format
//! version, time, host, every file with its size and SHA-256) and the files; checking an
//! unpacked archive against its manifest; and retention over a backup directory.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::files::{FileError, Op};

/// Archive names are `PREFIX` + `YYYYMMDDTHHMMSSZ` + `SUFFIX`; retention touches only those.
pub const PREFIX: &str = "llmmon-backup-";
pub const SUFFIX: &str = ".tar.gz";
pub const MANIFEST: &str = "manifest.json";
/// What `format` says in every manifest.
const FORMAT: &str = "llmmon-backup";
/// The manifest layout's version.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// llmmon's version that wrote it.
    pub llmmon_version: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub host: String,
    /// Whether `.env` kept its secrets.
    pub include_secrets: bool,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative, with `/`.
    pub path: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

impl Manifest {
    /// A manifest of every file under `dir`.
    pub fn of_dir(
        dir: &Path,
        created: &str,
        host: &str,
        include_secrets: bool,
    ) -> Result<Self, FileError> {
        Ok(Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            llmmon_version: env!("CARGO_PKG_VERSION").to_owned(),
            created: created.to_owned(),
            host: host.to_owned(),
            include_secrets,
            files: files_under(dir)?
                .iter()
                .map(|rel| entry(dir, rel))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The archive's file name for a time (seconds since the epoch).
pub fn name_at(unix_secs: i64) -> String {
    let t = chrono::DateTime::from_timestamp(unix_secs, 0).unwrap_or_default();
    format!("{PREFIX}{}{SUFFIX}", t.format("%Y%m%dT%H%M%SZ"))
}

/// RFC 3339 for a time (seconds since the epoch).
pub fn rfc3339(unix_secs: i64) -> String {
    chrono::DateTime::from_timestamp(unix_secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Whether `name` is one of our archives' names.
pub fn is_ours(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|r| r.strip_suffix(SUFFIX))
        .is_some_and(|stamp| {
            stamp.len() == 16
                && stamp.char_indices().all(|(i, c)| match i {
                    8 => c == 'T',
                    15 => c == 'Z',
                    _ => c.is_ascii_digit(),
                })
        })
}

/// Every regular file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Result<Vec<String>, FileError> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let here = dir.join(&rel);
        let list = FileError::of(Op::List, &here);
        let entries = std::fs::read_dir(&here)
            .and_then(|rd| rd.collect::<Result<Vec<_>, _>>())
            .map_err(list)?;
        for entry in entries {
            let path = rel.join(entry.file_name());
            let kind = entry
                .file_type()
                .map_err(FileError::of(Op::Read, &entry.path()))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                out.push(path.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn entry(dir: &Path, rel: &str) -> Result<FileEntry, FileError> {
    let (size, sha256) = hash_file(&dir.join(rel))?;
    Ok(FileEntry {
        path: rel.to_owned(),
        size,
        sha256,
    })
}

/// Size and SHA-256 of a file.
fn hash_file(path: &Path) -> Result<(u64, String), FileError> {
    let read = || FileError::of(Op::Read, path);
    let file = File::open(path).map_err(read())?;
    let mut reader = BufReader::new(file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(read())?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((size, format!("{:x}", hasher.finalize())))
}

/// Writes `dest` (mode 0600): the manifest first, then every file it lists from `dir`. The
/// archive appears under its name only once complete.
pub fn write(dir: &Path, manifest: &Manifest, dest: &Path) -> Result<(), FileError> {
    let partial = dest.with_extension("partial");
    let result = write_to(dir, manifest, &partial).and_then(|()| std::fs::rename(&partial, dest));
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result.map_err(FileError::of(Op::Write, dest))
}

fn write_to(dir: &Path, manifest: &Manifest, path: &Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let json = serde_json::to_vec_pretty(manifest)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(0);
    header.set_cksum();
    tar.append_data(&mut header, MANIFEST, json.as_slice())?;
    for f in &manifest.files {
        tar.append_path_with_name(dir.join(&f.path), &f.path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", f.path)))?;
    }
    let mut file = tar.into_inner()?.finish()?;
    file.flush()?;
    file.sync_all()
}

/// Why an archive is not restored.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{} is not a readable tar.gz: {why}", .archive.display())]
    NotTarGz {
        archive: PathBuf,
        why: std::io::Error,
    },
    #[error("{} has no {MANIFEST}: not an llmmon backup", .0.display())]
    NoManifest(PathBuf),
    #[error("{MANIFEST} in {} is not valid: {why}", .archive.display())]
    BadManifest {
        archive: PathBuf,
        why: serde_json::Error,
    },
    /// Another format, or a newer version of ours.
    #[error(
        "{} is a {format} v{version} archive; this llmmon reads {FORMAT} up to v{VERSION}",
        .archive.display()
    )]
    Unsupported {
        archive: PathBuf,
        format: String,
        version: u32,
    },
    #[error(
        "refusing to restore {}: {damage}; the archive is damaged or was altered",
        .archive.display()
    )]
    Damaged { archive: PathBuf, damage: Damage },
}

/// How an unpacked archive differs from its manifest: the first file that does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Damage {
    #[error("{0} is missing")]
    Missing(String),
    #[error("{0} does not match its SHA-256 in {MANIFEST}")]
    Changed(String),
    #[error("{0} is not in {MANIFEST}")]
    Unlisted(String),
}

/// Unpacks `archive` into `into` and checks every file against the manifest: none missing,
/// none changed, none unlisted. The error names the first bad file.
pub fn unpack_and_verify(archive: &Path, into: &Path) -> Result<Manifest, ArchiveError> {
    let file = File::open(archive).map_err(FileError::of(Op::Open, archive))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    tar.set_preserve_permissions(true);
    let archive = archive.to_owned();
    if let Err(why) = tar.unpack(into) {
        return Err(ArchiveError::NotTarGz { archive, why });
    }
    let Ok(text) = std::fs::read_to_string(into.join(MANIFEST)) else {
        return Err(ArchiveError::NoManifest(archive));
    };
    let manifest: Manifest = match serde_json::from_str(&text) {
        Ok(m) => m,
        Err(why) => return Err(ArchiveError::BadManifest { archive, why }),
    };
    if manifest.format != FORMAT || manifest.version > VERSION {
        return Err(ArchiveError::Unsupported {
            archive,
            format: manifest.format,
            version: manifest.version,
        });
    }
    let damaged = |damage| {
        Err(ArchiveError::Damaged {
            archive: archive.clone(),
            damage,
        })
    };
    for f in &manifest.files {
        let path = into.join(&f.path);
        if !path.is_file() {
            return damaged(Damage::Missing(f.path.clone()));
        }
        let (size, sha) = hash_file(&path)?;
        if size != f.size || sha != f.sha256 {
            return damaged(Damage::Changed(f.path.clone()));
        }
    }
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    if let Some(extra) = files_under(into)?
        .into_iter()
        .find(|p| p != MANIFEST && !listed.contains(&p.as_str()))
    {
        return damaged(Damage::Unlisted(extra));
    }
    Ok(manifest)
}

/// Deletes our oldest archives in `dir` beyond the newest `keep` (0 keeps all); the
/// deleted paths. Other files are never touched.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, FileError> {
    if keep == 0 {
        return Ok(Vec::new());
    }
    let mut ours: Vec<String> = std::fs::read_dir(dir)
        .map_err(FileError::of(Op::List, dir))?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_ours(n))
        .collect();
    // The time stamp sorts as text.
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for name in ours.into_iter().take(excess) {
        let path = dir.join(name);
        std::fs::remove_file(&path).map_err(FileError::of(Op::Delete, &path))?;
        removed.push(path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_only_ours_match() {
        assert_eq!(name_at(0), "llmmon-backup-19700101T000000Z.tar.gz");
        assert_eq!(rfc3339(86_400), "1970-01-02T00:00:00Z");
        assert!(name_at(1_000) < name_at(2_000));
        assert!(is_ours(&name_at(1_700_000_000)));
        for other in [
            "llmmon-backup-manual.tar.gz",
            "llmmon-backup-20250101T000000Z.tar.gz.partial",
            "other-20250101T000000Z.tar.gz",
            "llmmon-backup-2025010xT000000Z.tar.gz",
        ] {
            assert!(!is_ours(other), "{other}");
        }
    }

    #[test]
    fn retention_deletes_only_our_oldest() {
        let dir = tempfile::tempdir().expect("tmp");
        let names: Vec<String> = (1..=4).map(|i| name_at(i * 86_400)).collect();
        for n in names.iter().chain(
            [
                "notes.tar.gz".to_owned(),
                "llmmon-backup-x.tar.gz".to_owned(),
            ]
            .iter(),
        ) {
            std::fs::write(dir.path().join(n), b"x").expect("write");
        }
        let removed = prune(dir.path(), 2).expect("prune");
        assert_eq!(
            removed,
            [dir.path().join(&names[0]), dir.path().join(&names[1])]
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                names[2].as_str(),
                names[3].as_str(),
                "llmmon-backup-x.tar.gz",
                "notes.tar.gz"
            ]
        );
        assert!(prune(dir.path(), 0).expect("keep all").is_empty());
    }

    #[test]
    fn an_archive_round_trips_and_tampering_is_named() {
        let src = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(src.path().join("grafana")).expect("mkdir");
        std::fs::write(src.path().join("grafana/a.json"), b"{\"a\":1}").expect("write");
        std::fs::write(src.path().join("env"), b"X=1\n").expect("write");
        let m = Manifest::of_dir(src.path(), &rfc3339(0), "h", false).expect("manifest");
        assert_eq!(
            m.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
            ["env", "grafana/a.json"]
        );
        let out = tempfile::tempdir().expect("tmp");
        let dest = out.path().join(name_at(0));
        write(src.path(), &m, &dest).expect("write archive");
        let into = tempfile::tempdir().expect("tmp");
        assert_eq!(unpack_and_verify(&dest, into.path()).expect("verify"), m);
        std::fs::write(into.path().join("grafana/a.json"), b"{\"a\":2}").expect("tamper");
        let again = tempfile::tempdir().expect("tmp");
        // A manifest that lists a changed file.
        let mut bad = m.clone();
        bad.files[1].sha256 = "0".repeat(64);
        let dest2 = out.path().join(name_at(1));
        write(src.path(), &bad, &dest2).expect("write archive");
        let err = unpack_and_verify(&dest2, again.path()).expect_err("mismatch");
        assert!(
            matches!(&err, ArchiveError::Damaged { damage: Damage::Changed(p), .. } if p == "grafana/a.json"),
            "{err}"
        );
        let err = err.to_string();
        assert!(
            err.contains("grafana/a.json") && !err.contains('\n'),
            "{err}"
        );
    }
}
