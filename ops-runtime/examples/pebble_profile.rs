//! One Pebble call in a loop, for a profiler or `strace`.
//!
//! ```sh
//! cargo run --release -p ops-runtime --example pebble_profile -- CALL [TIMES] [SOCKET]
//! ```
//!
//! `CALL` is one of `system-info`, `get-services`, `push`, `pull`, `list` and
//! `exec`; it runs `TIMES` times (default 10000) through the blocking client
//! against `ops-pebble-emulator`, set up as in `pebble_bench`, and prints the
//! mean time per call. Given `SOCKET`, it talks to the server there
//! instead (one `pebble_bench --serve` started, say, to put the server
//! in another process).

use std::time::Instant;

use ops_pebble_emulator::Server;
use ops_runtime::pebble::{AddLayerOptions, Exec, Layer, ListFilesOptions, PushOptions, blocking};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let call = args
        .first()
        .map_or("system-info", String::as_str)
        .to_owned();
    let times: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let server;
    let (socket, set_up) = match args.get(2) {
        Some(socket) => (std::path::PathBuf::from(socket), false),
        None => {
            server = Server::start()?;
            (server.socket().to_owned(), true)
        }
    };
    let client = blocking::Client::new(socket)?;
    let layer = Layer::from_yaml(
        "services:\n  web: {override: replace, command: /bin/web, startup: enabled}\n  \
         db: {override: replace, command: /bin/db, startup: enabled}\n  \
         cache: {override: replace, command: /bin/cache}\n",
    )?;
    let kib = vec![b'x'; 1024];
    if set_up {
        client.add_layer("bench", &layer, &AddLayerOptions::new())?;
        client.autostart_services()?;
        client.push("/tmp/pull-me", kib.clone(), &PushOptions::new())?;
        for i in 0..10 {
            client.push(
                &format!("/tmp/dir/file-{i}"),
                "x",
                &PushOptions::new().make_dirs(true),
            )?;
        }
    }
    let start = Instant::now();
    for _ in 0..times {
        match call.as_str() {
            "system-info" => drop(client.system_info()?),
            "get-services" => drop(client.services(&[])?),
            "push" => client.push("/tmp/pushed", kib.clone(), &PushOptions::new())?,
            "pull" => drop(client.pull("/tmp/pull-me")?),
            "list" => drop(client.list_files("/tmp/dir", &ListFilesOptions::new())?),
            "exec" => drop(client.exec(&Exec::new(["echo", "hello"]))?.wait_output()?),
            other => return Err(format!("unknown call `{other}`").into()),
        }
    }
    println!(
        "{call}: {:.1} µs a call over {times}",
        start.elapsed().as_secs_f64() * 1e6 / times as f64
    );
    Ok(())
}
