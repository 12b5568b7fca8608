use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo")]
impl Charm {
    #[on(update_status(except(stop)))]
    fn update(&mut self) {}

    #[on(reconcile(except(collect_unit_status, sotp)))]
    fn reconcile(&mut self) {}
}

fn main() {}
