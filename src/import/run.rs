//! Running an import: every file detected first (Langfuse traces then go
//! first), what files hold for one another noted (Langfuse generations for
//! their traces), then each read in one transaction. Reading and normalising run on
//! a second thread while this one writes, so an import uses both cores; the
//! channel between them is bounded, so memory stays flat whatever the file's
//! size. The reading thread also gathers each conversation's words for the
//! full-text index (the index keeps conversations: one document each, each
//! word once), packs message text, and frees the batches the writer is done
//! with (sent back to it), so that the writer, the slower of the two, only writes.

use super::detect::{detect, Detected};
use super::formats::{Context, Reading};
use super::options::ImportOptions;
use super::paths::expand_paths;
use super::read::{End, Position, Sink, Stopped};
use super::report::{FileReport, ImportReport, Progress, Rejection};
use super::source;
use crate::metrics::words::for_each_word;
use crate::model::Record;
use crate::store::{
    learn_dictionary, ConversationWords, Counts, ImportTarget, Packing, StoreError, TextPacker, DICTIONARY_SAMPLES,
    NEW_DICTIONARY,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports files and folders into the store, each file all or nothing.
///
/// A file that cannot be read at all is reported with its `error` and adds
/// nothing; the other files still go in. Only a failing store is an `Err`.
pub fn import(
    store: &mut dyn ImportTarget,
    paths: &[PathBuf],
    options: &ImportOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ImportReport, ImportError> {
    let files = expand_paths(paths);
    // Each file opened once to detect its format, and once more to read it.
    let mut files: Vec<(PathBuf, Result<Detected, String>)> = files
        .into_iter()
        .map(|f| {
            let d = detect(&f, &options.for_file(&f));
            (f, d)
        })
        .collect();
    // Langfuse observations and scores name only their trace: its file goes first.
    files.sort_by_key(|(_, d)| !d.as_ref().is_ok_and(Detected::reads_first));
    let mut ctx = Context::new(ImportOptions::default());
    // What a file holds for another's records is noted first (Langfuse
    // generations for their traces), so that the order of the files does not matter.
    for (file, detected) in &files {
        if let (Ok(d), Ok(src)) = (detected, source::open(file)) {
            ctx.options = options.for_file(file);
            d.importer.prepare(d.format, src, &d.head, &ctx);
        }
    }
    let bytes_total = files.iter().map(|(f, _)| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).sum();
    let mut report = ImportReport { files: Vec::new(), stored: Counts::default(), rejected: 0, cancelled: false };
    let mut state = Progress {
        file: String::new(),
        files_done: 0,
        files_total: files.len(),
        bytes_done: 0,
        bytes_total,
        records: 0,
        rejected: 0,
    };
    for (file, detected) in files {
        let bytes_before = state.bytes_done;
        ctx.options = options.for_file(&file);
        let outcome = import_file(store, &file, detected, &ctx, &mut state, progress)?;
        state.files_done += 1;
        state.bytes_done = bytes_before + std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        match outcome {
            Some(file_report) => {
                report.rejected += file_report.rejected;
                report.files.push(file_report);
            }
            None => {
                report.cancelled = true;
                break;
            }
        }
    }
    progress(&state);
    if !options.uncounted {
        report.stored = store.counts()?;
    }
    Ok(report)
}

/// One record read, or why it was rejected, with what the reading thread
/// found for a message: its text packed, when the store packs it (shared
/// by the messages of a file that say the same text again and again: see
/// [`TextMemo`]).
struct Item {
    position: Position,
    outcome: Result<Record, String>,
    packed: Option<Shared<Vec<u8>, [u8]>>,
}

/// A message's own words or packed text, or those of a text the memo holds.
enum Shared<O, S: ?Sized> {
    Own(O),
    Memo(Arc<S>),
}

impl<O: std::ops::Deref<Target = S>, S: ?Sized> Shared<O, S> {
    fn get(&self) -> &S {
        match self {
            Shared::Own(own) => own,
            Shared::Memo(shared) => shared,
        }
    }
}

/// A word of a text, once, with its hash ([`ConversationWords::hashed`]).
type HashedWord = (u64, Box<str>);

/// What the reading thread found for one text: its words (when the store
/// indexes them) and, once worked out, its packed form (`Some(None)`:
/// packing would not make it smaller).
#[derive(Default)]
struct Found {
    words: Option<Arc<[HashedWord]>>,
    packed: Option<Option<Arc<[u8]>>>,
}

/// The words and packed form of the texts a file says again and again
/// (a bot's canned answers, "thanks"): found once, then shared. Both are
/// functions of the text alone (the packer does not change within a file
/// once it packs), so a text said again gets exactly what it got the
/// first time. A text is kept from its second time on (the first is only
/// noted, by its hash, in `seen`), so that a file whose texts are all
/// different pays one hash a message and nothing else. Bounded: at most
/// [`MEMO_TEXTS`] texts of at most [`MEMO_TEXT_BYTES`] each, forgotten all
/// at once when full.
struct TextMemo {
    /// Of the texts' hashes (xxh3: the standard hasher took twice as long),
    /// different in each process.
    seed: u64,
    /// By the text's hash (two texts of one hash: the first is kept).
    texts: HashMap<u64, (Box<str>, Found), std::hash::BuildHasherDefault<crate::text::HashIsKey>>,
    /// The hashes of texts said once, one a slot.
    seen: Vec<u64>,
}

const MEMO_TEXTS: usize = 4096;
const MEMO_TEXT_BYTES: usize = 256;
const SEEN_SLOTS: usize = 16 * 1024;

impl Default for TextMemo {
    fn default() -> TextMemo {
        use std::hash::BuildHasher;
        let seed = std::collections::hash_map::RandomState::new().hash_one(0u8);
        TextMemo { seed, texts: HashMap::default(), seen: vec![0; SEEN_SLOTS] }
    }
}

impl TextMemo {
    /// The entry of `text` when it is said again; `None` the first time
    /// (or for a text too long to keep).
    fn entry(&mut self, text: &str) -> Option<&mut Found> {
        if text.len() > MEMO_TEXT_BYTES {
            return None;
        }
        let hash = xxhash_rust::xxh3::xxh3_64_with_seed(text.as_bytes(), self.seed);
        // (Looking a hash up is cheap: the text was hashed once, above.)
        if self.texts.contains_key(&hash) {
            let (kept_text, found) = self.texts.get_mut(&hash)?;
            return (**kept_text == *text).then_some(found);
        }
        let seen = &mut self.seen[(hash % SEEN_SLOTS as u64) as usize];
        if *seen != hash {
            *seen = hash;
            return None;
        }
        if self.texts.len() >= MEMO_TEXTS {
            self.texts.clear();
        }
        Some(&mut self.texts.entry(hash).or_insert_with(|| (text.into(), Found::default())).1)
    }
}

struct Batch {
    /// About how many bytes of memory its items and words hold ([`Item::weight`]).
    bytes: usize,
    /// A dictionary learnt for the file's text, kept before the items packed with it.
    dictionary: Option<(i64, Vec<u8>)>,
    items: Vec<Item>,
    /// Conversations' words (id, words), written after the items: each
    /// conversation's messages are in these items or in earlier batches.
    words: Vec<(String, String)>,
}

impl Batch {
    fn of(items: Vec<Item>) -> Batch {
        Batch { bytes: 0, dictionary: None, items, words: Vec::new() }
    }
}

/// The words of the conversations being read, gathered for the full-text
/// index: a conversation's are sent once it has not been heard of for a
/// while (the records of a conversation usually come together), or at the
/// file's end. Bounded: at most [`OPEN_CONVERSATIONS`] conversations and
/// [`OPEN_WORD_BYTES`] of words are held; a conversation whose words were
/// sent and that is heard of again gets its words sent a second time,
/// and the writer then reads its messages back (write.rs).
#[derive(Default)]
struct Gather {
    /// The slot of each conversation held, by its id.
    index: HashMap<Box<str>, usize, crate::text::TextHashing>,
    slots: Vec<Open>,
    /// Slots free to take (their room for words is kept).
    free: Vec<usize>,
    /// The slot of the last message's conversation: most messages' too.
    last: Option<usize>,
    /// Counts the messages gathered: when each conversation was last heard of.
    clock: u64,
    /// The bytes of words held.
    bytes: usize,
    /// Words ready to be sent, in the order the conversations were let go.
    ready: Vec<(String, String)>,
}

#[derive(Default)]
struct Open {
    id: Option<Box<str>>,
    words: ConversationWords,
    heard: u64,
}

const OPEN_CONVERSATIONS: usize = 1024;
const OPEN_WORD_BYTES: usize = 32 << 20;

impl Gather {
    /// Adds the words of a message of `conversation_id`.
    fn add(&mut self, conversation_id: &str, words: impl FnOnce(&mut ConversationWords)) {
        self.clock += 1;
        let slot = match self.last {
            Some(slot) if self.slots[slot].id.as_deref() == Some(conversation_id) => slot,
            _ => self.slot(conversation_id),
        };
        self.last = Some(slot);
        let open = &mut self.slots[slot];
        open.heard = self.clock;
        let before = open.words.len();
        words(&mut open.words);
        self.bytes += open.words.len() - before;
        if self.bytes > OPEN_WORD_BYTES {
            self.let_go(0);
        }
    }

    /// The slot of `conversation_id`, taken when it is not held.
    fn slot(&mut self, conversation_id: &str) -> usize {
        if let Some(&slot) = self.index.get(conversation_id) {
            return slot;
        }
        if self.index.len() >= OPEN_CONVERSATIONS {
            self.let_go(OPEN_CONVERSATIONS / 2);
        }
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Open::default());
            self.slots.len() - 1
        });
        let id: Box<str> = conversation_id.into();
        self.slots[slot].id = Some(id.clone());
        self.index.insert(id, slot);
        slot
    }

    /// Lets go of the conversations heard of least lately, until `keep` are held.
    fn let_go(&mut self, keep: usize) {
        let mut heard: Vec<(u64, usize)> = self.index.values().map(|&slot| (self.slots[slot].heard, slot)).collect();
        heard.sort_unstable();
        let go = heard.len().saturating_sub(keep);
        for (_, slot) in heard.into_iter().take(go) {
            let open = &mut self.slots[slot];
            let Some(id) = open.id.take() else { continue };
            self.index.remove(&id);
            self.bytes -= open.words.len();
            if !open.words.is_empty() {
                self.ready.push((id.into(), open.words.take()));
            }
            self.free.push(slot);
            if self.last == Some(slot) {
                self.last = None;
            }
        }
    }
}

