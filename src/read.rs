//! Reading an input's bytes safely: never more than a size limit, never a device, never
//! blocking forever on a FIFO that nobody writes to, and a closed standard input is told
//! apart from an empty one (Rust's standard library reads both as empty).

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Reads a file named on the command line or found in a walk.
pub fn file(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err("is a folder, not a file".to_owned());
    }
    if kind.is_char_device() || kind.is_block_device() || kind.is_socket() {
        return Err("not a regular file (a device or socket); not read".to_owned());
    }
    if kind.is_file() && meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    let file = if kind.is_fifo() {
        open_fifo(path)?
    } else {
        File::open(path).map_err(|e| e.to_string())?
    };
    // Sized from the metadata: one read per file instead of a growing buffer's nine.
    let expected = if kind.is_file() {
        meta.len().min(limit)
    } else {
        0
    };
    limited(file, limit, expected)
}

/// A FIFO is opened without blocking (no writer yet is fine) and then read in blocking mode,
/// so a FIFO with a writer (`<(kubectl get ds -o yaml)`) is read to its end and one without
/// reads as empty instead of hanging.
fn open_fifo(path: &Path) -> Result<File, String> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| e.to_string())?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
    // SAFETY: fcntl on a descriptor this function owns, with flags it just read.
    let cleared = unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) >= 0
    };
    if !cleared {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(file)
}

fn limited(reader: impl Read, limit: u64, expected: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::with_capacity(usize::try_from(expected).map_or(0, |n| n.saturating_add(1)));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > limit {
        return Err(too_large(buf.len() as u64, limit));
    }
    Ok(buf)
}

fn too_large(size: u64, limit: u64) -> String {
    let shown = if size > limit {
        format!("more than {}", human_size(limit))
    } else {
        human_size(size)
    };
    format!(
        "the input is {shown}, over the max-file-size limit of {}; raise `max-file-size` in the config or with --max-file-size if it really is a manifest",
        human_size(limit)
    )
}

pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{}Gi", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{}Mi", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{}Ki", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Whether a standard stream was open when daemonlint started (`<&-`, `>&-` close it).
/// Rust's runtime reopens a closed 0, 1 or 2 on `/dev/null` for reading and writing before
/// `main`, so a closed stream shows up as exactly that; a shell redirection to `/dev/null`
/// opens it for reading or for writing only.
pub fn descriptor_open(fd: i32) -> bool {
    // SAFETY: fcntl and fstat only ask about the descriptor, into a zeroed local struct.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags == -1 {
            return false;
        }
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut st) != 0 {
            return false;
        }
        let null = std::os::unix::fs::MetadataExt::rdev(&match std::fs::metadata("/dev/null") {
            Ok(m) => m,
            Err(_) => return true,
        });
        let is_null = (st.st_mode & libc::S_IFMT) == libc::S_IFCHR && st.st_rdev == null;
        !(is_null && flags & libc::O_ACCMODE == libc::O_RDWR)
    }
}

/// Reads standard input; a closed one is an error, not an empty document.
pub fn stdin(limit: u64) -> Result<Vec<u8>, String> {
    if !descriptor_open(0) {
        return Err("standard input is closed".to_owned());
    }
    limited(std::io::stdin().lock(), limit, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_the_setting() {
        assert_eq!(human_size(64 << 20), "64Mi");
        assert_eq!(human_size(1 << 30), "1Gi");
        assert_eq!(human_size(1536), "1536 bytes");
        assert_eq!(human_size(2048), "2Ki");
    }

    #[test]
    fn limit_is_exact() {
        assert_eq!(limited(&b"abcd"[..], 4, 0).map(|b| b.len()), Ok(4));
        assert!(limited(&b"abcde"[..], 4, 0).is_err());
    }

    #[test]
    fn devices_are_refused() {
        let err = file(Path::new("/dev/zero"), 1 << 20).expect_err("device");
        assert!(err.contains("not a regular file"), "{err}");
    }
}
