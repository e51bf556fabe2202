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
    /// fault on access). The file is held open so that a table read in
    /// place can be mapped again privately and grown ([`Column::replace_tail`]).
    Mapped { map: memmap2::Mmap, file: std::fs::File },
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
            Backing::Mapped { map, .. } => map,
            Backing::Heap { words, len } => &bytemuck::cast_slice(words)[..*len],
        }
    }

    /// The mapped file's bytes `at..at + len` mapped again, privately
    /// (copy-on-write): what is written to them changes this process's
    /// pages only, never the file, and the pages not written are the
    /// file's, shared with the page cache. `None` for bytes in memory or
    /// past the file's end.
    fn private_copy(&self, at: usize, len: usize) -> Option<memmap2::MmapMut> {
        let Backing::Mapped { map, file } = self else { return None };
        if at.checked_add(len)? > map.len() {
            return None;
        }
        // SAFETY: the file is never written in place nor truncated (see
        // `Backing::Mapped`), so the pages of this mapping not written by
        // this process stay the file's bytes as they were checked; the
        // mapping is private, so this process's writes reach no file.
        unsafe { memmap2::MmapOptions::new().offset(at as u64).len(len).map_copy(file) }.ok()
    }
}

impl std::fmt::Debug for Backing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if matches!(self, Backing::Mapped { .. }) { "mapped" } else { "heap" };
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
    InPlace {
        backing: Arc<Backing>,
        at: usize,
        len: usize,
    },
    /// Rows read in place, then grown at their end: the table's bytes in the
    /// file and room after them, mapped privately ([`Column::replace_tail`]);
    /// `len` rows of the `cap` the mapping holds.
    Grown {
        map: Arc<memmap2::MmapMut>,
        len: usize,
        cap: usize,
    },
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

    /// Whether the rows are read in place and grown in a private mapping of
    /// their file ([`Column::replace_tail`]), not copied.
    pub fn is_grown_in_place(&self) -> bool {
        matches!(self.inner, Inner::Grown { .. })
    }

    /// Whether the rows are read in place (not owned).
    pub fn is_in_place(&self) -> bool {
        matches!(self.inner, Inner::InPlace { .. })
    }

    /// The rows as an owned `Vec`, copied from where they are read in place
    /// the first time (once): what an update in place (an import) changes.
    pub fn to_mut(&mut self) -> &mut Vec<T> {
        if !matches!(self.inner, Inner::Owned(_)) {
            self.inner = Inner::Owned(self.as_slice().to_vec());
        }
        match &mut self.inner {
            Inner::Owned(v) => v,
            _ => unreachable!("made owned just above"),
        }
    }

    /// [`Column::to_mut`], with room for `extra` more rows: an update that
    /// grows the rows read in place then copies them once, not once into a
    /// `Vec` of their length and again into a larger one (at a million
    /// conversations fresh memory costs more than the copy).
    pub fn to_mut_with_room(&mut self, extra: usize) -> &mut Vec<T> {
        match &mut self.inner {
            Inner::Owned(v) => v.reserve(extra),
            _ => {
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
            _ => self.as_slice().to_vec(),
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
            // Mapped at the table's start (aligned as the file's bytes were), and as long as `cap` rows.
            Inner::Grown { map, len, .. } => bytemuck::cast_slice(&map[..*len * std::mem::size_of::<T>()]),
        }
    }

    /// The rows from `keep` on replaced by `rows` (`keep` at most the
    /// length): what an import's update does to the conversations' table,
    /// whose base of ten million rows stays as it is and whose last few
    /// change.
    ///
    /// Rows read in place from a mapped file are not copied out for it (at
    /// ten million conversations 480 MB of fresh memory, most of a small
    /// import's update): the table is mapped again privately, copy-on-write,
    /// with room after it (the bytes of the file that follow, which the
    /// mapping's writes never reach), so that only the pages of the rows
    /// written are copied. Rows owned, shared with a clone, or without room
    /// in the file are changed as a `Vec`.
    pub fn replace_tail(&mut self, keep: usize, rows: &[T]) {
        let size = std::mem::size_of::<T>();
        let len = keep + rows.len();
        if let Inner::InPlace { backing, at, len: n } = &self.inner {
            // Room for the updates until the second run is folded (a
            // sixteenth of the base, see `delta`), as far as the file goes.
            let room = (*n / 16 + 8192) * size;
            let want = (len * size + room).min(backing.bytes().len() - *at);
            if keep <= *n && want >= len * size && size > 0 {
                if let Some(map) = backing.private_copy(*at, want) {
                    let (n, cap) = (*n, want / size);
                    self.inner = Inner::Grown { map: Arc::new(map), len: n, cap };
                }
            }
        }
        if let Inner::Grown { map, len: n, cap } = &mut self.inner {
            if let (true, Some(map)) = (keep <= *n && len <= *cap, Arc::get_mut(map)) {
                let grown: &mut [T] = bytemuck::cast_slice_mut(&mut map[..len * size]);
                grown[keep..].copy_from_slice(rows);
                *n = len;
                return;
            }
        }
        let v = self.to_mut_with_room(rows.len());
        v.truncate(keep);
        v.extend_from_slice(rows);
    }
}

