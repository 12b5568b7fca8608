use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo")]
impl Charm {
    #[on(web_pebble_ready)]
    fn ready(&mut self) {}
}

fn main() {}
