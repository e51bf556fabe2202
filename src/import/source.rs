//! Opening a file to import: gzip (by name or by its magic bytes), a UTF-8
//! byte order mark, and a count of the bytes read for progress.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Counts the bytes read from the file on disk (compressed bytes for gzip),
/// which is what progress is measured against.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub struct Source {
    pub reader: Box<dyn BufRead + Send>,
    pub gzip: bool,
    /// Bytes of the file read so far.
    pub read: Arc<AtomicU64>,
    pub size: u64,
    /// The name the format is judged by: the file name without `.gz`.
    pub name: String,
}

const BUFFER: usize = 1 << 20;

/// Opens `path`, decompressing it when it is gzip and skipping a UTF-8 BOM.
pub fn open(path: &Path) -> Result<Source, String> {
    let file = File::open(path).map_err(|e| format!("cannot open it: {}", io_reason(&e)))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let read = Arc::new(AtomicU64::new(0));
    let mut raw = BufReader::with_capacity(BUFFER, Counting { inner: file, read: read.clone() });
    let head = raw.fill_buf().map_err(|e| format!("cannot read it: {}", io_reason(&e)))?;
    let magic = head.starts_with(&[0x1f, 0x8b]);
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let named_gz = file_name.to_lowercase().ends_with(".gz");
    let name = if named_gz { file_name[..file_name.len() - 3].to_owned() } else { file_name };
    if named_gz && !magic {
        return Err("not a readable gzip file (it does not start as gzip does)".into());
    }
    let mut reader: Box<dyn BufRead + Send> = if magic {
        Box::new(BufReader::with_capacity(BUFFER, GzipErrors(MultiGzDecoder::new(raw))))
    } else {
        Box::new(raw)
    };
    let head = reader.fill_buf().map_err(|e| describe_read_error(&e))?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(Source { reader, gzip: magic, read, size, name })
}

/// Marks errors that come from decompression, so that the refusal says so.
struct GzipErrors<R>(R);

impl<R: Read> Read for GzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| io::Error::other(format!("not a readable gzip file ({e})")))
    }
}

pub fn describe_read_error(e: &io::Error) -> String {
    let text = e.to_string();
    if text.starts_with("not a readable gzip") {
        text
    } else {
        format!("cannot read it: {}", io_reason(e))
    }
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or folder".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
