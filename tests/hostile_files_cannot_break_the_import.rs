//! Files from the wild: whatever a file holds, an import ends with its
//! records, its rejections or a sentence refusing it, in bounded memory.
//!
//! Memory is held by construction: this test binary counts every byte its
//! allocator hands out, and each test asserts the peak of live heap memory
//! during its import, far below the size of the hostile input.

mod common;

use common::Workspace;
use rapport::import::{ImportOptions, ImportReport};
use rapport::limits;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: the peak is of the whole process.
static SERIAL: Mutex<()> = Mutex::new(());

const MIB: usize = 1 << 20;

/// Runs `import`, returning its result and the most heap memory live at once
/// while it ran, above what was live before.
fn peak_during<T>(import: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = import();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(before))
}

fn import(ws: &Workspace, path: &std::path::Path) -> (ImportReport, usize) {
    let mut engine = ws.engine();
    peak_during(|| engine.import(&[path.to_owned()], &ImportOptions::default(), &mut |_| {}).expect("the import runs"))
}

fn reasons(report: &ImportReport) -> Vec<String> {
    report.files.iter().flat_map(|f| f.rejections.iter().map(|r| format!("{}: {}", r.position, r.reason))).collect()
}

fn refusal(report: &ImportReport) -> String {
    report.files.iter().find_map(|f| f.error.clone()).unwrap_or_default()
}

const GOOD: &str = r#"{"type":"message","conversation_id":"c","message_id":"ok","role":"user","timestamp":"2026-10-01T10:00:00Z","content":"still read"}"#;

/// Writes `parts` to a file, each part repeated as often as it says, so that
/// a hostile file of many MiB is never held whole by the test either.
fn write_file(ws: &Workspace, name: &str, parts: &[(&[u8], usize)]) -> std::path::PathBuf {
    let path = ws.dir.path().join(name);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for (bytes, times) in parts {
        for _ in 0..*times {
            out.write_all(bytes).unwrap();
        }
    }
    out.flush().unwrap();
    path
}

#[test]
fn deep_nesting_is_refused_or_rejected_in_bounded_memory() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    // The file of issue 9: 200,000 `[` made detection grow past 11 GB.
    let deep_json = write_file(&ws, "deep.json", &[(b"[", 200_000), (b"\n", 1)]);
    let (report, peak) = import(&ws, &deep_json);
    assert!(refusal(&report).contains("not valid JSON"), "{report:?}");
    assert!(peak < 16 * MIB, "detection and reading keep a bounded head, not a stack per bracket: {peak} bytes");

    // A line of a JSON Lines file nested 100,000 deep, and a record with
    // metadata nested deeper than serde_json's guard: both rejected, the
    // line after them read.
    let metadata = format!(
        r#"{{"type":"conversation","conversation_id":"c","metadata":{}{}}}"#,
        r#"{"a":"#.repeat(200),
        "}".repeat(200)
    );
    let lines = write_file(
        &ws,
        "deep.jsonl",
        &[(b"[", 100_000), (b"\n", 1), (metadata.as_bytes(), 1), (b"\n", 1), (GOOD.as_bytes(), 1), (b"\n", 1)],
    );
    let (report, peak) = import(&ws, &lines);
    let why = reasons(&report);
    assert_eq!(report.files[0].records, 1, "{why:?}");
    assert_eq!(why.len(), 2, "{why:?}");
    assert!(why[1].contains("deeper than 128 levels"), "{why:?}");
    assert!(peak < 16 * MIB, "{peak} bytes");
}

#[test]
fn a_record_past_the_limit_is_rejected_unread_and_the_rest_goes_on() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let huge = 40 * MIB;
    let chunk = vec![b'x'; MIB];
    let head =
        br#"{"type":"message","conversation_id":"c","role":"user","timestamp":"2026-10-01T09:00:00Z","content":""#;

    // JSON Lines: a 40 MiB line, then a good one.
    let lines = write_file(
        &ws,
        "long.jsonl",
        &[(head, 1), (&chunk, huge / MIB), (b"\"}\r\n", 1), (GOOD.as_bytes(), 1), (b"\n", 1)],
    );
    let (report, peak) = import(&ws, &lines);
    assert_eq!(report.files[0].records, 1);
    assert!(reasons(&report)[0].starts_with("long.jsonl line 1: the line is too large"), "{:?}", reasons(&report));
    assert!(peak < 3 * limits::MAX_RECORD_BYTES + 8 * MIB, "a 40 MiB line is never held: {peak} bytes");

    // A JSON list: a 40 MiB item, then a good one.
    let list = write_file(
        &ws,
        "long.json",
        &[(b"[", 1), (head, 1), (&chunk, huge / MIB), (b"\"},\n", 1), (GOOD.as_bytes(), 1), (b"]", 1)],
    );
    let (report, peak) = import(&ws, &list);
    assert_eq!(report.files[0].records, 1, "{report:?}");
    assert!(reasons(&report)[0].starts_with("long.json item 1: the item is too large"), "{:?}", reasons(&report));
    assert!(peak < 3 * limits::MAX_RECORD_BYTES + 8 * MIB, "{peak} bytes");

    // CSV: a 40 MiB quoted cell, then a good row.
    let csv = write_file(
        &ws,
        "messages.csv",
        &[
            (b"conversation_id,role,timestamp,content\nc,user,2026-10-01T09:00:00Z,\"", 1),
            (&chunk, huge / MIB),
            (b"\"\nc,agent,2026-10-01T09:00:01Z,fine\n", 1),
        ],
    );
    let (report, peak) = import(&ws, &csv);
    assert_eq!(report.files[0].records, 1, "{report:?}");
    assert!(reasons(&report)[0].starts_with("messages.csv row 2: the row is too large"), "{:?}", reasons(&report));
    assert!(peak < 3 * limits::MAX_RECORD_BYTES + 8 * MIB, "{peak} bytes");
}