/// How the reading thread packs message text.
enum Pack {
    Off,
    /// The store has no dictionary yet: the file's first items are held
    /// back, in order, until there are messages enough to learn one from,
    /// and while it is learnt (a file with fewer has them packed with one
    /// learnt from them at its end).
    Learning {
        held: Vec<Item>,
        messages: usize,
        /// What the items held hold ([`Item::weight`]): the dictionary is
        /// learnt from fewer messages when they are long ([`LEARNING_BYTES`]).
        bytes: usize,
        /// The dictionary being learnt from the first items held, once they
        /// were enough, while this thread reads on (and holds what it reads).
        training: Option<Training>,
    },
    With(TextPacker),
}

/// A dictionary learnt on a thread of its own. Learning takes about as
/// long as reading 5,000 records; the writing thread has nothing to do
/// meanwhile (the records held are written packed), so the reading
/// thread reads on, on the core the writer leaves idle, and the writer
/// then finds those records read.
type Training = std::thread::JoinHandle<Option<(Vec<u8>, TextPacker)>>;

/// Learns the store's dictionary from these texts, and makes its packer.
fn learn_packer<'a>(texts: impl Iterator<Item = &'a str>) -> Option<(Vec<u8>, TextPacker)> {
    let dictionary = learn_dictionary(texts)?;
    let packer = TextPacker::new(NEW_DICTIONARY, &dictionary).ok()?;
    Some((dictionary, packer))
}

