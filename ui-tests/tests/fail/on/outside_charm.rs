use ops_runtime::on;

struct Charm;

impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