#[test]
fn gzip_that_inflates_far_costs_no_more_memory() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    // Gzip members may follow one another; each inflates 8 MiB of one line.
    let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    member.write_all(&vec![b' '; 8 * MIB]).unwrap();
    let member = member.finish().unwrap();
    let bomb = write_file(&ws, "bomb.jsonl.gz", &[(&member, 32)]);
    assert!(std::fs::metadata(&bomb).unwrap().len() < MIB as u64, "a small file...");
    let (report, peak) = import(&ws, &bomb);
    assert!(reasons(&report)[0].contains("too large"), "...that inflates to 256 MiB of one line: {report:?}");
    assert!(peak < 3 * limits::MAX_RECORD_BYTES + 8 * MIB, "{peak} bytes");
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_with_a_sentence_never_read() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let folder = ws.dir.path().join("dropped");
    std::fs::create_dir(&folder).unwrap();
    let fifo = folder.join("pipe.jsonl");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    std::os::unix::fs::symlink("/dev/zero", folder.join("zero.jsonl")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(folder.join("socket.csv")).unwrap();
    std::fs::write(folder.join("good.jsonl"), format!("{GOOD}\n")).unwrap();

    // A FIFO would block its reader and /dev/zero never ends: neither is opened.
    let report = ws.import(std::slice::from_ref(&folder));
    let refused: Vec<String> = report.refused_files().map(|f| f.error.clone().unwrap()).collect();
    assert_eq!(refused.len(), 3, "{report:?}");
    assert!(refused.iter().all(|r| r.starts_with("not a regular file")), "{refused:?}");
    assert!(refused.iter().any(|r| r.contains("named pipe")) && refused.iter().any(|r| r.contains("device")));
    assert_eq!(report.stored.messages, 1, "the regular file beside them is read");
    let direct = ws.import(&[fifo]);
    assert!(refusal(&direct).contains("named pipe"));
}

