//! Room a dashboard needs afresh each time, kept for the next one.
//!
//! A dashboard's scan marks each conversation's last day and whether it had
//! an exchange, and gathers every response time of the period: at ten
//! million conversations tens to hundreds of megabytes each time. Asked of
//! the allocator anew, such blocks come as new pages from the kernel, each
//! a fault when first written: a sixth of a filtered dashboard's CPU there.
//! A [`Pool`] keeps a few vectors' room between dashboards instead; what it
//! costs is that room, held by the process while it runs (about 350 MB at
//! ten million conversations, a tenth of that at one million). Marks per
//! conversation are not even cleared: a [`MarksPool`] lends each scan marks
//! above those left before.

use std::sync::Mutex;

/// Takes what `kept` holds with the most room, if anything.
fn take_largest<V>(kept: &Mutex<Vec<V>>, room: impl Fn(&V) -> usize) -> Option<V> {
    let mut kept = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let largest = (0..kept.len()).max_by_key(|&i| room(&kept[i]));
    largest.map(|i| kept.swap_remove(i))
}

/// Keeps `v` among the [`KEPT`] with the most room (the larger room is the
/// more worth keeping); nothing without room.
fn keep_largest<V>(kept: &Mutex<Vec<V>>, v: V, room: impl Fn(&V) -> usize) {
    if room(&v) == 0 {
        return;
    }
    let mut kept = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if kept.len() < KEPT {
        kept.push(v);
    } else if let Some(smallest) = (0..kept.len()).min_by_key(|&i| room(&kept[i])) {
        if room(&kept[smallest]) < room(&v) {
            kept[smallest] = v;
        }
    }
}

/// How many vectors a pool keeps: one per period, two periods a dashboard.
const KEPT: usize = 2;

/// Vectors of `T` given back after a dashboard, their room kept for the next.
pub(crate) struct Pool<T> {
    kept: Mutex<Vec<Vec<T>>>,
}

impl<T: Clone> Pool<T> {
    pub(crate) const fn new() -> Pool<T> {
        Pool { kept: Mutex::new(Vec::new()) }
    }

    /// An empty vector, with the largest room kept, if any.
    pub(crate) fn empty(&self) -> Vec<T> {
        take_largest(&self.kept, Vec::capacity).unwrap_or_default()
    }

    /// Keeps `v`'s room for the next dashboard (its values are dropped).
    pub(crate) fn give_back(&self, mut v: Vec<T>) {
        v.clear();
        keep_largest(&self.kept, v, Vec::capacity);
    }
}

/// The room of a vector of vectors: its vectors' together.
fn room<T>(v: &[Vec<T>]) -> usize {
    v.iter().map(Vec::capacity).sum()
}

/// Vectors of vectors (one per model, say) given back after a dashboard:
/// the inner vectors' room is kept, not only the outer one's.
pub(crate) struct NestedPool<T> {
    kept: Mutex<Vec<Vec<Vec<T>>>>,
}

impl<T> NestedPool<T> {
    pub(crate) const fn new() -> NestedPool<T> {
        NestedPool { kept: Mutex::new(Vec::new()) }
    }

    /// `len` empty vectors, in the room kept if any (the most of it first).
    pub(crate) fn lend(&self, len: usize) -> Vec<Vec<T>> {
        let mut v = take_largest(&self.kept, |v: &Vec<Vec<T>>| room(v)).unwrap_or_default();
        v.resize_with(len.max(v.len()), Vec::new);
        // The room of those past `len` goes to the first ones, not lost.
        if len > 0 {
            for i in len..v.len() {
                if v[i].capacity() > v[i % len].capacity() {
                    v.swap(i, i % len);
                }
            }
        }
        v.truncate(len);
        v
    }

    /// Keeps the room of `v` and of its vectors for the next dashboard.
    pub(crate) fn give_back(&self, mut v: Vec<Vec<T>>) {
        v.iter_mut().for_each(Vec::clear);
        keep_largest(&self.kept, v, |v| room(v));
    }
}

/// Marks, one per conversation say, that need no clearing between
/// dashboards: each scan is lent marks of its own, above every mark an
/// earlier scan left, so what it finds below them it reads as unmarked.
/// (Cleared each time, a mark per conversation is 40 MB to write at ten
/// million conversations, even for a period with nothing in it.)
pub(crate) struct Marks {
    pub values: Vec<u32>,
    /// The first of the marks lent; every value below it is unmarked.
    pub first: u32,
    /// Past the last mark lent.
    end: u32,
}