/// Rows changed as an update of facts changes them: `keep` says of each
/// row (which it may change, e.g. renumber) whether it stays, and `add`'s
/// rows are merged in among those kept, in order of time (`ts`), then of
/// `tie` (read only for rows of the same time: it may look elsewhere, as a
/// conversation's store row); of equal keys, the kept rows come first.
///
/// Rows owned are changed in place. Rows read in place (from the mapped
/// facts file) are read once and written once into fresh memory, in one
/// pass: not copied out first and then moved about, as changing them in
/// place would need (the first import after opening paid for both).
pub fn retained_merged<T: Pod>(
    rows: Column<T>,
    mut keep: impl FnMut(&mut T) -> bool,
    mut add: Vec<T>,
    ts: impl Fn(&T) -> i64,
    tie: impl Fn(&T) -> i64,
) -> Column<T> {
    add.sort_by_key(|a| (ts(a), tie(a)));
    let before = |a: &T, b: &T| {
        let (x, y) = (ts(a), ts(b));
        x < y || (x == y && tie(a) < tie(b))
    };
    match rows.inner {
        Inner::Owned(mut v) => {
            v.retain_mut(keep);
            merge_sorted_in(&mut v, add, before);
            v.into()
        }
        _ => {
            let old = rows.as_slice();
            let mut out = Vec::with_capacity(old.len() + add.len());
            let mut added = add.into_iter().peekable();
            for row in old {
                let mut row = *row;
                if keep(&mut row) {
                    while let Some(a) = added.next_if(|a| before(a, &row)) {
                        out.push(a);
                    }
                    out.push(row);
                }
            }
            out.extend(added);
            out.into()
        }
    }
}

/// Rows `kept_at` says (by index) kept, in their order, and `add[j]` put at
/// index `at[j]` of the result (`at` rising, each below the result's
/// length). In place when owned; read once and written once into fresh
/// memory when read in place (see [`retained_merged`]).
pub fn retained_placed<T: Pod>(
    rows: Column<T>,
    kept_at: impl Fn(usize) -> bool,
    add: Vec<T>,
    at: &[usize],
) -> Column<T> {
    debug_assert_eq!(add.len(), at.len());
    match rows.inner {
        Inner::Owned(mut v) => {
            let mut i = 0;
            v.retain(|_| {
                i += 1;
                kept_at(i - 1)
            });
            interleave(&mut v, add, at, T::zeroed);
            v.into()
        }
        _ => {
            let old = rows.as_slice();
            let mut out = Vec::with_capacity(old.len() + add.len());
            let mut added = at.iter().zip(add).peekable();
            for (i, row) in old.iter().enumerate() {
                if kept_at(i) {
                    while let Some((_, a)) = added.next_if(|(&at, _)| at == out.len()) {
                        out.push(a);
                    }
                    out.push(*row);
                }
            }
            out.extend(added.map(|(_, a)| a));
            out.into()
        }
    }
}

