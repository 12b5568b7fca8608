use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm()]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