#[test]
fn numbers_past_the_limits_are_rejected_never_wrapped() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let m = |extra: &str, t: u32| {
        format!(
            r#"{{"type":"message","conversation_id":"n","role":"agent","timestamp":"2026-10-01T10:00:{t:02}Z"{extra}}}"#
        )
    };
    let lines = [
        m(r#","prompt_tokens":18446744073709551615"#, 1),
        m(r#","completion_tokens":"18446744073709551616""#, 2),
        m(r#","prompt_tokens":1000000000001"#, 3),
        m(r#","cost":1.7e308"#, 4),
        m(r#","cost":"1e309""#, 5),
        m(r#","cost":1000000000.5"#, 6),
        r#"{"type":"action","conversation_id":"n","name":"x","started_at":"2026-10-01T10:00:00Z","duration_ms":31536000001}"#.into(),
        // At the limits: kept, and summed without wrapping.
        m(r#","prompt_tokens":1000000000000,"completion_tokens":1000000000000,"cost":1000000000"#, 7),
        m(r#","prompt_tokens":1000000000000,"completion_tokens":1000000000000,"cost":1000000000"#, 8),
    ];
    let file = ws.file("numbers.jsonl", lines.join("\n"));
    let report = ws.import(&[file]);
    let why = reasons(&report);
    assert_eq!(report.files[0].records, 2, "{why:?}");
    assert_eq!(why.len(), 7, "{why:?}");
    assert!(why.iter().all(|r| r.contains("out of range") || r.contains("is not a number")), "{why:?}");

    let mut engine = ws.engine();
    let m = common::metrics(&mut engine, &common::autumn("UTC"));
    assert_eq!(m.tokens.prompt, 2_000_000_000_000);
    assert_eq!(m.tokens.total, 4_000_000_000_000u128);
    assert_eq!(m.tokens.cost, 2e9);
}

#[test]
fn instants_outside_1970_to_2200_are_rejected_whatever_their_form() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let forms = [
        r#""1969-12-31T23:59:59.999999Z""#,
        r#""2200-01-01T00:00:00Z""#,
        r#""2199-12-31T23:00:00-02:00""#,
        r#""0001-01-02T00:00:00Z""#,
        r#""9999-12-30T00:00:00Z""#,
        "7258118400",
        r#""340282366920938463463376398278768212""#,
        r#""170141183460469231731687303715884105727""#,
        "1e300",
    ];
    let mut text = String::new();
    for (i, t) in forms.iter().enumerate() {
        text.push_str(&format!(
            r#"{{"type":"message","conversation_id":"far","message_id":"{i}","role":"user","timestamp":{t}}}"#
        ));
        text.push('\n');
    }
    text.push_str(r#"{"type":"message","conversation_id":"far","role":"user","timestamp":"1970-01-01T00:00:00Z"}"#);
    text.push('\n');
    text.push_str(r#"{"type":"message","conversation_id":"far","role":"user","timestamp":7258118399}"#);
    let report = ws.import(&[ws.file("far.jsonl", text)]);
    let why = reasons(&report);
    assert_eq!(report.files[0].records, 2, "the first and the last instant are in: {why:?}");
    assert_eq!(why.len(), forms.len(), "{why:?}");
    assert!(why.iter().all(|r| r.contains("out of range")), "{why:?}");
}

#[test]
fn control_characters_are_kept_as_the_text_they_are() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let content = "nul \u{0} esc \u{1b}[31m rtl \u{202e} bom \u{feff} nonchar \u{fffe} bell \u{7}";
    let line = serde_json::json!({"type": "message", "conversation_id": "ctl\u{0}", "role": "user",
        "timestamp": "2026-10-01T10:00:00Z", "content": content});
    let report = ws.import(&[ws.file("ctl.jsonl", line.to_string())]);
    assert_eq!(report.files[0].records, 1, "{report:?}");
    let engine = ws.engine();
    let transcript = engine.transcript("ctl\u{0}").expect("the conversation is found by its id");
    assert_eq!(transcript.messages[0].message.content.as_deref(), Some(content), "text is kept byte for byte");
}

#[test]
fn millions_of_bad_records_keep_a_bounded_number_of_rejections() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let bad = 30_000;
    let file = write_file(&ws, "bad.jsonl", &[(b"{\"type\":\"teleport\"}\n", bad), (GOOD.as_bytes(), 1)]);
    let (report, _) = import(&ws, &file);
    assert_eq!(report.files[0].rejected, bad as u64, "every rejection is counted");
    assert_eq!(report.files[0].rejections.len(), limits::KEPT_REJECTIONS, "the first ones are listed and kept");
    assert_eq!(report.files[0].records, 1);
    let size = std::fs::metadata(ws.db()).unwrap().len() + wal_size(&ws);
    assert!(size < 8 * MIB as u64, "the store does not grow with the bad records: {size} bytes");
}

fn wal_size(ws: &Workspace) -> u64 {
    std::fs::metadata(ws.dir.path().join("store.db-wal")).map_or(0, |m| m.len())
}

#[test]
fn cancel_stops_reading_in_the_middle_of_a_huge_record() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    // One line of a terabyte of NUL bytes, on disk as a sparse file: an
    // import that read it through would not end within any test run.
    let path = ws.dir.path().join("endless.jsonl");
    let file = std::fs::File::create(&path).unwrap();
    let size = [1u64 << 40, 64 << 30].into_iter().find(|&s| file.set_len(s).is_ok()).expect("a sparse file");
    let cancel = Arc::new(AtomicBool::new(false));
    let options = ImportOptions { cancel: Some(cancel.clone()), ..ImportOptions::default() };
    let mut engine = ws.engine();
    let mut read_in_file = 0;
    let report = engine
        .import(&[path], &options, &mut |p| {
            if p.files_done == 0 {
                read_in_file = p.bytes_done;
            }
            // Cancel once reading is under way, inside the one record.
            if p.bytes_done > 0 {
                cancel.store(true, Ordering::Relaxed);
            }
        })
        .unwrap();
    assert!(report.cancelled, "{report:?}");
    assert!(read_in_file < size, "reading stopped inside the record, after {read_in_file} of {size} bytes");
    assert_eq!(report.stored.messages, 0);
}

/// `rapport metrics | head`: the reader closes the pipe early, and the
/// command ends quietly instead of panicking on its next write.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_command_line_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    ws.import(&[ws.file("one.jsonl", GOOD)]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["--db", ws.db().to_str().unwrap(), "metrics", "--from", "2026-01-01", "--to", "2027-01-01"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before the first line
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success() || out.status.signal() == Some(13), "ended by SIGPIPE or done: {:?}", out.status);
}

/// Found by the fuzzer (fuzz/findings/import/langfuse-usage-details-summing-past-u64):
/// a Langfuse generation whose `usageDetails` add up past 2^64 stopped the
/// reader with an overflow; the sum now saturates and is rejected as out of range.
#[test]
fn langfuse_token_counts_summing_past_u64_are_rejected_not_a_crash() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let finding = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/findings/import/langfuse-usage-details-summing-past-u64");
    let data = std::fs::read(finding).unwrap();
    let report = ws.import(&[ws.file("trace.json", &data[1..])]); // its first byte names the file
    assert_eq!(report.files[0].error, None, "{report:?}");
    assert!(reasons(&report).iter().any(|r| r.contains("prompt_tokens") && r.contains("out of range")), "{report:?}");
    assert!(report.stored.messages > 0, "the rest of the trace goes in");
}