impl Default for Marks {
    /// No values, and no marks lent.
    fn default() -> Marks {
        Marks { values: Vec::new(), first: 1, end: 1 }
    }
}

/// [`Marks`] given back, kept for the next scan.
pub(crate) struct MarksPool {
    kept: Mutex<Vec<Marks>>,
}

impl MarksPool {
    pub(crate) const fn new() -> MarksPool {
        MarksPool { kept: Mutex::new(Vec::new()) }
    }

    /// `len` values, none of them marked, and `count` marks from `first` on.
    pub(crate) fn lend(&self, len: usize, count: u32) -> Marks {
        let mut marks = take_largest(&self.kept, |m: &Marks| m.values.capacity()).unwrap_or_default();
        marks.values.resize(len, 0);
        match marks.end.checked_add(count) {
            Some(end) => (marks.first, marks.end) = (marks.end, end),
            None => {
                // Once in four billion marks: every value cleared, and the marks start again.
                marks.values.fill(0);
                (marks.first, marks.end) = (1, 1 + count);
            }
        }
        marks
    }

    /// Keeps `marks` for the next scan.
    pub(crate) fn give_back(&self, marks: Marks) {
        keep_largest(&self.kept, marks, |m| m.values.capacity());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vector_given_back_lends_its_room_and_none_of_its_values() {
        let pool: Pool<u32> = Pool::new();
        let mut v = pool.empty();
        v.resize(1000, 7);
        v[3] = 9;
        let room = v.as_ptr();
        pool.give_back(v);
        let mut again = pool.empty();
        again.resize(500, 0);
        assert_eq!(again.as_ptr(), room, "the room given back is lent again");
        assert!(again.iter().all(|&x| x == 0), "no value of the vector before is left");
        assert_eq!(again.len(), 500);
        assert_eq!(pool.empty().capacity(), 0, "a pool with nothing given back lends a new vector");
    }

    #[test]
    fn a_pool_keeps_the_largest_rooms_it_was_given() {
        let pool: Pool<u8> = Pool::new();
        for n in [10, 1000, 100] {
            pool.give_back(Vec::with_capacity(n));
        }
        let capacities = [pool.empty().capacity(), pool.empty().capacity(), pool.empty().capacity()];
        assert!(capacities[0] >= 1000 && capacities[1] >= 100 && capacities[1] < 1000, "{capacities:?}");
        assert_eq!(capacities[2], 0, "only {KEPT} are kept");
    }

    #[test]
    fn a_nested_pool_lends_the_room_of_the_inner_vectors_and_none_of_their_values() {
        let pool: NestedPool<i64> = NestedPool::new();
        let mut v = pool.lend(3);
        assert_eq!(v.len(), 3);
        v[1].extend(0..1000);
        v[2].push(5);
        let room = v[1].as_ptr();
        pool.give_back(v);
        let again = pool.lend(3);
        assert!(again.iter().all(Vec::is_empty), "no value is left");
        assert_eq!(again[1].as_ptr(), room, "the inner room is lent again");
        pool.give_back(again);
        let fewer = pool.lend(1);
        assert_eq!(fewer.len(), 1);
        assert!(fewer[0].capacity() >= 1000, "the room of those past the length is not lost");
        assert!(pool.lend(2).iter().all(|v| v.capacity() == 0), "a pool lends what it was given once");
    }

    #[test]
    fn marks_lent_again_are_above_every_mark_left_before() {
        let pool = MarksPool::new();
        let mut a = pool.lend(100, 3);
        assert!(a.values.iter().all(|&v| v < a.first), "nothing is marked at first");
        a.values[7] = a.first + 2;
        a.values[8] = a.first;
        let room = a.values.as_ptr();
        pool.give_back(a);
        let b = pool.lend(90, 1);
        assert_eq!(b.values.as_ptr(), room, "the room is lent again");
        assert_eq!(b.values.len(), 90);
        assert!(b.values.iter().all(|&v| v < b.first), "every mark left before reads as unmarked");
        pool.give_back(b);
        // Marks running out: the values are cleared and the marks start again.
        let mut c = pool.lend(150, 1);
        assert!(c.values.iter().all(|&v| v < c.first), "values grown are unmarked too");
        c.values[1] = c.first;
        c.end = u32::MAX - 1;
        pool.give_back(c);
        let d = pool.lend(150, 5);
        assert_eq!((d.first, d.values[1]), (1, 0), "cleared once the marks run out");
    }
}