/// Starts learning the dictionary from the messages held, on a thread of
/// its own with a copy of their texts; `None` when no thread can be started.
fn start_training(held: &[Item]) -> Option<Training> {
    let texts = || {
        held.iter().filter_map(|i| match &i.outcome {
            Ok(Record::Message(m)) => m.content.as_deref(),
            _ => None,
        })
    };
    let mut joined = String::with_capacity(texts().map(str::len).sum());
    let mut ends = Vec::new();
    for text in texts() {
        joined.push_str(text);
        ends.push(joined.len());
    }
    std::thread::Builder::new()
        .name("rapport-dictionary".into())
        .spawn(move || {
            let starts = std::iter::once(0).chain(ends.iter().copied());
            learn_packer(starts.zip(ends.iter().copied()).map(|(from, to)| &joined[from..to]))
        })
        .ok()
}

impl Pack {
    fn for_store(packing: Option<Packing>) -> Pack {
        match packing {
            None => Pack::Off,
            Some(Packing { dictionary: None }) => {
                Pack::Learning { held: Vec::new(), messages: 0, bytes: 0, training: None }
            }
            Some(Packing { dictionary: Some((id, dictionary)) }) => {
                TextPacker::new(id, &dictionary).map_or(Pack::Off, Pack::With)
            }
        }
    }

    /// The packer, once there is one.
    fn packer(&mut self) -> Option<&mut TextPacker> {
        match self {
            Pack::With(packer) => Some(packer),
            _ => None,
        }
    }
}

