use ops_runtime::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Created {}

impl CustomEvent for Created {
    const NAME: &'static str = "created";
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Gone {}

impl CustomEvent for Gone {
    const NAME: &'static str = "gone";
}

#[derive(Default)]
struct Requirer;

impl Component for Requirer {
    const EVENTS: &'static [&'static str] = &[Created::NAME];

    fn observe(&mut self, _cx: &mut HookContext, _event: &Event, _emit: &mut Emitter) -> Result<(), CharmError> {
        Ok(())
    }
}

#[derive(Default)]
struct Charm {
    db: Requirer,
}

#[charm(components(db: Requirer, db: Requirer), metadata_source = "name: demo")]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
