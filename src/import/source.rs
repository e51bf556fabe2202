//! Opening a file to import: regular files only, gzip (by name or by its
//! magic bytes), a UTF-8 byte order mark, UTF-16 with its byte order mark
//! read as UTF-8, and a count of the bytes read for progress.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Counts the bytes read from the file on disk (compressed bytes for gzip),
/// which is what progress is measured against, and stops reading as soon as
/// `stop` is set, even in the middle of a huge record.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

/// What a read says once the import was cancelled.
pub const CANCELLED: &str = "the import was cancelled";

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(io::Error::other(CANCELLED));
        }
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
    /// Set it (from any thread) and the next read fails: reading stops.
    pub stop: Arc<AtomicBool>,
    pub size: u64,
    /// The name the format is judged by: the file name without `.gz`.
    pub name: String,
}

const BUFFER: usize = 1 << 20;

/// Opens `path`, decompressing it when it is gzip, skipping a UTF-8 BOM and
/// reading UTF-16 that starts with its byte-order mark as UTF-8. Only a
/// regular file is opened (also through a link): a FIFO, socket or device
/// could block or never end.
pub fn open(path: &Path) -> Result<Source, String> {
    let kind = std::fs::metadata(path).map_err(|e| format!("cannot open it: {}", io_reason(&e)))?.file_type();
    if !kind.is_file() {
        return Err(format!("not a regular file ({}): Rapport reads files only", describe_kind(kind)));
    }
    let file = File::open(path).map_err(|e| format!("cannot open it: {}", io_reason(&e)))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let read = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut raw = BufReader::with_capacity(BUFFER, Counting { inner: file, read: read.clone(), stop: stop.clone() });
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
    } else if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        // UTF-16 with its byte-order mark, as Windows tools write it:
        // transcoded to UTF-8 on the way (the mark itself is dropped).
        let utf8 = encoding_rs_io::DecodeReaderBytesBuilder::new().bom_sniffing(true).build(reader);
        reader = Box::new(BufReader::with_capacity(BUFFER, utf8));
    }
    Ok(Source { reader, gzip: magic, read, stop, size, name })
}

/// What a path that is no regular file is, in words.
fn describe_kind(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "neither a file nor a folder"
    }
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
