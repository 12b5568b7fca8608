use ops_runtime::charm;


struct Charm;

#[charm(metadata_source = "name: demo")]
impl Default for Charm {
    fn default() -> Self {
        Charm
    }
}

fn main() {}
