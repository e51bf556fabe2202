//! A store's first import written out as it goes, not all at its commit.
//!
//! A first import is written with a rollback journal (journal.rs): SQLite
//! keeps the file's new pages in its cache (64 MB) and writes them at the
//! commit, which then waits for the disk to take them all (`fsync`: 120 ms
//! of the benchmark's 1.5 s import, its 79 MB written at once). Here, every
//! [`RECORDS`] records the pages SQLite is done with are written to the file
//! (`sqlite3_db_cacheflush`: they stay in its cache, clean) and the kernel
//! is asked to start putting them on disk (`sync_file_range`, on a thread
//! of its own, as it may wait for the disk), so that the commit's `fsync`
//! finds most of them there. Nothing else changes: a page SQLite writes
//! before its commit is one its cache would have spilled anyway, and a
//! killed import leaves its journal behind as before, to be rolled back.
//!
//! Linux only (`sync_file_range`); elsewhere the commit writes them all.

use rusqlite::Connection;

/// How many records are written between two writebacks: about 12 MB of
/// the benchmark's store (measured: every 65,536 or 131,072 records took
/// the commit from 180 ms to 40 ms and the whole import 40 to 45 ms less;
/// writing the pages out costs the writing thread what the commit saves).
pub(super) const RECORDS: u32 = if cfg!(test) { 64 } else { 1 << 17 };

/// Starts the kernel writing the store's file out, on its own thread.
pub(super) struct Writeback {
    #[cfg(target_os = "linux")]
    kick: Option<std::sync::mpsc::SyncSender<()>>,
    #[cfg(target_os = "linux")]
    thread: Option<std::thread::JoinHandle<()>>,
    /// Records written since the last writeback.
    since: u32,
}

impl Writeback {
    /// For the store `conn` has open; `None` where there is nothing to gain
    /// (not Linux, a store in memory, no thread to be had).
    pub(super) fn of(conn: &Connection) -> Option<Writeback> {
        #[cfg(target_os = "linux")]
        {
            let file = std::fs::File::open(conn.path().filter(|p| !p.is_empty())?).ok()?;
            let (kick, kicked) = std::sync::mpsc::sync_channel::<()>(1);
            let thread = std::thread::Builder::new()
                .name("rapport-writeback".into())
                .spawn(move || {
                    while kicked.recv().is_ok() {
                        start_writing_out(&file);
                    }
                })
                .ok()?;
            Some(Writeback { kick: Some(kick), thread: Some(thread), since: 0 })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = conn;
            None
        }
    }

    /// Counts a record written; every [`RECORDS`], writes out the pages
    /// SQLite is done with and has the kernel start on them.
    pub(super) fn record(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        self.since += 1;
        if self.since < RECORDS {
            return Ok(());
        }
        self.since = 0;
        conn.cache_flush()?;
        #[cfg(target_os = "linux")]
        if let Some(kick) = &self.kick {
            // Already asked and not yet done: once is enough.
            let _ = kick.try_send(());
        }
        Ok(())
    }
}

/// Has the kernel start writing the file's pages out, without waiting for
/// the disk. Its result is no matter: the commit's `fsync` is what makes
/// the file safe.
#[cfg(target_os = "linux")]
fn start_writing_out(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is the open file's, which outlives the call.
    unsafe { libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
}

#[cfg(target_os = "linux")]
impl Drop for Writeback {
    fn drop(&mut self) {
        self.kick.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