/// Merges `add` (sorted as `before` orders rows: strictly before) into
/// `sorted`, in place: `sorted` grows by `add`'s length and is filled from
/// its end, so no second copy of it is made. Of equal rows, those of
/// `sorted` come first.
pub(crate) fn merge_sorted_in<T: Copy>(sorted: &mut Vec<T>, add: Vec<T>, before: impl Fn(&T, &T) -> bool) {
    let (mut i, mut j) = (sorted.len(), add.len());
    sorted.extend_from_slice(&add);
    let mut w = sorted.len();
    while j > 0 {
        w -= 1;
        if i > 0 && before(&add[j - 1], &sorted[i - 1]) {
            sorted[w] = sorted[i - 1];
            i -= 1;
        } else {
            sorted[w] = add[j - 1];
            j -= 1;
        }
    }
}

/// Puts `add[j]` at index `at[j]` of `v` grown by `add`'s length (`at`
/// rising, every index below the new length), the rows of `v` keeping their
/// order in the places left; in place, moving only the rows after `at[0]`.
/// `filler` makes the placeholders the new places hold until then.
pub(crate) fn interleave<T>(v: &mut Vec<T>, add: Vec<T>, at: &[usize], filler: impl FnMut() -> T) {
    debug_assert_eq!(add.len(), at.len());
    if add.is_empty() {
        return;
    }
    let mut i = v.len();
    v.resize_with(v.len() + add.len(), filler);
    let mut add = add;
    let mut w = v.len();
    while let Some(&target) = at.get(add.len().wrapping_sub(1)) {
        w -= 1;
        if w == target {
            v[w] = add.pop().expect("one row per index");
        } else {
            i -= 1;
            v.swap(w, i);
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
    /// (in bounds; UTF-8, unless their checksums held) when the facts were read back.
    kept: Option<(Arc<Backing>, usize)>,
    /// Names added after those kept, before they were made (see [`Names::push`]).
    tail: Vec<String>,
    /// Where every [`NAMES_STRIDE`]th kept name's length is, found on the first [`Names::get`].
    offsets: OnceLock<Vec<usize>>,
}

/// [`Names::get`] keeps where one kept name in this many is: at ten million
/// conversations 1.2 MB, where the place of each took 80 MB of new memory
/// (a fifth of the first dashboard's page faults: the latest comments name
/// their conversations).
const NAMES_STRIDE: usize = 64;

/// The length of the kept name at byte `at` (checked in bounds when the
/// names were read back).
fn length_at(bytes: &[u8], at: usize) -> usize {
    u32::from_ne_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize
}

impl Names {
    /// `count` names at byte `at` of `backing`, each a `u32` length in the
    /// machine's order and that many bytes of UTF-8; `None` when they are not.
    pub fn in_place(backing: &Arc<Backing>, at: usize, count: usize) -> Option<(Names, usize)> {
        Names::kept_at(backing, at, count, true)
    }

    /// [`Names::in_place`] of bytes known to be as they were written from
    /// `String`s (kept with checksums that hold): their lengths are
    /// checked, their UTF-8 is not (at ten million conversations, 400 MB of
    /// ids and users).
    pub fn in_place_as_written(backing: &Arc<Backing>, at: usize, count: usize) -> Option<(Names, usize)> {
        Names::kept_at(backing, at, count, false)
    }

    fn kept_at(backing: &Arc<Backing>, at: usize, count: usize, check_utf8: bool) -> Option<(Names, usize)> {
        let bytes = backing.bytes();
        let mut end = at;
        for _ in 0..count {
            let len = u32::from_ne_bytes(bytes.get(end..end.checked_add(4)?)?.try_into().ok()?) as usize;
            let name = bytes.get(end + 4..(end + 4).checked_add(len)?)?;
            if check_utf8 {
                std::str::from_utf8(name).ok()?;
            }
            end += 4 + len;
        }
        let names = Names {
            count,
            owned: OnceLock::new(),
            kept: Some((Arc::clone(backing), at)),
            tail: Vec::new(),
            offsets: OnceLock::new(),
        };
        Some((names, end))
    }

    /// How many names there are (none is made into a `String` for it).
    pub fn len(&self) -> usize {
        self.owned.get().map_or(self.count + self.tail.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn made(&self) -> &Vec<String> {
        self.owned.get_or_init(|| {
            let mut out = Vec::with_capacity(self.count + self.tail.len());
            self.each_kept(|name| out.push(name.to_owned()));
            out.extend(self.tail.iter().cloned());
            out
        })
    }

    /// Each name kept in place (none when there are none), not made.
    fn each_kept(&self, mut f: impl FnMut(&str)) {
        let Some((backing, mut at)) = &self.kept else { return };
        let bytes = backing.bytes();
        for _ in 0..self.count {
            let len = length_at(bytes, at);
            f(std::str::from_utf8(&bytes[at + 4..at + 4 + len]).expect("checked when read back"));
            at += 4 + len;
        }
    }

    /// The name at `i`, without making every name kept in place into a
    /// `String` (a dashboard's latest comments name a few of a million
    /// conversations): the first call finds where every `NAMES_STRIDE`th
    /// kept name is, and a name is found from the one before it there.
    pub fn get(&self, i: usize) -> Option<&str> {
        if let Some(made) = self.owned.get() {
            return made.get(i).map(String::as_str);
        }
        let Some((backing, first)) = &self.kept else { return self.tail.get(i).map(String::as_str) };
        if i >= self.count {
            return self.tail.get(i - self.count).map(String::as_str);
        }
        let bytes = backing.bytes();
        let length = |at: usize| length_at(bytes, at);
        let offsets = self.offsets.get_or_init(|| {
            let mut offsets = Vec::with_capacity(self.count.div_ceil(NAMES_STRIDE));
            let mut at = *first;
            for n in 0..self.count {
                if n % NAMES_STRIDE == 0 {
                    offsets.push(at);
                }
                at += 4 + length(at);
            }
            offsets
        });
        let mut at = offsets[i / NAMES_STRIDE];
        for _ in 0..i % NAMES_STRIDE {
            at += 4 + length(at);
        }
        Some(std::str::from_utf8(&bytes[at + 4..at + 4 + length(at)]).expect("checked when read back"))
    }

    /// Each name with its index, in order, without making those kept in
    /// place into `String`s.
    pub fn for_each(&self, mut f: impl FnMut(usize, &str)) {
        if let Some(made) = self.owned.get() {
            made.iter().enumerate().for_each(|(i, name)| f(i, name));
            return;
        }
        let mut i = 0;
        self.each_kept(|name| {
            f(i, name);
            i += 1;
        });
        self.tail.iter().enumerate().for_each(|(j, name)| f(self.count + j, name));
    }

    /// Adds a name after the others, without making those kept in place
    /// into `String`s (a million user ids, when an import adds a hundred).
    pub fn push(&mut self, name: String) {
        match self.owned.get_mut() {
            Some(made) => made.push(name),
            None => self.tail.push(name),
        }
    }

    /// Keeps the first `len` names (those kept in place not made into
    /// `String`s when only names added after them go).
    pub fn truncate(&mut self, len: usize) {
        match self.owned.get_mut() {
            Some(made) => made.truncate(len),
            None if len >= self.count => self.tail.truncate(len - self.count),
            None => self.to_mut().truncate(len),
        }
    }

    /// The names as an owned `Vec`, to change.
    pub fn to_mut(&mut self) -> &mut Vec<String> {
        self.made();
        self.kept = None;
        self.tail = Vec::new();
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
        Names { count: v.len(), owned: OnceLock::from(v), kept: None, tail: Vec::new(), offsets: OnceLock::new() }
    }
}

impl Clone for Names {
    fn clone(&self) -> Self {
        Names {
            count: self.count,
            owned: self.owned.clone(),
            kept: self.kept.clone(),
            tail: self.tail.clone(),
            offsets: self.offsets.clone(),
        }
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
        let mut grown = names.clone();
        grown.push("new".to_owned());
        assert_eq!(format!("{grown:?}"), "Names(4 kept)", "added to without making those kept");
        let mut seen = Vec::new();
        grown.for_each(|i, name| seen.push(format!("{i}:{name}")));
        assert_eq!(seen, ["0:ab", "1:", "2:\u{e9}t\u{e9}", "3:new"]);
        assert_eq!(
            [0, 1, 2, 3, 4].map(|i| grown.get(i)),
            [Some("ab"), Some(""), Some("\u{e9}t\u{e9}"), Some("new"), None]
        );
        assert_eq!(format!("{grown:?}"), "Names(4 kept)", "read one by one without making them");
        assert_eq!(&grown[..], ["ab", "", "\u{e9}t\u{e9}", "new"]);
        assert_eq!(grown.get(3), Some("new"), "and once made");
        grown.push("newer".to_owned());
        assert_eq!(&grown[..], ["ab", "", "\u{e9}t\u{e9}", "new", "newer"], "added to once made");
        assert_eq!(&names[..], ["ab", "", "\u{e9}t\u{e9}"]);
        names.to_mut().push("d".to_owned());
        assert_eq!(names.len(), 4);
        assert_eq!(names.clone().into_vec(), ["ab", "", "\u{e9}t\u{e9}", "d"]);
    }

    #[test]
    fn names_kept_in_place_read_one_by_one_are_each_their_own_across_strides() {
        // Names of every length from 0, some not ASCII, after 5 bytes of something else.
        let written: Vec<String> =
            (0..NAMES_STRIDE * 3 + 7).map(|i| "\u{e9}x".repeat(i % 5) + &i.to_string()).collect();
        let mut bytes = vec![9u8; 5];
        bytes.extend(kept_names(&written.iter().map(|n| n.as_bytes()).collect::<Vec<_>>()));
        let backing = Arc::new(Backing::copied(&bytes));
        let (mut names, _) = Names::in_place(&backing, 5, written.len()).unwrap();
        names.push("after".to_owned());
        // Last first, then from the middle of a stride outwards, then all in order.
        let n = written.len();
        let order = [n - 1, NAMES_STRIDE + 3, NAMES_STRIDE - 1, NAMES_STRIDE, 0, 2 * NAMES_STRIDE + 1].into_iter();
        for i in order.chain(0..n) {
            assert_eq!(names.get(i), Some(written[i].as_str()), "name {i}");
        }
        assert_eq!(names.get(n), Some("after"));
        assert_eq!(names.get(n + 1), None);
        assert_eq!(format!("{names:?}"), format!("Names({} kept)", n + 1), "none made");
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

    #[test]
    fn merging_in_place_keeps_order_and_puts_the_sorted_rows_first_on_ties() {
        let mut sorted = vec![(1, 'a'), (3, 'a'), (3, 'b'), (7, 'a')];
        merge_sorted_in(&mut sorted, vec![(0, 'n'), (3, 'n'), (7, 'n'), (9, 'n')], |a, b| a.0 < b.0);
        assert_eq!(sorted, vec![(0, 'n'), (1, 'a'), (3, 'a'), (3, 'b'), (3, 'n'), (7, 'a'), (7, 'n'), (9, 'n')]);
        let mut empty: Vec<(i32, char)> = Vec::new();
        merge_sorted_in(&mut empty, vec![(1, 'y'), (2, 'x')], |a, b| a.0 < b.0);
        assert_eq!(empty, vec![(1, 'y'), (2, 'x')]);
    }

    /// The same rows, owned and read in place.
    fn both(rows: &[u64]) -> [Column<u64>; 2] {
        let backing = Arc::new(Backing::copied(bytemuck::cast_slice(rows)));
        [Column::from(rows.to_vec()), Column::in_place(&backing, 0, rows.len()).unwrap()]
    }

    #[test]
    fn rows_merged_give_the_same_rows_whether_owned_or_read_in_place() {
        // A row is time * 100 + tie * 10 + origin: rows of origin 1 are
        // dropped, the others kept with origin 2; the added ones are of origin 5.
        let old = [100, 101, 200, 210, 220, 300, 331, 400];
        for rows in both(&old) {
            let keep = |r: &mut u64| {
                let kept = *r % 10 != 1;
                *r = *r / 10 * 10 + 2;
                kept
            };
            let add = vec![455, 5, 225, 315];
            let merged = retained_merged(rows, keep, add, |r| (*r / 100) as i64, |r| (*r / 10 % 10) as i64);
            assert!(!merged.is_in_place());
            assert_eq!(merged.into_vec(), [5, 102, 202, 212, 222, 225, 302, 315, 402, 455], "kept first on ties");
        }
    }

    #[test]
    fn rows_placed_give_the_same_rows_whether_owned_or_read_in_place() {
        for rows in both(&[1, 2, 3, 4, 5]) {
            let placed = retained_placed(rows, |i| i != 1, vec![10, 20, 30], &[0, 4, 6]);
            assert_eq!(placed.into_vec(), [10, 1, 3, 4, 20, 5, 30]);
        }
    }
}
