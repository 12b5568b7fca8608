use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = r#"
name: demo
"#)]
impl Charm {
    // ops has no `collect_status` event: one per status, unit and application.
    #[on(collect_status)]
    fn status(&mut self, status: CollectStatus) {
        status.add(Status::active(""));
    }
}

fn main() {}