impl Item {
    /// About how many bytes of memory the item holds: its texts (at most
    /// `limits::MAX_RECORD_BYTES` in all) and a little for the rest.
    fn weight(&self) -> usize {
        let texts = match &self.outcome {
            Ok(Record::Message(m)) => m.content.as_ref().map_or(0, String::len),
            Ok(Record::Conversation(c)) => c.metadata.as_ref().map_or(0, |m| {
                fn size(v: &serde_json::Value) -> usize {
                    match v {
                        serde_json::Value::String(s) => 24 + s.len(),
                        serde_json::Value::Array(a) => 24 + a.iter().map(size).sum::<usize>(),
                        serde_json::Value::Object(o) => {
                            24 + o.iter().map(|(k, v)| 24 + k.len() + size(v)).sum::<usize>()
                        }
                        _ => 24,
                    }
                }
                m.iter().map(|(k, v)| 24 + k.len() + size(v)).sum()
            }),
            Ok(Record::Feedback(f)) => f.comment.as_ref().map_or(0, String::len),
            Ok(Record::Action(_)) => 0,
            Err(reason) => reason.len(),
        };
        let packed = match &self.packed {
            Some(Shared::Own(own)) => own.len(),
            _ => 0,
        };
        256 + texts + packed
    }

    /// Gathers the message's words (into `gather`) and packs its text
    /// (with `packer`), each once per text the memo holds.
    fn prepare(&mut self, memo: &mut TextMemo, gather: Option<&mut Gather>, packer: Option<&mut TextPacker>) {
        let Ok(Record::Message(m)) = &self.outcome else {
            return;
        };
        let Some(text) = m.content.as_deref() else {
            return;
        };
        match memo.entry(text) {
            Some(found) => {
                if let Some(gather) = gather {
                    let words = found.words.get_or_insert_with(|| {
                        let mut once = ConversationWords::default();
                        for_each_word(text, |w| once.add(w));
                        once.hashed().map(|(hash, w)| (hash, Box::from(w))).collect()
                    });
                    gather.add(&m.conversation_id, |into| words.iter().for_each(|(hash, w)| into.add_hashed(*hash, w)));
                }
                if let Some(packer) = packer {
                    let shared = found.packed.get_or_insert_with(|| packer.pack(text).map(Arc::from));
                    self.packed = shared.clone().map(Shared::Memo);
                }
            }
            None => {
                if let Some(gather) = gather {
                    gather.add(&m.conversation_id, |into| for_each_word(text, |w| into.add(w)));
                }
                self.packed = packer.and_then(|packer| packer.pack(text)).map(Shared::Own);
            }
        }
    }
}

/// Collects items into batches for the writer thread.
struct ChannelSink {
    tx: SyncSender<Batch>,
    /// The bytes of the batches sent and not yet written ([`IN_FLIGHT_BYTES`]):
    /// added here, taken off by the writer.
    in_flight: Arc<AtomicUsize>,
    /// The bytes of `batch` so far.
    batch_bytes: usize,
    /// Batches the writer is done with: freed here, and one reused.
    done: Receiver<Batch>,
    batch: Vec<Item>,
    /// Gathers conversations' words, when the store indexes them.
    gather: Option<Gather>,
    pack: Pack,
    memo: TextMemo,
    /// How long sending waited for the writer (counted when tracing).
    waited: std::time::Duration,
}

/// Small enough that a batch's buffer is reused from the heap, not mapped anew.
const BATCH: usize = 256;

/// How many batches the reading thread may be ahead of the writing thread
/// (65,536 items, about 25 MB at most on the benchmark's dump). The
/// writer's work comes in bursts (a run of keys, the full-text documents
/// held, write.rs), and the reader's too (the dictionary learnt, the
/// words of conversations let go): with 8 the reader stopped at each and
/// the writer then waited for it, 0.3 to 0.8 s on the benchmark's dump;
/// with the two threads' work about even, 256 lets each run on through
/// the other's bursts more often than 64 did.
const IN_FLIGHT: usize = 256;

/// The most bytes of items held back while the messages to learn the
/// store's dictionary from are gathered: thousands of messages of
/// megabytes each would otherwise be held at once.
const LEARNING_BYTES: usize = 16 << 20;

/// A batch is sent once its items hold this many bytes, however few they are.
const BATCH_BYTES: usize = 1 << 20;

