//! Reading files that someone else controls (a spec, a dashboard, a committed generated file)
//! without hanging or running out of memory: only regular files are opened, never for a
//! blocking read, and no more than a cap is read.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use super::OutputError;

/// The largest spec `--config` reads (1 MiB). The built-in spec is 4 KB; a 50 MB spec took
/// 1.2 GB to load (issue 13), so the cap bounds memory long before that.
pub const SPEC_SIZE_LIMIT: u64 = 1 << 20;

/// The largest other input read: a dashboard for `--upsert-dashboard`, a committed file
/// `diff` compares (8 MiB, the linter's file cap).
pub const INPUT_SIZE_LIMIT: u64 = 8 << 20;

/// What a directory entry is, in words, for messages.
pub fn kind_of(meta: &Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_symlink() {
        return "symbolic link";
    }
    if ft.is_dir() {
        return "directory";
    }
    if ft.is_file() {
        return "regular file";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "FIFO";
        }
        if ft.is_socket() {
            return "socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "device";
        }
    }
    "special file"
}

/// Open `path` for reading without blocking on a FIFO swapped in after the type check
/// (`O_NONBLOCK`), and without following a final symlink when `follow` is false
/// (`O_NOFOLLOW`). The caller checks the opened file's type with `fstat`.
fn open_nonblocking(path: &Path, follow: bool) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    #[cfg(not(unix))]
    let _ = follow;
    options.open(path)
}

/// Read a regular file of at most `limit` bytes as UTF-8. `follow` says whether a symlink at
/// `path` itself may be followed (a spec may be a symlink; a file inside `--out-dir` may not).
/// The type is checked before opening (so a FIFO or a device is never opened) and again on
/// the open file (so one swapped in meanwhile is not read).
pub fn read_regular(path: &Path, limit: u64, follow: bool) -> Result<String, OutputError> {
    let shown = path.display().to_string();
    let io = |source| OutputError::Io {
        path: shown.clone(),
        source,
    };
    let before = if follow {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    }
    .map_err(io)?;
    let not_regular = |meta: &Metadata| OutputError::NotRegular {
        path: shown.clone(),
        kind: kind_of(meta),
    };
    if !before.is_file() {
        return Err(not_regular(&before));
    }
    let file = open_nonblocking(path, follow).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let too_large = || OutputError::TooLarge {
        path: shown.clone(),
        limit,
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| OutputError::NotUtf8 {
        path: shown.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_size_at_the_limit_is_read_and_past_it_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("canary.yaml");
        let limit = SPEC_SIZE_LIMIT as usize;
        std::fs::write(&f, format!("#{}", " ".repeat(limit - 1))).expect("write");
        assert!(read_regular(&f, SPEC_SIZE_LIMIT, true).is_ok());
        std::fs::write(&f, format!("#{}", " ".repeat(limit))).expect("write");
        assert!(read_regular(&f, SPEC_SIZE_LIMIT, true).is_err());
    }

    #[test]
    fn reads_only_regular_files_up_to_the_cap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("a.yaml");
        std::fs::write(&f, "12345").expect("write");
        assert_eq!(read_regular(&f, 5, true).expect("at the cap"), "12345");
        let err = read_regular(&f, 4, true).expect_err("past the cap");
        assert!(err.to_string().contains("larger than 4 bytes"), "{err}");
        let err = read_regular(dir.path(), 5, true).expect_err("a directory");
        assert!(err.to_string().contains("directory"), "{err}");
        #[cfg(unix)]
        {
            let link = dir.path().join("zero");
            std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
            let err = read_regular(&link, 5, true).expect_err("a device");
            assert!(err.to_string().contains("device"), "{err}");
            let link = dir.path().join("b.yaml");
            std::os::unix::fs::symlink(&f, &link).expect("symlink");
            assert!(read_regular(&link, 5, true).is_ok());
            let err = read_regular(&link, 5, false).expect_err("not followed");
            assert!(err.to_string().contains("symbolic link"), "{err}");
        }
        std::fs::write(&f, b"\xff").expect("write");
        assert!(read_regular(&f, 5, true).is_err());
    }
}
