//! Per-call latency of the Pebble client against the Pebble emulator.
//!
//! ```sh
//! cargo run --release -p ops-runtime --example pebble_bench [CALLS]
//! cargo run --release -p ops-runtime --example pebble_bench -- --serve SECONDS
//! ```
//!
//! With `--serve`, it only starts the server with the same services and files,
//! prints the socket's path and serves for `SECONDS`, so another client (ops's,
//! in `bench/bench.py`) can be timed against the same server.
//!
//! Starts `ops-pebble-emulator` on a Unix socket in a temporary directory, then
//! times each call `CALLS` times (default 500) through the blocking client, as
//! a synchronous handler uses it, and prints the median and 90th percentile.
//! The server answers from memory and runs `echo` without a process, so the
//! figures are the client's cost plus one HTTP (or websocket) round trip on a
//! Unix socket, not Pebble's own.

use std::time::{Duration, Instant};

use ops_pebble_emulator::Server;
use ops_runtime::pebble::{AddLayerOptions, Exec, Layer, ListFilesOptions, PushOptions, blocking};

const WARM_UP: usize = 20;

fn measure(name: &str, calls: usize, mut call: impl FnMut()) {
    for _ in 0..WARM_UP {
        call();
    }
    let mut times: Vec<Duration> = (0..calls)
        .map(|_| {
            let start = Instant::now();
            call();
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let p90 = times[times.len() * 9 / 10];
    println!(
        "{name:<14} median {:>8.1} µs   p90 {:>8.1} µs",
        median.as_secs_f64() * 1e6,
        p90.as_secs_f64() * 1e6
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let serve = match args.as_slice() {
        [flag, seconds] if flag == "--serve" => Some(seconds.parse::<u64>().unwrap_or(60)),
        _ => None,
    };
    let calls: usize = args
        .first()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500)
        .max(10);
    let server = Server::start()?;
    let client = blocking::Client::new(server.socket())?;

    let layer = Layer::from_yaml(
        r#"
services:
  web: {override: replace, command: /bin/web, startup: enabled}
  db: {override: replace, command: /bin/db, startup: enabled}
  cache: {override: replace, command: /bin/cache}
"#,
    )?;
    client.add_layer("bench", &layer, &AddLayerOptions::new())?;
    client.autostart_services()?;
    let kib = vec![b'x'; 1024];
    client.push("/tmp/pull-me", kib.clone(), &PushOptions::new())?;
    for i in 0..10 {
        client.push(
            &format!("/tmp/dir/file-{i}"),
            "x",
            &PushOptions::new().make_dirs(true),
        )?;
    }

    if let Some(seconds) = serve {
        println!("{}", server.socket().display());
        std::thread::sleep(Duration::from_secs(seconds));
        return Ok(());
    }
    println!("{calls} calls each, blocking client on a current-thread runtime");
    measure("system-info", calls, || {
        client.system_info().map(drop).expect("system-info");
    });
    measure("get-services", calls, || {
        client.services(&[]).map(drop).expect("services");
    });
    measure("push 1 KiB", calls, || {
        client
            .push("/tmp/pushed", kib.clone(), &PushOptions::new())
            .expect("push");
    });
    measure("pull 1 KiB", calls, || {
        client.pull("/tmp/pull-me").map(drop).expect("pull");
    });
    measure("list (10)", calls, || {
        client
            .list_files("/tmp/dir", &ListFilesOptions::new())
            .map(drop)
            .expect("list");
    });
    measure("exec echo", calls, || {
        client
            .exec(&Exec::new(["echo", "hello"]))
            .and_then(blocking::ExecProcess::wait_output)
            .map(drop)
            .expect("exec");
    });
    Ok(())
}