/// The most bytes of batches in flight: records of megabytes each (up to
/// `limits::MAX_RECORD_BYTES`) would otherwise fill gigabytes in
/// [`IN_FLIGHT`] batches before the writer caught up.
const IN_FLIGHT_BYTES: usize = 64 << 20;

impl Sink for ChannelSink {
    fn push(&mut self, position: Position, outcome: Result<Record, String>) -> Result<(), Stopped> {
        let mut item = Item { position, outcome, packed: None };
        item.prepare(&mut self.memo, self.gather.as_mut(), self.pack.packer());
        if let Pack::Learning { held, messages, bytes, training } = &mut self.pack {
            *messages += usize::from(matches!(item.outcome, Ok(Record::Message(_))));
            *bytes += item.weight();
            held.push(item);
            let learnt = match training {
                None if *messages >= DICTIONARY_SAMPLES || *bytes >= LEARNING_BYTES => {
                    *training = start_training(held);
                    // (Without a thread of its own, learnt here and now.)
                    training.is_none()
                }
                // Held meanwhile: at most as much again.
                Some(learning) => learning.is_finished() || *bytes >= 2 * LEARNING_BYTES,
                None => false,
            };
            if learnt {
                self.learn()?;
            }
            return Ok(());
        }
        self.add(item)
    }
}

