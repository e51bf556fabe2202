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
    /// [`FileSink::write`], given a message's text packed already on
    /// another thread ([`super::TextPacker`], with the dictionary of
    /// [`FileSink::packing`]; a store that does not pack ignores it). When
    /// [`FileSink::wants_words`], the words of the conversations of the
    /// messages written so follow, by [`FileSink::conversation_words`].
    fn write_prepared(&mut self, record: &Record, _packed: Option<&[u8]>) -> Result<(), StoreError> {
        self.write(record)
    }
    /// Whether this store keeps a full-text index of conversations, whose
    /// words are then gathered ahead, as the file is read.
    fn wants_words(&self) -> bool {
        false
    }
    /// The words of a conversation's messages written since the last time
    /// they were given ([`super::ConversationWords`]), after those messages
    /// (see [`FileWriter::conversation_words`]).
    fn conversation_words(&mut self, _conversation_id: &str, _words: &str) -> Result<(), StoreError> {
        Ok(())
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

    fn write_prepared(&mut self, record: &Record, packed: Option<&[u8]>) -> Result<(), StoreError> {
        self.writer.write_prepared(record, packed).map_err(|e| self.err(e))
    }

    fn conversation_words(&mut self, conversation_id: &str, words: &str) -> Result<(), StoreError> {
        self.writer.conversation_words(conversation_id, words).map_err(|e| self.err(e))
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
