//! What an import writes into: any store that takes a file's records all or
//! nothing. The SQLite store does it with one transaction per file; the
//! ClickHouse store with rows that stay invisible until the file is complete.

use super::{Counts, FileWriter, Store, StoreError};
use crate::model::Record;

/// A store an import can write files into.
pub trait ImportTarget {
    /// Starts writing one file: nothing of it is visible until [`FileSink::commit`].
    fn begin_file(&mut self, path: &str, bytes: u64) -> Result<Box<dyn FileSink + '_>, StoreError>;
    /// What the store holds.
    fn counts(&self) -> Result<Counts, StoreError>;
}

/// One file being written.
pub trait FileSink {
    /// Writes one record: a record whose identity was seen before replaces it.
    fn write(&mut self, record: &Record) -> Result<(), StoreError>;
    /// [`FileSink::write`], given what was found already on another thread
    /// for a message: its words for a full-text index
    /// ([`super::message_words`]) and its text packed
    /// ([`super::TextPacker`], with the dictionary of [`FileSink::packing`]);
    /// a store without either ignores them.
    fn write_prepared(
        &mut self,
        record: &Record,
        _words: Option<&str>,
        _packed: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.write(record)
    }
    /// Whether this store keeps a full-text index, whose words are then worth finding ahead.
    fn wants_words(&self) -> bool {
        false
    }
    /// How this store packs message text, if it does.
    fn packing(&self) -> Option<super::Packing> {
        None
    }
    /// Keeps a dictionary learnt for this file's text (see [`super::learn_dictionary`]).
    fn add_dictionary(&mut self, _id: i64, _dictionary: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
    /// Keeps a rejected record's position and reason with the file.
    fn reject(&mut self, position: &str, reason: &str) -> Result<(), StoreError>;
    /// Makes the whole file visible at once.
    fn commit(self: Box<Self>, format: &str, records: u64, rejected: u64) -> Result<(), StoreError>;
    /// Drops everything written since the file began.
    fn rollback(self: Box<Self>) -> Result<(), StoreError>;
}

impl ImportTarget for Store {
    fn begin_file(&mut self, path: &str, bytes: u64) -> Result<Box<dyn FileSink + '_>, StoreError> {
        let store_path = self.path.clone();
        let writer = Store::begin_file(self, path, bytes)?;
        Ok(Box::new(SqliteFile { writer, path: store_path }))
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        Store::counts(self)
    }
}

/// The SQLite store's transaction for one file, with its errors named.
struct SqliteFile<'c> {
    writer: FileWriter<'c>,
    path: std::path::PathBuf,
}

impl SqliteFile<'_> {
    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite { path: self.path.clone(), source }
    }
}

impl FileSink for SqliteFile<'_> {
    fn write(&mut self, record: &Record) -> Result<(), StoreError> {
        self.writer.write(record).map_err(|e| self.err(e))
    }

    fn write_prepared(
        &mut self,
        record: &Record,
        words: Option<&str>,
        packed: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.writer.write_prepared(record, words, packed).map_err(|e| self.err(e))
    }

    fn packing(&self) -> Option<super::Packing> {
        self.writer.packing().cloned()
    }

    fn add_dictionary(&mut self, id: i64, dictionary: &[u8]) -> Result<(), StoreError> {
        self.writer.add_dictionary(id, dictionary).map_err(|e| self.err(e))
    }

    fn wants_words(&self) -> bool {
        self.writer.indexes_words()
    }

    fn reject(&mut self, position: &str, reason: &str) -> Result<(), StoreError> {
        self.writer.reject(position, reason).map_err(|e| self.err(e))
    }

    fn commit(self: Box<Self>, format: &str, records: u64, rejected: u64) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.writer.commit(format, records, rejected).map_err(|source| StoreError::Sqlite { path, source })
    }

    fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.writer.rollback().map_err(|source| StoreError::Sqlite { path, source })
    }
}
