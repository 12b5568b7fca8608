//! The floor under `pebble_bench`: what one HTTP round trip to the Pebble
//! emulator costs with no client library at all.
//!
//! ```sh
//! cargo run --release -p ops-runtime --example pebble_floor [CALLS]
//! ```
//!
//! Starts `ops-pebble-emulator` as `pebble_bench` does, keeps one Unix-socket
//! connection, and times `CALLS` round trips (default 2000) of fixed
//! requests written as bytes, reading each answer up to the end of its body
//! (by `Content-Length`). Each is done twice: with blocking `std` I/O, and on
//! a current-thread tokio runtime entered once per call, as the blocking
//! client does. No client can go below these figures against this server.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ops_pebble_emulator::Server;
use ops_runtime::pebble::{AddLayerOptions, Layer, PushOptions, blocking};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WARM_UP: usize = 50;

/// Fixed requests, as a lean client would write them.
const REQUESTS: &[(&str, &str)] = &[
    (
        "system-info",
        "GET /v1/system-info HTTP/1.1\r\nhost: localhost\r\n\r\n",
    ),
    (
        "get-services",
        "GET /v1/services HTTP/1.1\r\nhost: localhost\r\n\r\n",
    ),
    (
        "pull 1 KiB",
        "GET /v1/files?action=read&path=%2Ftmp%2Fpull-me HTTP/1.1\r\nhost: localhost\r\naccept: multipart/form-data\r\n\r\n",
    ),
    (
        "list (10)",
        "GET /v1/files?action=list&path=%2Ftmp%2Fdir HTTP/1.1\r\nhost: localhost\r\n\r\n",
    ),
];

/// The index just past the head of the response in `buffer`, and its
/// `Content-Length`.
fn head(buffer: &[u8]) -> Option<(usize, usize)> {
    let end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = std::str::from_utf8(&buffer[..end]).ok()?;
    let length = text
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .expect("the emulator sends a Content-Length");
    Some((end, length))
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{name:<26} median {:>8.1} µs   p90 {:>8.1} µs",
        times[times.len() / 2].as_secs_f64() * 1e6,
        times[times.len() * 9 / 10].as_secs_f64() * 1e6
    );
}

fn blocking_round_trip(stream: &mut UnixStream, request: &[u8], buffer: &mut Vec<u8>) {
    stream.write_all(request).expect("write");
    buffer.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..n]);
        if let Some((end, length)) = head(buffer)
            && buffer.len() >= end + length
        {
            return;
        }
    }
}

/// As [`blocking_round_trip`], but polls the socket without sleeping (up to
/// `SPIN` for each read) before it blocks.
fn spinning_round_trip(stream: &mut UnixStream, request: &[u8], buffer: &mut Vec<u8>) {
    const SPIN: Duration = Duration::from_micros(200);
    stream.write_all(request).expect("write");
    buffer.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        stream.set_nonblocking(true).expect("nonblocking");
        let start = Instant::now();
        let n = loop {
            match stream.read(&mut chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if start.elapsed() > SPIN {
                        stream.set_nonblocking(false).expect("blocking");
                        break stream.read(&mut chunk).expect("read");
                    }
                    std::hint::spin_loop();
                }
                Err(e) => panic!("read: {e}"),
            }
        };
        stream.set_nonblocking(false).expect("blocking");
        assert!(n > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..n]);
        if let Some((end, length)) = head(buffer)
            && buffer.len() >= end + length
        {
            return;
        }
    }
}

async fn async_round_trip(
    stream: &mut tokio::net::UnixStream,
    request: &[u8],
    buffer: &mut Vec<u8>,
) {
    stream.write_all(request).await.expect("write");
    buffer.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..n]);
        if let Some((end, length)) = head(buffer)
            && buffer.len() >= end + length
        {
            return;
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000)
        .max(10);
    let server = Server::start()?;
    {
        let client = blocking::Client::new(server.socket())?;
        let layer = Layer::from_yaml(
            "services:\n  web: {override: replace, command: /bin/web, startup: enabled}\n  \
             db: {override: replace, command: /bin/db, startup: enabled}\n  \
             cache: {override: replace, command: /bin/cache}\n",
        )?;
        client.add_layer("bench", &layer, &AddLayerOptions::new())?;
        client.autostart_services()?;
        client.push("/tmp/pull-me", vec![b'x'; 1024], &PushOptions::new())?;
        for i in 0..10 {
            client.push(
                &format!("/tmp/dir/file-{i}"),
                "x",
                &PushOptions::new().make_dirs(true),
            )?;
        }
    }
    println!("{calls} round trips each, one kept-alive connection");

    let mut stream = UnixStream::connect(server.socket())?;
    let mut buffer = Vec::new();
    for (name, request) in REQUESTS {
        for _ in 0..WARM_UP {
            blocking_round_trip(&mut stream, request.as_bytes(), &mut buffer);
        }
        let times = (0..calls)
            .map(|_| {
                let start = Instant::now();
                blocking_round_trip(&mut stream, request.as_bytes(), &mut buffer);
                start.elapsed()
            })
            .collect();
        report(&format!("{name} (std)"), times);
    }

    for (name, request) in REQUESTS {
        for _ in 0..WARM_UP {
            spinning_round_trip(&mut stream, request.as_bytes(), &mut buffer);
        }
        let times = (0..calls)
            .map(|_| {
                let start = Instant::now();
                spinning_round_trip(&mut stream, request.as_bytes(), &mut buffer);
                start.elapsed()
            })
            .collect();
        report(&format!("{name} (std, spin)"), times);
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut stream = runtime.block_on(tokio::net::UnixStream::connect(server.socket()))?;
    for (name, request) in REQUESTS {
        for _ in 0..WARM_UP {
            runtime.block_on(async_round_trip(
                &mut stream,
                request.as_bytes(),
                &mut buffer,
            ));
        }
        let times = (0..calls)
            .map(|_| {
                let start = Instant::now();
                runtime.block_on(async_round_trip(
                    &mut stream,
                    request.as_bytes(),
                    &mut buffer,
                ));
                start.elapsed()
            })
            .collect();
        report(&format!("{name} (tokio)"), times);
    }
    Ok(())
}
