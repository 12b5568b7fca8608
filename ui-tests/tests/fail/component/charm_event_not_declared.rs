use ops_runtime::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct RestartNeeded {}

impl CustomEvent for RestartNeeded {
    const NAME: &'static str = "restart_needed";
}

#[derive(Default)]
struct Charm;

#[charm(events(RestartNeeded), metadata_source = "name: demo")]
impl Charm {
    #[on(self::restarted)]
    fn restarted(&mut self) {}
}

fn main() {}
