//! Times one harness run of the tinyproxy charm (config-changed with an invalid
//! slug, ending Blocked), for `bench/bench.py`. Prints microseconds per run.
//!
//! `cargo run --release -p tinyproxy --example harness_bench -- [RUNS]`

use std::time::Instant;

use ops_runtime::Event;
use ops_runtime::testing::{Context, State};
use tinyproxy::TinyproxyCharm;
use tinyproxy::workload::{Workload, WorkloadError};

/// A machine without tinyproxy, answering at once: the bench times the harness
/// and the charm, not `dpkg-query` and `systemctl`.
struct Absent;

impl Workload for Absent {
    fn is_installed(&self) -> bool {
        false
    }
    fn install(&mut self) -> Result<(), WorkloadError> {
        Ok(())
    }
    fn uninstall(&mut self) -> Result<(), WorkloadError> {
        Ok(())
    }
    fn version(&self) -> Result<String, WorkloadError> {
        Ok("1.11.0".into())
    }
    fn current_config(&self) -> Option<String> {
        None
    }
    fn ensure_config(&mut self, _port: u16, _slug: &str) -> Result<bool, WorkloadError> {
        Ok(false)
    }
    fn is_running(&self) -> bool {
        false
    }
    fn start(&mut self) -> Result<(), WorkloadError> {
        Ok(())
    }
    fn stop(&mut self) -> Result<(), WorkloadError> {
        Ok(())
    }
    fn reload_config(&mut self) -> Result<(), WorkloadError> {
        Ok(())
    }
}

fn main() {
    let runs: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    // With an invalid slug the workload is only queried (installed? running?).
    let mut ctx = Context::with_charm(|| TinyproxyCharm::new(Absent));
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
