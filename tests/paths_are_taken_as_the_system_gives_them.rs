//! Issue 14: the command line reads its arguments as the system gives them
//! (`args_os`, `PathBuf` values), so a file whose name is not Unicode, which
//! Linux allows and Windows' UTF-16 names can also hold, imports like any other.

mod common;
use common::*;
use std::process::Command;

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_unicode_imports() {
    use std::os::unix::ffi::OsStrExt;
    let ws = Workspace::new();
    let folder = ws.file("logs/keep.txt", "").parent().unwrap().to_owned();
    // "café.jsonl" in Latin-1: not UTF-8.
    let file = folder.join(std::ffi::OsStr::from_bytes(b"caf\xe9.jsonl"));
    std::fs::write(&file, conversations_jsonl(2, "latin")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .args(["import", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "the path reaches the import untouched: {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stored"]["conversations"], 2);
}

#[test]
fn the_store_path_may_hold_any_character() {
    let ws = Workspace::new();
    let db = ws.db().with_file_name("données clients — 2026.db");
    let out = Command::new(env!("CARGO_BIN_EXE_rapport")).arg("--db").arg(&db).arg("status").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(db.file_name().unwrap(), "données clients — 2026.db");
    assert!(db.exists(), "the store was made under its own name");
}
