//! `async fn` handlers, and the return types handlers may use.

use ops_runtime::{CharmError, HookContext, ModelError, charm};

#[derive(Default)]
struct Charm;

#[derive(Debug)]
struct MyError;

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("my error")
    }
}

impl std::error::Error for MyError {}

#[charm(metadata_source = "name: demo")]
impl Charm {
    #[on(install)]
    async fn install(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        cx.set_workload_version("1.0")?;
        Ok(())
    }

    #[on(start)]
    fn start(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.is_leader().map(drop)
    }

    #[on(stop)]
    fn stop(&mut self) -> Result<(), MyError> {
        Ok(())
    }

    #[on(remove)]
    async fn remove(&self) {}
}

fn main() {}
