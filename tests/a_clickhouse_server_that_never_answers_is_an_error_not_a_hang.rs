//! A ClickHouse address whose server accepts connections and then says
//! nothing (a hung server, a proxy that swallows requests) ends the command
//! with an error naming the server, after `RAPPORT_CLICKHOUSE_TIMEOUT`
//! seconds of silence: it never hangs.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_silent_clickhouse_server_is_an_error_after_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts every connection and reads what is sent, answering nothing.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            let mut s = stream.try_clone().unwrap();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
            });
            held.push(stream);
        }
    });
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args([
            "--db",
            &format!("clickhouse://127.0.0.1:{port}/silent"),
            "metrics",
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-01",
        ])
        .env("RAPPORT_CLICKHOUSE_TIMEOUT", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("rapport still waits for the silent server after a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(!status.success(), "a silent server is an error");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "the error names the server: {stderr}");
    assert!(stderr.contains("silent for 1 s"), "and says it did not answer in time: {stderr}");
}
