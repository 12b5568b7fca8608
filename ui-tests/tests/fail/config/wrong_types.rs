use ops_runtime::*;

#[derive(CharmConfig)]
#[config(metadata_source = r#"
name: demo
config:
  options:
    log-level:
      type: string
      default: info
    port:
      type: int
      default: 8080
    workers:
      type: int
      default: 300
    ratio:
      type: float
      default: 0.5
    debug:
      type: boolean
      default: false
    password:
      type: secret
    motd:
      type: string
"#)]
struct Settings {
    log_level: u16,
    port: String,
    ratio: bool,
    debug: i64,
}

fn main() {}
