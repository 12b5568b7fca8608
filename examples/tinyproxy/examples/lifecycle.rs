//! Runs the tinyproxy charm through a short hook sequence against the in-memory
//! hook tools, printing each hook and the status it leaves: the charm's whole
//! life without a Juju controller.
//!
//! `cargo run -p tinyproxy --example lifecycle`

use std::cell::Cell;
use std::rc::Rc;

use ops_runtime::Event;
use ops_runtime::testing::{Action, Context, State};
use tinyproxy::TinyproxyCharm;
use tinyproxy::workload::{Workload, WorkloadError};

/// A stand-in for the machine: tinyproxy "installs" and "runs" in memory.
#[derive(Clone, Default)]
struct Machine {
    installed: Rc<Cell<bool>>,
    running: Rc<Cell<bool>>,
}

impl Workload for Machine {
    fn is_installed(&self) -> bool {
        self.installed.get()
    }
    fn install(&mut self) -> Result<(), WorkloadError> {
        self.installed.set(true);
        Ok(())
    }
    fn uninstall(&mut self) -> Result<(), WorkloadError> {
        self.installed.set(false);
        Ok(())
    }
    fn version(&self) -> Result<String, WorkloadError> {
        Ok("1.11.0".into())
    }
    fn current_config(&self) -> Option<String> {
        None
    }
    fn ensure_config(&mut self, _port: u16, _slug: &str) -> Result<bool, WorkloadError> {
        Ok(true)
    }
    fn is_running(&self) -> bool {
        self.running.get()
    }
    fn start(&mut self) -> Result<(), WorkloadError> {
        self.running.set(true);
        Ok(())
    }
    fn stop(&mut self) -> Result<(), WorkloadError> {
        self.running.set(false);
        Ok(())
    }
    fn reload_config(&mut self) -> Result<(), WorkloadError> {
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let machine = Machine::default();
    let shared = machine.clone();
    let mut ctx = Context::with_charm(move || TinyproxyCharm::new(shared.clone()));
    let steps: Vec<(&str, Event, Option<&str>)> = vec![
        ("install", Event::Install, None),
        ("start", Event::Start, None),
        (
            "config-changed slug=foo_bar",
            Event::ConfigChanged,
            Some("foo_bar"),
        ),
        (
            "config-changed slug=proxy",
            Event::ConfigChanged,
            Some("proxy"),
        ),
        ("update-status", Event::UpdateStatus, Some("proxy")),
    ];
    let mut state = State::new().with_leader(true);
    let report = |label: &str, state: &State, calls: &[&str]| {
        println!("{label:<30} {}", state.unit_status);
        println!(
            "{:<30} workload {} | hook tools: {}",
            "",
            state.workload_version.as_deref().unwrap_or("-"),
            calls.join(" ")
        );
    };
    for (label, event, slug) in steps {
        if let Some(slug) = slug {
            state = state.with_config("slug", slug);
        }
        state = ctx.run(event, state)?;
        report(label, &state, ctx.hook_tool_calls());
    }
    let out = ctx.run_action(Action::new("describe"), state)?;
    println!(
        "{:<30} {}",
        "describe (action)",
        serde_json::Value::Object(out.results)
    );
    state = out.state;
    for (label, event) in [("stop", Event::Stop), ("remove", Event::Remove)] {
        state = ctx.run(event, state)?;
        report(label, &state, ctx.hook_tool_calls());
    }
    Ok(())
}
