use ops_runtime::charm;

struct Charm<T>(T);

#[charm(metadata_source = "name: demo")]
impl<T> Charm<T> {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
