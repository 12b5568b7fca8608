//! A charm whose metadata is in the older split layout, found with
//! `#[charm(metadata = "dir")]`, with an `async fn` handler.

use ops_runtime::testing::{Action, Context, State};
use ops_runtime::*;

#[derive(Default)]
struct Split;

#[charm(metadata = "tests/fixtures/split")]
impl Split {
    #[on(config_changed)]
    async fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let level = cx
            .config()?
            .get_str("log-level")
            .unwrap_or_default()
            .to_owned();
        // Anything awaited runs on the hook's current-thread runtime.
        let level = async { level.to_uppercase() }.await;
        cx.set_unit_status(Status::active(format!("logging at {level}")))?;
        Ok(())
    }

    #[on(rotate_logs_action)]
    fn rotate(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.action_set(&serde_json::json!({"rotated": 3}))
    }

    #[on(replicas_relation_joined)]
    fn joined(&mut self, event: RelationJoinedEvent) {
        log::info!("{} joined", event.unit);
    }
}

#[test]
fn split_files_are_merged_and_their_defaults_apply() {
    let mut ctx = Context::<Split>::new();
    assert_eq!(ctx.metadata().name, "split-charm");
    let out = ctx.run(Event::ConfigChanged, State::new()).unwrap();
    assert_eq!(out.unit_status, Status::active("logging at INFO"));
    let out = ctx
        .run_action(Action::new("rotate-logs"), State::new())
        .unwrap();
    assert_eq!(out.results["rotated"], "3");
}

#[test]
fn compiled_in_metadata_names_every_entity() {
    let meta = <Split as Charm>::META;
    assert_eq!(meta.name, "split-charm");
    assert_eq!(meta.relations, ["replicas"]);
    assert_eq!(meta.actions, ["rotate-logs"]);
    let kinds: Vec<_> = <Split as Charm>::metadata_sources()
        .iter()
        .map(|s| s.kind)
        .collect();
    assert_eq!(kinds, ["metadata", "config", "actions"]);
}
