//! The bundled SQLite is compiled with the options `.cargo/config.toml`
//! gives it (`LIBSQLITE3_FLAGS`): every `-D` option is one SQLite reports
//! it was built with, and no `-U` option is. An option that stopped
//! reaching the build (the variable renamed, set elsewhere, or the
//! dependency no longer reading it) fails here, not silently in the
//! import's speed.

use std::collections::HashSet;

/// The flags as `.cargo/config.toml` sets them.
fn configured_flags() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/.cargo/config.toml");
    let config = std::fs::read_to_string(path).expect("the workspace's .cargo/config.toml");
    let line = config
        .lines()
        .find(|l| l.trim_start().starts_with("LIBSQLITE3_FLAGS"))
        .expect("LIBSQLITE3_FLAGS is set in .cargo/config.toml");
    let value = line.split_once('"').and_then(|(_, rest)| rest.rsplit_once('"')).map(|(v, _)| v);
    value.expect("LIBSQLITE3_FLAGS is a quoted string").split_whitespace().map(str::to_owned).collect()
}

/// What SQLite says it was compiled with (`PRAGMA compile_options`: names
/// without their `SQLITE_` prefix, `NAME=value` for those with a value).
fn compile_options() -> HashSet<String> {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
    let options = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    options.map(Result::unwrap).collect()
}

#[test]
fn every_option_of_cargo_config_reaches_the_bundled_sqlite() {
    let flags = configured_flags();
    assert!(!flags.is_empty(), "no flags configured");
    let built = compile_options();
    for flag in &flags {
        let name = |f: &str| f.trim_start_matches("SQLITE_").to_owned();
        if let Some(defined) = flag.strip_prefix("-D") {
            let defined = name(defined);
            // An option without a value is reported by its name alone.
            let bare = defined.strip_suffix("=1").unwrap_or(&defined).to_owned();
            assert!(
                built.contains(&defined) || built.contains(&bare),
                "{flag} is configured, but SQLite was built without it: {built:?}"
            );
        } else if let Some(undefined) = flag.strip_prefix("-U") {
            let undefined = name(undefined);
            // `-UX -DX=v`: the default cleared, then given another value.
            let redefined = flags.iter().any(|f| f.starts_with(&format!("-D{}=", flag.trim_start_matches("-U"))));
            assert!(
                redefined || !built.iter().any(|o| o == &undefined || o.starts_with(&format!("{undefined}="))),
                "{flag} is configured, but SQLite was built with it: {built:?}"
            );
        } else {
            panic!("{flag}: each flag is -D or -U");
        }
    }
}

#[test]
fn sqlite_runs_multi_threaded_without_a_shared_page_cache_lock() {
    let built = compile_options();
    // rusqlite refuses a SQLite built single-threaded; 2 is multi-thread:
    // a connection is used by one thread at a time, as a Connection is.
    assert!(built.contains("THREADSAFE=2"), "{built:?}");
    // Without it, every page fetched takes a lock shared by all connections.
    assert!(!built.contains("ENABLE_MEMORY_MANAGEMENT"), "{built:?}");
}
