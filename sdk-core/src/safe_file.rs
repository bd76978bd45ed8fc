//! The one reader of files named by configuration: credential and tccli files, web identity token files,
//! `HttpProfile::certification` (issue 26, findings 6 and 7).
//!
//! The rules are checked on the opened handle, never on the path: a check of the path followed by an open of
//! the path lets the path change in between (a symlink flipped to a FIFO hung the open until a writer came).
//! The file is opened without blocking (`O_NONBLOCK` on Unix), `fstat` of the handle must say "regular
//! file" of at most the caller's cap, and reading stops at the cap even if the file grows meanwhile. Errors
//! say what is wrong, never the content (a key file given by mistake must not reach logs).

use std::path::Path;

/// Opens `path` for reading without ever waiting: on Unix with `O_NONBLOCK`, so a FIFO (or a symlink
/// switched to one after any earlier look at the path) opens at once instead of blocking until a writer
/// appears. What was opened is then checked on the handle by [`checked_len`].
pub(crate) fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// The length of the opened file, when it is a regular file of at most `cap` bytes. `fstat` of the handle,
/// not `stat` of the path: the path may name something else by now.
pub(crate) fn checked_len(file: &std::fs::File, cap: u64) -> Result<std::fs::Metadata, String> {
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("cannot read: not a regular file".into());
    }
    if meta.len() > cap {
        return Err(format!(
            "cannot read: {} bytes is larger than this file may be (more than {cap} bytes)",
            meta.len()
        ));
    }
    Ok(meta)
}

/// Reads the rest of `file`, never more than `cap` bytes (it may have grown since it was checked).
pub(crate) fn read_at_most(file: std::fs::File, cap: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "cannot read: larger than this file may be (more than {cap} bytes)"
        ));
    }
    Ok(bytes)
}

/// The one reader of files named by configuration (profile, tccli and token files, the certification file
/// of `HttpProfile`): a regular file of at most `cap` bytes, checked on the opened handle, opened without
/// blocking. Errors say what is wrong, never the content.
pub(crate) fn read_small_file(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let file = open_nonblocking(path).map_err(|e| format!("cannot read: {e}"))?;
    checked_len(&file, cap)?;
    read_at_most(file, cap)
}
