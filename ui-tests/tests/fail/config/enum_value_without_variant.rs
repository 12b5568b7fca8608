use ops_runtime::*;

#[derive(CharmEnum)]
enum LogLevel {
    Debug,
    Info,
    Verbose,
}

#[derive(CharmConfig)]
#[config(metadata_source = r#"
name: demo
config:
  options:
    log-level:
      type: string
      default: info
      enum: [debug, info, warning]
"#)]
struct Settings {
    log_level: LogLevel,
}

fn main() {}
