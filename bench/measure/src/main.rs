//! `measure [--append FILE] PROGRAM [ARGS...]`: runs the program (environment
//! and working directory inherited) and reports
//! `{"wall": s, "cpu": s, "rss_kib": n, "code": n}`.
//!
//! Without `--append`, the program's standard output is discarded and the
//! report goes to this one's. With `--append FILE` (the form `cargo charm sim
//! --wrap` uses, through a one-line script), the program keeps its output, the
//! report is appended to FILE as one line, and this process exits with the
//! program's exit code, so that the caller sees the program's own result.
//!
//! Measured from this small process rather than from the Python benchmark, whose
//! own pages would otherwise count in the child's peak RSS: a child starts as a
//! copy (or a vfork) of its parent, and Linux records the high-water mark from then.

#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::io::Write;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).peekable();
    let append = if args.peek().is_some_and(|arg| arg == "--append") {
        args.next();
        args.next()
    } else {
        None
    };
    let Some(program) = args.next() else {
        eprintln!("usage: measure [--append FILE] PROGRAM [ARGS...]");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let mut command = Command::new(&program);
    command.args(args);
    if append.is_none() {
        // This process's stdout is the measurement.
        command.stdout(Stdio::null());
    }
    let status = match command.status() {
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
    let code = status.code().unwrap_or(-1);
    let report = format!(
        "{{\"wall\": {wall}, \"cpu\": {cpu}, \"rss_kib\": {}, \"code\": {code}}}",
        usage.max_rss(),
    );
    match append {
        None => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Some(file) => {
            if let Err(e) = append_line(&file, &report) {
                eprintln!("cannot append to {}: {e}", file.to_string_lossy());
                return ExitCode::from(2);
            }
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

fn append_line(file: &OsString, line: &str) -> std::io::Result<()> {
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)?;
    writeln!(out, "{line}")
}
