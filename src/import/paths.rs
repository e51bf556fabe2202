//! The files an import reads: each file given, and the importable files of
//! each folder given.

use std::path::{Path, PathBuf};

/// The endings a folder's files are imported by (each also with `.gz`).
const IMPORTABLE: &[&str] = &[".jsonl", ".ndjson", ".json", ".csv"];

fn importable(name: &str) -> bool {
    let lower = name.to_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    IMPORTABLE.iter().any(|end| lower.ends_with(end))
}

/// The files an import of `paths` reads, folders expanded, in the order given.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        expand(p, &mut files);
    }
    files
}

/// A path given to import: a file, or every importable file in a folder and
/// below it, in order of their path within it.
fn expand(path: &Path, out: &mut Vec<PathBuf>) {
    if !path.is_dir() {
        out.push(path.to_owned());
        return;
    }
    let mut found = Vec::new();
    let mut stack = vec![path.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(_) if importable(&entry.file_name().to_string_lossy()) => {
                    let rel = p.strip_prefix(path).unwrap_or(&p);
                    let key: Vec<String> =
                        rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                    found.push((key.join("/"), p));
                }
                _ => {}
            }
        }
    }
    found.sort();
    out.extend(found.into_iter().map(|(_, p)| p));
}
