//! A table of fixed-width rows that is either owned or read in place from
//! bytes kept elsewhere (the facts file, memory-mapped): reading kept facts
//! back is then checking lengths and alignment, not copying every row.
//!
//! A row type is plain old data ([`bytemuck::Pod`]: `#[repr(C)]`, explicit
//! padding, no `bool` or enum fields), so any bytes of the right length and
//! alignment are a valid row; whether its values make sense (indices in
//! range, codes known) is checked by whoever reads them back.

use bytemuck::Pod;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock};

/// Bytes rows are read from, aligned to 8 bytes at least.
pub enum Backing {
    /// A file mapped read-only. The file is only ever replaced whole (written
    /// to another name, then renamed over), never truncated or written in
    /// place, so the mapped pages stay those of the file as it was mapped:
    /// a later rewrite makes a new file, not a shorter mapping (which would
    /// fault on access).
    Mapped(memmap2::Mmap),
    /// Bytes in memory, held as 8-byte words so that they are aligned.
    Heap { words: Vec<u64>, len: usize },
}

impl Backing {
    /// `bytes` copied into aligned memory.
    pub fn copied(bytes: &[u8]) -> Backing {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
        Backing::Heap { words, len: bytes.len() }
    }

    #[inline]
    pub fn bytes(&self) -> &[u8] {
        match self {
            Backing::Mapped(m) => m,
            Backing::Heap { words, len } => &bytemuck::cast_slice(words)[..*len],
        }
    }
}

impl std::fmt::Debug for Backing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if matches!(self, Backing::Mapped(_)) { "mapped" } else { "heap" };
        write!(f, "Backing({kind}, {} bytes)", self.bytes().len())
    }
}

/// Rows of `T`: owned, or `len` rows in place at byte `at` of `backing`.
#[derive(Clone)]
pub struct Column<T: Pod> {
    inner: Inner<T>,
}

#[derive(Clone)]
enum Inner<T> {
    Owned(Vec<T>),
    InPlace { backing: Arc<Backing>, at: usize, len: usize },
}

impl<T: Pod> Column<T> {
    /// The `len` rows at byte `at` of `backing`, if they lie within it and
    /// are aligned for `T`.
    pub fn in_place(backing: &Arc<Backing>, at: usize, len: usize) -> Option<Column<T>> {
        let end = len.checked_mul(std::mem::size_of::<T>())?.checked_add(at)?;
        let bytes = backing.bytes().get(at..end)?;
        bytemuck::try_cast_slice::<u8, T>(bytes).ok()?;
        Some(Column { inner: Inner::InPlace { backing: Arc::clone(backing), at, len } })
    }

    /// Whether the rows are read in place (not owned).
    pub fn is_in_place(&self) -> bool {
        matches!(self.inner, Inner::InPlace { .. })
    }

    /// The rows as an owned `Vec`, copied from where they are read in place
    /// the first time (once): what an update in place (an import) changes.
    pub fn to_mut(&mut self) -> &mut Vec<T> {
        if let Inner::InPlace { .. } = self.inner {
            self.inner = Inner::Owned(self.as_slice().to_vec());
        }
        match &mut self.inner {
            Inner::Owned(v) => v,
            Inner::InPlace { .. } => unreachable!("made owned just above"),
        }
    }

    /// [`Column::to_mut`], with room for `extra` more rows: an update that
    /// grows the rows read in place then copies them once, not once into a
    /// `Vec` of their length and again into a larger one (at a million
    /// conversations fresh memory costs more than the copy).
    pub fn to_mut_with_room(&mut self, extra: usize) -> &mut Vec<T> {
        match &mut self.inner {
            Inner::Owned(v) => v.reserve(extra),
            Inner::InPlace { .. } => {
                let rows = self.as_slice();
                let mut v = Vec::with_capacity(rows.len() + extra);
                v.extend_from_slice(rows);
                self.inner = Inner::Owned(v);
            }
        }
        self.to_mut()
    }

