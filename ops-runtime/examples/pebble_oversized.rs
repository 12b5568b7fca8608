//! Peak memory of the Pebble client against a socket that sends an endless
//! answer: the case of issue 16, where one call's answer pushed a charm to
//! 1.5 GB resident within its timeout.
//!
//! ```sh
//! cargo run -p ops-runtime --example pebble_oversized [CASE] [MiB]
//! ```
//!
//! CASE is `json` (an endless JSON answer to `GET /v1/changes`), `error` (an
//! endless plain-text error body), `pull` (a multipart pull whose boundary
//! never comes), `logs` (an endless log line) or `all` (the default, each in
//! a child process of its own). The fake daemon stops after MiB mebibytes
//! (default 1024) so that a client without limits ends too. Prints the call's
//! outcome and the process's peak resident memory (`VmHWM`); asserts nothing.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "all".to_owned());
    let mebibytes: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
    if case == "all" {
        let exe = std::env::current_exe().expect("the example's path");
        for case in ["json", "error", "pull", "logs"] {
            // Each case in a process of its own, so that each peak is its own:
            // this runs the example itself, not a hook tool.
            #[allow(clippy::disallowed_methods)]
            let status = std::process::Command::new(&exe)
                .args([case, &mebibytes.to_string()])
                .status()
                .expect("run a case");
            if !status.success() {
                println!("{case}: the child failed with {status}");
            }
        }
        return;
    }
    let dir = std::env::temp_dir().join(format!("pebble-oversized-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let socket = dir.join("pebble.socket");
    let listener = UnixListener::bind(&socket).expect("bind the socket");
    let served = case.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let case = served.clone();
            std::thread::spawn(move || serve(stream, &case, mebibytes << 20));
        }
    });

    let start = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client = ops_runtime::pebble::Client::new(&socket).expect("a client");
    let outcome = runtime.block_on(async {
        match case.as_str() {
            "json" => client
                .changes(ops_runtime::pebble::ChangeSelect::All, None)
                .await
                .map(|c| format!("{} changes", c.len())),
            "error" => client
                .services(&[])
                .await
                .map(|s| format!("{} services", s.len())),
            "pull" => client
                .pull("/big")
                .await
                .map(|d| format!("{} bytes", d.len())),
            _ => client
                .logs(&ops_runtime::pebble::LogsQuery::new())
                .await
                .map(|l| format!("{} lines", l.len())),
        }
    });
    let outcome = match outcome {
        Ok(value) => format!("ok: {value}"),
        Err(error) => {
            let text = error.to_string();
            let cut: String = text.chars().take(160).collect();
            format!("error: {cut}")
        }
    };
    println!(
        "{case:5} peak RSS {:>6} MiB after {:>5.2} s; {outcome}",
        peak_rss_kib() / 1024,
        start.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `VmHWM` from `/proc/self/status`, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmHWM:")
                    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

/// Answers one request with an endless body for `case`, up to `total` bytes.
fn serve(stream: UnixStream, case: &str, total: u64) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let mut stream = reader.into_inner();
    let (status, content_type, prefix, fill): (u16, &str, &str, &str) = match case {
        "json" => (
            200,
            "application/json",
            r#"{"type":"sync","result":["#,
            r#"{"id":"1","kind":"exec","summary":"x","status":"Done","ready":true},"#,
        ),
        "error" => (500, "text/plain", "", "internal error "),
        "pull" => (
            200,
            "multipart/form-data; boundary=01234567890123456789012345678901",
            "",
            "no boundary here ",
        ),
        _ => (
            200,
            "application/x-ndjson",
            r#"{"time":"2026-01-01T00:00:00Z","service":"s","message":""#,
            "more ",
        ),
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    let mut block = String::from(prefix);
    while block.len() < 256 * 1024 {
        block.push_str(fill);
    }
    let chunk = format!("{:x}\r\n{block}\r\n", block.len());
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut sent = 0u64;
    while sent < total {
        if stream.write_all(chunk.as_bytes()).is_err() {
            return;
        }
        sent += block.len() as u64;
    }
    let _ = stream.write_all(b"0\r\n\r\n");
}
