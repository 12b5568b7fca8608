use ops_runtime::*;

#[derive(CharmEnum, Debug, PartialEq)]
enum PoolType {
    Replicated,
    Erasure,
}

#[derive(CharmEnum, Debug, PartialEq)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
enum Level {
    Debug,
    #[value(name = "INFO")]
    Information,
}

#[derive(CharmAction)]
#[action(metadata_source = r#"
name: demo
actions:
  create-pool:
    params:
      pool-type:
        type: string
        enum: [erasure, replicated]
    required: [pool-type]
"#)]
struct CreatePoolParams {
    pool_type: PoolType,
}

#[derive(CharmConfig)]
#[config(metadata_source = r#"
name: demo
config:
  options:
    level:
      type: string
      default: INFO
      enum: [DEBUG, INFO]
"#)]
struct Settings {
    level: Level,
}

#[derive(CharmConfig)]
#[config(metadata_source = r#"
name: demo
config:
  options:
    mode:
      type: string
      default: fast
      enum: [fast, safe]
"#)]
struct Plain {
    mode: String,
}

fn main() {
    let mut params = serde_json::Map::new();
    params.insert("pool-type".into(), "erasure".into());
    let parsed = CreatePoolParams::from_params(&params).expect("converts");
    assert_eq!(parsed.pool_type, PoolType::Erasure);
    assert_eq!("INFO".parse::<Level>(), Ok(Level::Information));
    assert_eq!(
        "verbose".parse::<Level>().unwrap_err().to_string(),
        "expected one of `DEBUG`, `INFO`"
    );
    params.insert("pool-type".into(), "tiered".into());
    let Err(error) = CreatePoolParams::from_params(&params) else {
        panic!("`tiered` is not a value of `pool-type`");
    };
    let error = error.to_string();
    assert!(!error.contains("tiered"), "{error}");
    let _ = Settings::from_config;

    // Juju does not enforce a config option's `enum`: a `String` field checks it.
    let config = |mode: &str| {
        let json = [("mode".to_owned(), serde_json::Value::from(mode))].into();
        Plain::from_config(&ConfigData::from_json(&json))
    };
    assert_eq!(config("safe").map(|c| c.mode).ok().as_deref(), Some("safe"));
    let Err(error) = config("reckless") else {
        panic!("`reckless` is not a value of `mode`");
    };
    let error = error.to_string();
    assert!(error.contains("expected one of `fast`, `safe`"), "{error}");
}