    /// The rows as an owned `Vec` (copied if they were read in place).
    pub fn into_vec(self) -> Vec<T> {
        match self.inner {
            Inner::Owned(v) => v,
            Inner::InPlace { .. } => self.as_slice().to_vec(),
        }
    }

    /// [`Column::into_vec`] with room for `extra` more rows.
    pub fn into_vec_with_room(mut self, extra: usize) -> Vec<T> {
        self.to_mut_with_room(extra);
        self.into_vec()
    }

    #[inline]
    pub fn as_slice(&self) -> &[T] {
        match &self.inner {
            Inner::Owned(v) => v,
            Inner::InPlace { backing, at, len } => {
                // Length and alignment were checked when it was made, and the backing does not change.
                bytemuck::cast_slice(&backing.bytes()[*at..*at + *len * std::mem::size_of::<T>()])
            }
        }
    }
}

impl<T: Pod> Default for Column<T> {
    fn default() -> Self {
        Column { inner: Inner::Owned(Vec::new()) }
    }
}

impl<T: Pod> From<Vec<T>> for Column<T> {
    fn from(v: Vec<T>) -> Self {
        Column { inner: Inner::Owned(v) }
    }
}

impl<T: Pod> FromIterator<T> for Column<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Column::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Pod> Deref for Column<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

/// Changing rows read in place copies them first ([`Column::to_mut`]).
impl<T: Pod> DerefMut for Column<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.to_mut()
    }
}

impl<'a, T: Pod> IntoIterator for &'a Column<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<'a, T: Pod> IntoIterator for &'a mut Column<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.to_mut().iter_mut()
    }
}

impl<T: Pod + std::fmt::Debug> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        list.entries(self.as_slice().iter().take(8));
        if self.len() > 8 {
            list.entry(&format_args!("… {} rows", self.len()));
        }
        list.finish()
    }
}

/// Names (UTF-8 strings) of a table: owned, or kept as length-prefixed
/// UTF-8 in bytes read in place and made into `String`s the first time they
/// are read. A scan needs only how many there are (a million user ids, each
/// conversation's id): reading kept facts back allocates none of them.
pub struct Names {
    count: usize,
    owned: OnceLock<Vec<String>>,
    /// Where the first name's length is; every length and name was checked
    /// (in bounds, UTF-8) when the facts were read back.
    kept: Option<(Arc<Backing>, usize)>,
}

impl Names {
    /// `count` names at byte `at` of `backing`, each a `u32` length in the
    /// machine's order and that many bytes of UTF-8; `None` when they are not.
    pub fn in_place(backing: &Arc<Backing>, at: usize, count: usize) -> Option<(Names, usize)> {
        let bytes = backing.bytes();
        let mut end = at;
        for _ in 0..count {
            let len = u32::from_ne_bytes(bytes.get(end..end.checked_add(4)?)?.try_into().ok()?) as usize;
            let name = bytes.get(end + 4..(end + 4).checked_add(len)?)?;
            std::str::from_utf8(name).ok()?;
            end += 4 + len;
        }
        let names = Names { count, owned: OnceLock::new(), kept: Some((Arc::clone(backing), at)) };
        Some((names, end))
    }

