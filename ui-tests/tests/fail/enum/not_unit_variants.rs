use ops_runtime::*;

#[derive(CharmEnum)]
#[value(rename_all = "snake-case")]
enum Mode {
    Writeback,
    #[value(name = "writeback")]
    ReadOnly,
    Custom(String),
}

#[derive(CharmEnum)]
struct NotAnEnum;

fn main() {}
