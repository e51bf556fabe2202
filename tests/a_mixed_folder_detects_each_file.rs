//! Issue 4: a folder that mixes formats is read file by file, each by what
//! it holds, not by its name; a file of an unknown shape is refused with the
//! list of what Rapport reads.

mod common;
mod formats_common;
use common::*;
use formats_common::*;

#[test]
fn a_mixed_folder_detects_each_file() {
    let ws = Workspace::new();
    let dir = folder(
        &ws,
        "mixed",
        &[
            "agentsight/sdk/export-0001.json",
            "agentsight/history-v1.json",
            "langfuse/traces.csv",
            "langfuse/scores.json",
            "dify/messages.json",
            "dify/workflow-runs.csv",
            "openai/chat.jsonl",
        ],
    );
    std::fs::write(dir.join("native.jsonl"), conversations_jsonl(2, "n")).unwrap();
    // A name that says nothing: the content tells.
    std::fs::copy(fixture("dify/conversations.json"), dir.join("download (3).json")).unwrap();
    let report = ws.import(&[dir]);
    let mut got: Vec<(String, String)> = report.files.iter().map(|f| (file_name(&f.path), f.format.clone())).collect();
    got.sort();
    let want = [
        ("chat.jsonl", "openai-chat"),
        ("download (3).json", "dify-conversations"),
        ("export-0001.json", "agentsight-sdk"),
        ("history-v1.json", "agentsight-history-v1"),
        ("messages.json", "dify-messages"),
        ("native.jsonl", "jsonl"),
        ("scores.json", "langfuse-scores"),
        ("traces.csv", "langfuse-traces"),
        ("workflow-runs.csv", "dify-workflow-runs"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(got, want);
    assert!(report.refused_files().next().is_none());
}

#[test]
fn a_file_of_unknown_shape_is_refused_with_the_formats_rapport_reads() {
    let ws = Workspace::new();
    let json = ws.file("orders.json", r#"{"orders": [{"sku": "A1", "qty": 2}]}"#);
    let csv = ws.file("orders.csv", "sku,qty\nA1,2\n");
    let report = ws.import(&[json, csv]);
    for f in &report.files {
        let error = f.error.as_deref().unwrap_or_else(|| panic!("{} should be refused", f.path));
        for name in ["agentsight-sdk", "langfuse", "dify-messages", "openai-chat", "--map"] {
            assert!(error.contains(name), "{}: {error:?} should name {name}", f.path);
        }
    }
    assert_eq!(report.stored.conversations, 0);
}
