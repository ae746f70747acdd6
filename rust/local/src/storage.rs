//! The local stand-in for S3: one folder per bucket under a root folder,
//! object keys as relative paths. Objects appear whole or not at all (written
//! to a temporary file, then renamed), as S3 objects do.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Where temporary files live while being written; never listed as keys.
const PARTIAL_SUFFIX: &str = ".athena-local-partial";

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("The specified key does not exist.")]
    NoSuchKey,
    #[error("{0}")]
    InvalidKey(String),
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

/// One stored object's facts, as HeadObject and ListObjectsV2 report them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    pub modified: SystemTime,
}

impl ObjectInfo {
    /// Changes whenever the object is rewritten (size and time), like S3's.
    pub fn etag(&self) -> String {
        let nanos = self
            .modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("\"{:x}-{:x}\"", self.size, nanos)
    }
}

/// Splits `s3://bucket/key` into bucket and key (the key may be empty).
pub fn parse_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then_some((bucket, key))
}

pub struct Storage {
    root: PathBuf,
    /// Removed on drop when athena-local made the folder itself.
    owned: bool,
}

impl Drop for Storage {
    fn drop(&mut self) {
        if self.owned {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

impl Storage {
    /// Uses `root` when given (kept after exit), else a fresh temporary folder.
    pub fn new(root: Option<&Path>) -> io::Result<Storage> {
        let (root, owned) = match root {
            Some(r) => (r.to_path_buf(), false),
            None => (
                std::env::temp_dir().join(format!("athena-local-s3-{}", uuid::Uuid::new_v4())),
                true,
            ),
        };
        fs::create_dir_all(&root)?;
        Ok(Storage { root, owned })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, bucket: &str, key: &str) -> Result<PathBuf, StorageError> {
        check_bucket(bucket)?;
        if key.is_empty() || key.ends_with('/') {
            return Err(StorageError::InvalidKey(format!(
                "athena-local stores objects only under keys that do not end in '/': {key:?}"
            )));
        }
        if !storable_segments(key) {
            return Err(StorageError::InvalidKey(format!(
                "athena-local cannot store the key {key:?}"
            )));
        }
        let mut path = self.root.join(bucket);
        path.extend(key.split('/'));
        Ok(path)
    }

    /// Writes an object whole: readers see the old object or the new one.
    pub fn put(&self, bucket: &str, key: &str, body: &[u8]) -> Result<ObjectInfo, StorageError> {
        self.put_with(bucket, key, |w| w.write_all(body))
    }

    /// Writes an object whole from a writer callback (for large result files).
    pub fn put_with(
        &self,
        bucket: &str,
        key: &str,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<ObjectInfo, StorageError> {
        let path = self.path(bucket, key)?;
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let partial = PathBuf::from(format!(
            "{}.{}{PARTIAL_SUFFIX}",
            path.display(),
            uuid::Uuid::new_v4()
        ));
        let result = (|| {
            let mut file = io::BufWriter::with_capacity(1 << 20, fs::File::create(&partial)?);
            write(&mut file)?;
            file.flush()?;
            drop(file);
            fs::rename(&partial, &path)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&partial);
            return Err(e.into());
        }
        self.head(bucket, key)
    }

    pub fn head(&self, bucket: &str, key: &str) -> Result<ObjectInfo, StorageError> {
        let path = self.path(bucket, key)?;
        let meta = match fs::metadata(&path) {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Err(StorageError::NoSuchKey),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(StorageError::NoSuchKey),
            Err(e) => return Err(e.into()),
        };
        Ok(ObjectInfo {
            key: key.to_string(),
            size: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        })
    }

    /// Bytes `[start, end)` of an object (end clamped to its size).
    pub fn read(
        &self,
        bucket: &str,
        key: &str,
        start: u64,
        end: u64,
    ) -> Result<Vec<u8>, StorageError> {
        let path = self.path(bucket, key)?;
        let mut file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(StorageError::NoSuchKey),
            Err(e) => return Err(e.into()),
        };
        let size = file.metadata()?.len();
        let end = end.min(size);
        if start >= end {
            return Ok(Vec::new());
        }
        file.seek(SeekFrom::Start(start))?;
        let len = usize::try_from(end - start)
            .map_err(|_| StorageError::InvalidKey("range too large".into()))?;
        let mut buf = vec![0u8; len];
        file.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// Deletes an object; deleting a missing key succeeds, as in S3.
    pub fn delete(&self, bucket: &str, key: &str) -> Result<(), StorageError> {
        let path = self.path(bucket, key)?;
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        // Drop folders the delete emptied, so listings match S3's flat keys.
        let bucket_dir = self.root.join(bucket);
        let mut dir = path.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if d == bucket_dir || fs::remove_dir(&d).is_err() {
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
        Ok(())
    }

    /// Every object of a bucket whose key starts with `prefix`, sorted by key.
    pub fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        check_bucket(bucket)?;
        let bucket_dir = self.root.join(bucket);
        let mut out = Vec::new();
        // Only the folder the prefix reaches is walked, not the whole bucket.
        // S3 matches the prefix as an opaque string: folders no stored key
        // can have (`..`, `.`, empty, absolute) match nothing, and are never
        // joined to a path, which could leave the bucket's folder.
        let start_dir = match prefix.rfind('/') {
            Some(i) if storable_segments(&prefix[..i]) => bucket_dir.join(&prefix[..i]),
            Some(_) => return Ok(out),
            None => bucket_dir.clone(),
        };
        walk(&start_dir, &bucket_dir, prefix, &mut out)?;
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }
}

fn check_bucket(bucket: &str) -> Result<(), StorageError> {
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !bucket.contains("..");
    if ok {
        Ok(())
    } else {
        Err(StorageError::InvalidKey(format!(
            "The specified bucket is not valid: {bucket:?}"
        )))
    }
}

/// Whether every `/`-separated segment of `key` can be a file or folder name
/// inside the bucket's folder: none leaves it, none is a file system oddity,
/// none is a temporary file. `put` stores only such keys, so a listing prefix
/// whose folders fail this matches no key.
fn storable_segments(key: &str) -> bool {
    key.split('/').all(|segment| {
        !(segment.is_empty()
            || segment == "."
            || segment == ".."
            || segment.contains('\0')
            || segment.contains('\\')
            || segment.ends_with(PARTIAL_SUFFIX))
    })
}

fn walk(dir: &Path, bucket_dir: &Path, prefix: &str, out: &mut Vec<ObjectInfo>) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, bucket_dir, prefix, out)?;
            continue;
        }
        let Ok(relative) = path.strip_prefix(bucket_dir) else {
            continue;
        };
        let key = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if !key.starts_with(prefix) || key.ends_with(PARTIAL_SUFFIX) {
            continue;
        }
        let meta = entry.metadata()?;
        out.push(ObjectInfo {
            key,
            size: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_read_list_delete() {
        let s = Storage::new(None).unwrap();
        s.put("bkt", "a/b/one.csv", b"hello world").unwrap();
        s.put("bkt", "a/two.csv", b"x").unwrap();
        assert_eq!(s.head("bkt", "a/b/one.csv").unwrap().size, 11);
        assert_eq!(s.read("bkt", "a/b/one.csv", 6, 100).unwrap(), b"world");
        let keys: Vec<String> = s
            .list("bkt", "a/")
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect();
        assert_eq!(keys, ["a/b/one.csv", "a/two.csv"]);
        assert_eq!(s.list("bkt", "a/b").unwrap().len(), 1);
        s.delete("bkt", "a/b/one.csv").unwrap();
        s.delete("bkt", "a/b/one.csv").unwrap();
        assert!(matches!(
            s.head("bkt", "a/b/one.csv"),
            Err(StorageError::NoSuchKey)
        ));
        assert!(!s.root().join("bkt/a/b").exists());
        let root = s.root().to_path_buf();
        drop(s);
        assert!(!root.exists());
    }

    #[test]
    fn refuses_escaping_keys() {
        let s = Storage::new(None).unwrap();
        for key in ["../x", "a/../../x", "a//b", "dir/", ""] {
            assert!(
                matches!(s.put("bkt", key, b""), Err(StorageError::InvalidKey(_))),
                "{key}"
            );
        }
        assert!(s.put("Bad_Bucket", "k", b"").is_err());
        // A listing prefix is a string, not a path: `..` folders match no
        // key, while a last segment starting with dots still matches.
        s.put("bkt", "a/..b", b"x").unwrap();
        for prefix in ["../", "../..", "a/../", "/", "./a", "a//"] {
            assert!(s.list("bkt", prefix).unwrap().is_empty(), "{prefix}");
        }
        assert_eq!(s.list("bkt", "a/..").unwrap().len(), 1);
        assert_eq!(parse_s3_uri("s3://b/k/x.csv"), Some(("b", "k/x.csv")));
        assert_eq!(parse_s3_uri("s3://b"), Some(("b", "")));
        assert_eq!(parse_s3_uri("http://b/k"), None);
    }
}