impl ChannelSink {
    fn add(&mut self, item: Item) -> Result<(), Stopped> {
        self.batch_bytes += item.weight();
        self.batch.push(item);
        if self.batch.len() >= BATCH || self.batch_bytes >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Takes the store's dictionary, learnt from the first messages held
    /// back (here, for a file with fewer than the samples wanted; else by
    /// the thread learning it), sends it on, then every item held, packed
    /// with it (when there were messages enough to learn from: otherwise
    /// this file's text stays as it is).
    fn learn(&mut self) -> Result<(), Stopped> {
        let (held, training) = match std::mem::replace(&mut self.pack, Pack::Off) {
            Pack::Learning { held, training, .. } => (held, training),
            other => {
                self.pack = other;
                return Ok(());
            }
        };
        let learnt = match training {
            // A thread that failed learnt nothing: this file's text stays as it is.
            Some(learning) => learning.join().ok().flatten(),
            None => learn_packer(held.iter().filter_map(|i| match &i.outcome {
                Ok(Record::Message(m)) => m.content.as_deref(),
                _ => None,
            })),
        };
        crate::trace::note(format_args!("import: the dictionary learnt, {} items held sent on", held.len()));
        if let Some((dictionary, packer)) = learnt {
            let batch = Batch { dictionary: Some((NEW_DICTIONARY, dictionary)), ..Batch::of(Vec::new()) };
            self.tx.send(batch).map_err(|_| Stopped)?;
            self.pack = Pack::With(packer);
        }
        self.send_held(held)
    }

    /// Sends the items held back on, packed when there is a packer.
    fn send_held(&mut self, held: Vec<Item>) -> Result<(), Stopped> {
        // The words gathered from the items held are sent after them (their
        // words are gathered already: only their text is packed now).
        let ready = self.gather.as_mut().map(|g| std::mem::take(&mut g.ready));
        for mut item in held {
            if let Some(packer) = self.pack.packer() {
                item.prepare(&mut self.memo, None, Some(packer));
            }
            self.add(item)?;
        }
        if let (Some(gather), Some(ready)) = (&mut self.gather, ready) {
            gather.ready.splice(0..0, ready);
        }
        Ok(())
    }

    /// Sends what is left at the end of the file.
    fn finish(&mut self) -> Result<(), Stopped> {
        self.learn()?;
        if let Some(gather) = &mut self.gather {
            gather.let_go(0);
        }
        self.flush()
    }

    fn flush(&mut self) -> Result<(), Stopped> {
        let words = self.gather.as_mut().map(|g| std::mem::take(&mut g.ready)).unwrap_or_default();
        if self.batch.is_empty() && words.is_empty() {
            return Ok(());
        }
        // The records of batches written are freed on this thread, which
        // allocated them; the last one's room is used again.
        let mut next = None;
        while let Ok(done) = self.done.try_recv() {
            next = Some(done.items);
        }
        let mut next = next.unwrap_or_else(|| Vec::with_capacity(BATCH));
        next.clear();
        let items = std::mem::replace(&mut self.batch, next);
        let bytes =
            std::mem::take(&mut self.batch_bytes) + words.iter().map(|(id, w)| id.len() + w.len()).sum::<usize>();
        let began = crate::trace::on().then(std::time::Instant::now);
        // Big records fill memory long before the batches are many: wait
        // until the writer has written enough of those sent (freeing those it
        // gives back meanwhile); one batch at least is always let through.
        while self.in_flight.load(Ordering::Acquire) > 0
            && self.in_flight.load(Ordering::Acquire) + bytes > IN_FLIGHT_BYTES
        {
            match self.done.recv_timeout(std::time::Duration::from_millis(5)) {
                Ok(done) => drop(done),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Err(Stopped),
            }
        }
        self.in_flight.fetch_add(bytes, Ordering::AcqRel);
        let sent = self.tx.send(Batch { bytes, words, ..Batch::of(items) }).map_err(|_| Stopped);
        if let Some(began) = began {
            self.waited += began.elapsed();
        }
        sent
    }
}

/// Imports one file in one transaction. `None` when cancelled.
fn import_file(
    store: &mut dyn ImportTarget,
    path: &Path,
    detected: Result<Detected, String>,
    ctx: &Context,
    state: &mut Progress,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Option<FileReport>, ImportError> {
    let shown = path.display().to_string();
    state.file = shown.clone();
    let refused = |format: &str, reason: String| FileReport {
        path: shown.clone(),
        format: format.to_owned(),
        records: 0,
        rejected: 0,
        rejections: Vec::new(),
        error: Some(reason),
    };
    let opened = detected.and_then(|d| Ok((source::open(path)?, d)));
    let (src, detected) = match opened {
        Ok(opened) => opened,
        Err(reason) => return Ok(Some(refused("unknown", reason))),
    };
    let gzip = detected.gzip;
    let name = src.name.clone();
    let size = src.size;
    let read_counter = src.read.clone();
    let stop_reading = src.stop.clone();
    let bytes_before = state.bytes_done;
    let cancel = ctx.options.cancel.clone().unwrap_or_default();

    let mut writer = store.begin_file(&shown, size)?;
    let mut records: u64 = 0;
    let mut rejected: u64 = 0;
    let mut rejections: Vec<Rejection> = Vec::new();
    let mut store_error = None;
    let mut cancelled = false;

    let mut waited = std::time::Duration::ZERO;
    let (end, format) = std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Batch>(IN_FLIGHT);
        let (done_tx, done) = sync_channel::<Batch>(16);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let written = Arc::clone(&in_flight);
        let gather = writer.wants_words().then(Gather::default);
        let pack = Pack::for_store(writer.packing());
        let reader = scope.spawn(move || {
            let mut sink = ChannelSink {
                tx,
                in_flight,
                batch_bytes: 0,
                done,
                batch: Vec::with_capacity(BATCH),
                gather,
                pack,
                memo: TextMemo::default(),
                waited: std::time::Duration::ZERO,
            };
            let reading = Reading { format: detected.format, source: src, head: &detected.head, ctx, sink: &mut sink };
            let result = detected.importer.read(reading);
            // What was read before a refusal is discarded by the writer anyway.
            let flushed = sink.finish();
            crate::trace::note(format_args!(
                "import: the reading thread waited {:.1} ms for the writer",
                sink.waited.as_secs_f64() * 1e3
            ));
            match (result, flushed) {
                (Ok(()), Ok(())) => (Ok(()), detected.format),
                (Ok(()), Err(_)) => (Err(End::Stopped), detected.format),
                (Err(e), _) => (Err(e), detected.refused_as()),
            }
        });
        loop {
            // Wakes up at least ten times a second, so that Cancel and
            // progress do not wait for the end of a huge record.
            let began = crate::trace::on().then(std::time::Instant::now);
            let received = rx.recv_timeout(std::time::Duration::from_millis(100));
            if let Some(began) = began {
                waited += began.elapsed();
            }
            let batch = match received {
                Ok(batch) => batch,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Batch::of(Vec::new()),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            };
            if let Some((id, dictionary)) = &batch.dictionary {
                if let Err(e) = writer.add_dictionary(*id, dictionary) {
                    store_error = Some(e);
                    break;
                }
            }
            for item in &batch.items {
                match &item.outcome {
                    Ok(record) => {
                        if let Err(e) = writer.write_prepared(record, item.packed.as_ref().map(Shared::get)) {
                            store_error = Some(e);
                            break;
                        }
                        records += 1;
                    }
                    Err(reason) => {
                        rejected += 1;
                        // A file of millions of bad records keeps the first ones, and counts them all.
                        if rejections.len() < crate::limits::KEPT_REJECTIONS {
                            let r = Rejection { position: item.position.describe(&name), reason: reason.clone() };
                            if let Err(e) = writer.reject(&r.position, &r.reason) {
                                store_error = Some(e);
                                break;
                            }
                            rejections.push(r);
                        }
                    }
                }
            }
            if store_error.is_none() {
                for (conversation_id, words) in &batch.words {
                    if let Err(e) = writer.conversation_words(conversation_id, words) {
                        store_error = Some(e);
                        break;
                    }
                }
            }
            written.fetch_sub(batch.bytes, Ordering::AcqRel);
            // Back to the reader to be freed; dropped here if it is behind.
            let _ = done_tx.try_send(batch);
            state.records = records;
            state.rejected = rejected;
            state.bytes_done = bytes_before + read_counter.load(Ordering::Relaxed).min(size);
            progress(state);
            if store_error.is_some() {
                break;
            }
            if cancel.load(Ordering::Relaxed) {
                cancelled = true;
                break;
            }
        }
        // A reader in the middle of a huge record learns at its next read
        // that nobody listens; one still sending, at its next send.
        stop_reading.store(true, Ordering::Relaxed);
        drop(rx);
        // (And one waiting for room for its bytes, at once.)
        drop(done_tx);
        crate::trace::note(format_args!(
            "import: the writing thread waited {:.1} ms for the reader",
            waited.as_secs_f64() * 1e3
        ));
        reader.join().unwrap_or((Err(End::Refused("the reader failed".into())), "unknown"))
    });

