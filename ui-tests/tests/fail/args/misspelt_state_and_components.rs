use ops_runtime::*;

struct Stored;

#[charm(stat = "controller")]
impl Stored {
    #[on(install)]
    fn install(&mut self) {}
}

struct Composed;

#[charm(component(web: WebComponent))]
impl Composed {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
