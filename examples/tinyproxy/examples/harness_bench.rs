//! Times one harness run of the tinyproxy charm (config-changed with an invalid
//! slug, ending Blocked), for `bench/bench.py`. Prints microseconds per run.
//!
//! `cargo run --release -p tinyproxy --example harness_bench -- [RUNS]`

use std::time::Instant;

use ops_runtime::Event;
use ops_runtime::testing::{Context, State};
use tinyproxy::TinyproxyCharm;
use tinyproxy::workload::SystemTinyproxy;

fn main() {
    let runs: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    // The system workload is only queried (is tinyproxy on PATH, is it running):
    // with an invalid slug nothing is installed, started or written.
    let mut ctx = Context::with_charm(|| TinyproxyCharm::new(SystemTinyproxy::default()));
    let state = State::new().with_config("slug", "foo_bar");
    let _warm_up = ctx.run(Event::ConfigChanged, state.clone());
    let start = Instant::now();
    for _ in 0..runs {
        let _ = ctx.run(Event::ConfigChanged, state.clone());
    }
    println!(
        "{:.2}",
        start.elapsed().as_secs_f64() * 1e6 / f64::from(runs)
    );
}
