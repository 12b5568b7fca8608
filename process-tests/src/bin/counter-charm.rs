//! A charm whose every `update-status` adds one to a stored counter, slowly
//! (it sleeps while it holds the state), for the test that runs it many times at
//! once and counts every run: `tests/it/state_fault_injection.rs`.

use std::time::Duration;

use ops_runtime::*;

/// The charm.
#[derive(Default)]
struct Counter;

/// How many runs committed.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Count {
    /// The count.
    n: u64,
}

impl StoredState for Count {
    const KEY: &'static str = "count";
}

#[charm(metadata_source = "name: counter")]
impl Counter {
    #[on(update_status)]
    fn tick(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        cx.stored::<Count>()?.n += 1;
        // Long enough that runs started together overlap.
        std::thread::sleep(Duration::from_millis(20));
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    ops_runtime::main::<Counter>()
}