    /// How many names there are (none is made into a `String` for it).
    pub fn len(&self) -> usize {
        self.owned.get().map_or(self.count, Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn made(&self) -> &Vec<String> {
        self.owned.get_or_init(|| {
            let Some((backing, mut at)) = &self.kept else { return Vec::new() };
            let bytes = backing.bytes();
            let mut out = Vec::with_capacity(self.count);
            for _ in 0..self.count {
                let len = u32::from_ne_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
                out.push(std::str::from_utf8(&bytes[at + 4..at + 4 + len]).expect("checked when read back").to_owned());
                at += 4 + len;
            }
            out
        })
    }

    /// The names as an owned `Vec`, to change.
    pub fn to_mut(&mut self) -> &mut Vec<String> {
        self.made();
        self.kept = None;
        self.owned.get_mut().expect("made just above")
    }

    pub fn into_vec(mut self) -> Vec<String> {
        std::mem::take(self.to_mut())
    }
}

impl Default for Names {
    fn default() -> Self {
        Names::from(Vec::new())
    }
}

impl From<Vec<String>> for Names {
    fn from(v: Vec<String>) -> Self {
        Names { count: v.len(), owned: OnceLock::from(v), kept: None }
    }
}

impl Clone for Names {
    fn clone(&self) -> Self {
        Names { count: self.count, owned: self.owned.clone(), kept: self.kept.clone() }
    }
}

impl Deref for Names {
    type Target = [String];
    fn deref(&self) -> &[String] {
        self.made()
    }
}

impl DerefMut for Names {
    fn deref_mut(&mut self) -> &mut [String] {
        self.to_mut()
    }
}

impl<'a> IntoIterator for &'a Names {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.made().iter()
    }
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let made = if self.owned.get().is_some() { "made" } else { "kept" };
        write!(f, "Names({} {made})", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_in_place_are_the_bytes_and_become_owned_when_changed() {
        let rows: Vec<u64> = vec![1, 2, 3];
        let mut bytes = vec![0u8; 8];
        bytes.extend_from_slice(bytemuck::cast_slice(&rows));
        let backing = Arc::new(Backing::copied(&bytes));
        let mut column = Column::<u64>::in_place(&backing, 8, 3).unwrap();
        assert!(column.is_in_place());
        assert_eq!(&column[..], &[1, 2, 3]);
        column[1] = 20;
        assert!(!column.is_in_place());
        assert_eq!(&column[..], &[1, 20, 3]);
        assert_eq!(&Column::<u64>::in_place(&backing, 8, 3).unwrap()[..], &[1, 2, 3], "the bytes are not changed");
    }

    fn kept_names(names: &[&[u8]]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for n in names {
            bytes.extend_from_slice(&(n.len() as u32).to_ne_bytes());
            bytes.extend_from_slice(n);
        }
        bytes
    }

    #[test]
    fn names_kept_in_place_are_counted_without_being_made_and_read_as_written() {
        let backing = Arc::new(Backing::copied(&kept_names(&[b"ab", b"", "\u{e9}t\u{e9}".as_bytes()])));
        let (mut names, end) = Names::in_place(&backing, 0, 3).unwrap();
        assert_eq!(end, backing.bytes().len());
        assert_eq!(names.len(), 3);
        assert_eq!(format!("{names:?}"), "Names(3 kept)", "counted, none made");
        assert_eq!(&names[..], ["ab", "", "\u{e9}t\u{e9}"]);
        names.to_mut().push("d".to_owned());
        assert_eq!(names.len(), 4);
        assert_eq!(names.clone().into_vec(), ["ab", "", "\u{e9}t\u{e9}", "d"]);
    }

    #[test]
    fn names_cut_short_or_not_utf8_are_refused() {
        let backing = Arc::new(Backing::copied(&kept_names(&[b"ab", b"\xff"])));
        assert!(Names::in_place(&backing, 0, 1).is_some());
        assert!(Names::in_place(&backing, 0, 2).is_none(), "not UTF-8");
        assert!(Names::in_place(&backing, 0, 3).is_none(), "past the end");
    }

    #[test]
    fn rows_beyond_the_bytes_or_misaligned_are_refused() {
        let backing = Arc::new(Backing::copied(&[0u8; 32]));
        assert!(Column::<u64>::in_place(&backing, 0, 4).is_some());
        assert!(Column::<u64>::in_place(&backing, 0, 5).is_none(), "past the end");
        assert!(Column::<u64>::in_place(&backing, 4, 1).is_none(), "not aligned for u64");
        assert!(Column::<u64>::in_place(&backing, 8, usize::MAX).is_none(), "a length that overflows");
    }
}
