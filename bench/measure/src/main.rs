//! `measure PROGRAM [ARGS...]`: runs the program (environment and working
//! directory inherited, standard output discarded) and prints `{"wall": s, "cpu": s, "rss_kib": n, "code": n}`.
//!
//! Measured from this small process rather than from the Python benchmark, whose
//! own pages would otherwise count in the child's peak RSS: a child starts as a
//! copy (or a vfork) of its parent, and Linux records the high-water mark from then.

#![forbid(unsafe_code)]

use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: measure PROGRAM [ARGS...]");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    // The program's output is discarded: this one's stdout is the measurement.
    let status = match Command::new(&program).args(args).stdout(Stdio::null()).status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("cannot run {}: {e}", program.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let wall = start.elapsed().as_secs_f64();
    let usage = match getrusage(UsageWho::RUSAGE_CHILDREN) {
        Ok(usage) => usage,
        Err(e) => {
            eprintln!("getrusage: {e}");
            return ExitCode::from(2);
        }
    };
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    let cpu = seconds(usage.user_time()) + seconds(usage.system_time());
    println!(
        "{{\"wall\": {wall}, \"cpu\": {cpu}, \"rss_kib\": {}, \"code\": {}}}",
        usage.max_rss(),
        status.code().unwrap_or(-1)
    );
    ExitCode::SUCCESS
}
