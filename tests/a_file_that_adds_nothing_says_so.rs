//! Issue 15: a file that was read but from which nothing came in (every
//! record rejected, or none there) gets a sentence, on stderr and in the
//! report, instead of an import that looks like it went well.

mod common;
use common::*;
use std::process::Command;

#[test]
fn a_file_whose_every_record_was_rejected_says_nothing_was_imported() {
    let ws = Workspace::new();
    let file = ws.dir.path().join("traces.csv");
    std::fs::write(
        &file,
        "id,timestamp,name,userId,sessionId,input,output,latency\n\
         t-1,yesterday,chat,u-1,,Hi,Hello,1\n\
         t-2,last week,chat,u-2,,Hi,Hello,1\n",
    )
    .unwrap();
    let report = ws.import(std::slice::from_ref(&file));
    assert_eq!(report.files[0].nothing_imported().as_deref(), Some("all 2 of its records were rejected"));

    let out =
        Command::new(env!("CARGO_BIN_EXE_rapport")).arg("--db").arg(ws.db()).arg("import").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("nothing was imported from {}: all 2 of its records were rejected", file.display())),
        "{stderr}"
    );
    assert!(out.status.success(), "every file was read, as CLI.md's exit codes say");
}

#[test]
fn a_file_with_records_says_nothing_more() {
    let ws = Workspace::new();
    let file = ws.dir.path().join("events.jsonl");
    std::fs::write(&file, conversations_jsonl(1, "c")).unwrap();
    let report = ws.import(std::slice::from_ref(&file));
    assert_eq!(report.files[0].nothing_imported(), None);
}