    let format = if gzip { format!("{format}+gzip") } else { format.to_owned() };
    if let Some(e) = store_error {
        let _ = writer.rollback();
        return Err(ImportError::Store(e));
    }
    if cancelled {
        writer.rollback()?;
        return Ok(None);
    }
    match end {
        Err(End::Refused(reason)) => {
            writer.rollback()?;
            Ok(Some(refused(&format, reason)))
        }
        Err(End::Stopped) => {
            writer.rollback()?;
            Ok(None)
        }
        Ok(()) => {
            writer.commit(&format, records, rejected)?;
            Ok(Some(FileReport { path: shown, format, records, rejected, rejections, error: None }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_of(conversation: usize, text: &str) -> Record {
        Record::Message(crate::model::Message {
            conversation_id: format!("c{conversation}"),
            message_id: None,
            role: crate::model::Role::User,
            timestamp: crate::model::Micros(0),
            content: Some(text.to_owned()),
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            cost: None,
            foreign_cost: None,
            time_unknown: false,
        })
    }

    /// The reading thread's sink for a store with no dictionary yet, and the
    /// writer's ends of its two channels (batches sent, batches given back).
    fn sink_learning() -> (ChannelSink, Receiver<Batch>, SyncSender<Batch>) {
        let (tx, rx) = sync_channel::<Batch>(IN_FLIGHT);
        let (done_tx, done) = sync_channel::<Batch>(16);
        let sink = ChannelSink {
            tx,
            in_flight: Arc::new(AtomicUsize::new(0)),
            batch_bytes: 0,
            done,
            batch: Vec::new(),
            gather: None,
            pack: Pack::for_store(Some(Packing { dictionary: None })),
            memo: TextMemo::default(),
            waited: std::time::Duration::ZERO,
        };
        (sink, rx, done_tx)
    }

    #[test]
    fn long_messages_are_held_back_for_the_dictionary_up_to_their_bytes_not_their_number() {
        let (mut sink, _rx, _done_tx) = sink_learning();
        let text = "the order has not come yet ".repeat(40_000);
        // How many items are held while the samples are gathered (none once learning began).
        let held = |sink: &ChannelSink| match &sink.pack {
            Pack::Learning { held, training: None, .. } => Some(held.len()),
            _ => None,
        };
        for i in 0..LEARNING_BYTES / text.len() - 1 {
            sink.push(Position::Line(i as u64 + 1), Ok(message_of(i, &text))).expect("nobody stopped");
        }
        assert!(held(&sink).is_some(), "still gathering messages to learn from");
        for i in 0..2 {
            sink.push(Position::Line(1000 + i), Ok(message_of(1000, &text))).expect("nobody stopped");
        }
        assert_eq!(held(&sink), None, "done gathering at {LEARNING_BYTES} bytes, not {DICTIONARY_SAMPLES} messages");
    }

    #[test]
    fn items_read_while_the_dictionary_is_learnt_are_held_and_sent_after_it_in_order_and_packed() {
        let (mut sink, rx, _done_tx) = sink_learning();
        let text = |i: usize| format!("where is my order number {i}? it was due on day {} of the month", i % 28);
        let mut i = 0;
        while !matches!(sink.pack, Pack::Learning { training: Some(_), .. }) {
            sink.push(Position::Line(i as u64 + 1), Ok(message_of(i, &text(i)))).expect("nobody stopped");
            i += 1;
        }
        assert_eq!(i, DICTIONARY_SAMPLES, "learning begins once there are samples enough");
        // Read on while it is learnt, and some more.
        while !matches!(sink.pack, Pack::With(_)) {
            sink.push(Position::Line(i as u64 + 1), Ok(message_of(i, &text(i)))).expect("nobody stopped");
            i += 1;
            if i % 100 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        let count = i + 1000;
        for i in i..count {
            sink.push(Position::Line(i as u64 + 1), Ok(message_of(i, &text(i)))).expect("nobody stopped");
        }
        sink.finish().expect("nobody stopped");
        drop(sink);
        let batches: Vec<Batch> = rx.iter().collect();
        assert!(batches[0].dictionary.is_some(), "the dictionary goes first");
        assert!(batches.iter().skip(1).all(|b| b.dictionary.is_none()), "once");
        let items: Vec<&Item> = batches.iter().flat_map(|b| &b.items).collect();
        let lines: Vec<Position> = items.iter().map(|i| i.position).collect();
        let expected: Vec<Position> = (1..=count as u64).map(Position::Line).collect();
        assert_eq!(lines, expected, "every item, in the order read");
        assert!(items.iter().all(|i| i.packed.is_some()), "every message packed with the dictionary");
    }

    #[test]
    fn batches_of_big_records_in_flight_stay_within_their_bytes() {
        let (tx, rx) = sync_channel::<Batch>(IN_FLIGHT);
        let (done_tx, done) = sync_channel::<Batch>(16);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let written = Arc::clone(&in_flight);
        let text = "x".repeat(1 << 20);
        let most = std::thread::scope(|scope| {
            // A writer slower than the reader, as one writing big texts' words is.
            let writer = scope.spawn(move || {
                let mut most = 0;
                while let Ok(batch) = rx.recv() {
                    most = most.max(written.load(Ordering::Acquire));
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    written.fetch_sub(batch.bytes, Ordering::AcqRel);
                    let _ = done_tx.try_send(batch);
                }
                most
            });
            let mut sink = ChannelSink {
                tx,
                in_flight,
                batch_bytes: 0,
                done,
                batch: Vec::new(),
                gather: None,
                pack: Pack::Off,
                memo: TextMemo::default(),
                waited: std::time::Duration::ZERO,
            };
            for i in 0..300 {
                sink.push(Position::Line(i as u64 + 1), Ok(message_of(i, &text))).expect("the writer listens");
            }
            sink.finish().expect("the writer listens");
            drop(sink);
            writer.join().expect("the writer ends")
        });
        let bound = IN_FLIGHT_BYTES + BATCH_BYTES + (2 << 20);
        assert!(most <= bound, "{most} bytes in flight, more than {bound}");
        assert!(most > IN_FLIGHT_BYTES / 2, "the reader ran ahead to the bound ({most} bytes in flight)");
    }

    #[test]
    fn the_text_memo_keeps_short_texts_said_again_and_forgets_them_all_when_full() {
        let mut memo = TextMemo::default();
        let long = "x".repeat(MEMO_TEXT_BYTES + 1);
        assert!(memo.entry(&long).is_none() && memo.entry(&long).is_none(), "a long text is never kept");
        assert!(memo.entry("hello").is_none(), "a text said once is only noted");
        memo.entry("hello").expect("kept the second time").words = Some(Arc::from([(7, "hello".into())]));
        assert_eq!(memo.entry("hello").unwrap().words.as_deref(), Some(&[(7, "hello".into())][..]), "found again");
        assert_eq!(memo.texts.len(), 1);
        let mut kept = 1;
        for i in 0.. {
            let text = format!("text {i}");
            if memo.entry(&text).is_none() && memo.entry(&text).is_some() {
                kept += 1;
            }
            if kept == MEMO_TEXTS {
                break;
            }
        }
        assert_eq!(memo.texts.len(), MEMO_TEXTS);
        assert!(memo.entry("one more").is_none(), "said once: the memo stays as it is");
        assert_eq!(memo.texts.len(), MEMO_TEXTS);
        assert!(memo.entry("one more").is_some());
        assert_eq!(memo.texts.len(), 1, "full: everything forgotten, then the new text kept");
        assert!(memo.entry("hello").is_none_or(|found| found.words.is_none()), "hello's words were forgotten");
    }
}
