//! Files of checksummed frames. Every persistence file starts with a header (magic, format
//! version, kind) followed by frames `[payload length: u32][xxh3-64 of payload][payload]`.
//! A frame whose bytes run past the end of the file or whose checksum fails is *torn* when
//! nothing follows it (a write cut short by a crash) and *corrupt* otherwise.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

/// The on-disk format version; bumped whenever the layout of any file changes.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: &[u8; 4] = b"TBPS";
/// Bytes of a file header.
pub const HEADER_LEN: usize = 9;
const FRAME_HEAD: usize = 12;

/// What a file holds (the header's last byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A log segment: one frame per commit.
    Segment = 1,
    /// A snapshot: an info frame, commit frames, an end frame.
    Snapshot = 2,
    /// The outputs' frontier: one frame per advance.
    Frontier = 3,
}

/// The header bytes of a file of `kind`.
pub fn header(kind: FileKind) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(MAGIC);
    h[4..8].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h[8] = kind as u8;
    h
}

/// Appends one frame holding `payload` to `out`.
pub fn write_frame(out: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record over 4 GiB"))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&xxh3_64(payload).to_le_bytes())?;
    out.write_all(payload)
}

/// How reading a frame file ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Tail {
    /// Every byte belonged to a valid frame.
    Clean,
    /// The last frame was cut short or fails its checksum; valid data ends at this offset.
    Torn(u64),
}

/// Why a frame file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// An I/O error.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The header is missing or of another format.
    #[error("not a persistence file of this format (version {FORMAT_VERSION}): {0}")]
    Header(String),
    /// A frame in the middle of the file fails its checksum.
    #[error("corrupted at byte {0} (checksum mismatch)")]
    Corrupt(u64),
}

/// Reads every frame of the file at `path`, which must be of `kind`.
pub fn read_frames(path: &Path, kind: FileKind) -> Result<(Vec<Vec<u8>>, Tail), FrameError> {
    let mut data = Vec::new();
    File::open(path)?.read_to_end(&mut data)?;
    if data.len() < HEADER_LEN || data[..4] != MAGIC[..] {
        return Err(FrameError::Header("missing header".into()));
    }
    let version = u32::from_le_bytes(data[4..8].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION || data[8] != kind as u8 {
        return Err(FrameError::Header(format!(
            "written with format version {version}, kind {}",
            data[8]
        )));
    }
    let mut frames = Vec::new();
    let mut at = HEADER_LEN;
    while at < data.len() {
        let rest = &data[at..];
        let bad = || {
            // A frame reaching the end of the file is a torn write; otherwise it is corruption.
            let len = if rest.len() >= 4 {
                u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")) as usize
            } else {
                0
            };
            if rest.len() < FRAME_HEAD || at + FRAME_HEAD + len >= data.len() {
                Ok(Tail::Torn(at as u64))
            } else {
                Err(FrameError::Corrupt(at as u64))
            }
        };
        if rest.len() < FRAME_HEAD {
            return Ok((frames, bad()?));
        }
        let len = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
        let sum = u64::from_le_bytes(rest[4..12].try_into().expect("8 bytes"));
        if rest.len() < FRAME_HEAD + len || xxh3_64(&rest[FRAME_HEAD..FRAME_HEAD + len]) != sum {
            return Ok((frames, bad()?));
        }
        frames.push(rest[FRAME_HEAD..FRAME_HEAD + len].to_vec());
        at += FRAME_HEAD + len;
    }
    Ok((frames, Tail::Clean))
}

/// Fsyncs a directory, so that a rename or a new file in it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, fsync of the
/// directory. A crash leaves either the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(frames: &[&[u8]]) -> Vec<u8> {
        let mut out = header(FileKind::Segment).to_vec();
        for f in frames {
            write_frame(&mut out, f).unwrap();
        }
        out
    }

    #[test]
    fn torn_tail_and_corruption() {
        let dir = std::env::temp_dir().join(format!("tb-frame-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.log");
        let full = file_with(&[b"one", b"two"]);
        std::fs::write(&path, &full).unwrap();
        let (frames, tail) = read_frames(&path, FileKind::Segment).unwrap();
        assert_eq!(frames, vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(tail, Tail::Clean);
        // Cut inside the last frame: torn, the first frame survives.
        std::fs::write(&path, &full[..full.len() - 1]).unwrap();
        let (frames, tail) = read_frames(&path, FileKind::Segment).unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(tail, Tail::Torn((HEADER_LEN + FRAME_HEAD + 3) as u64));
        // A flipped byte in the first frame with more data after it: corruption.
        let mut bad = full.clone();
        bad[HEADER_LEN + FRAME_HEAD] ^= 1;
        std::fs::write(&path, &bad).unwrap();
        assert!(matches!(
            read_frames(&path, FileKind::Segment),
            Err(FrameError::Corrupt(_))
        ));
        assert!(read_frames(&path, FileKind::Snapshot).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
