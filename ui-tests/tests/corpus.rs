//! The derives against the metadata of real charms.
//!
//! `build.rs` generates, for every charm of the real-charm corpus (the directory named by
//! `OPS_CHARM_CORPUS` at build time) that declares config
//! options or actions, a `#[derive(CharmConfig)]` struct with a field for each option
//! and a `#[derive(CharmAction)]` struct per action with a field for each param. That
//! this file compiles proves the derives accept every real declaration; the tests
//! below prove the generated structs cover the metadata (read again here, with
//! `ops-metadata`) and that every declared default converts to its field's type.
//!
//! The corpus lives outside this repository, so the tests are opt-in:
//! `OPS_CHARM_CORPUS=/abs/dir cargo test -p ui-tests --test corpus -- --ignored`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ops_metadata::{ActionParam, CharmMetadata, ConfigType, ParamType};
use ops_runtime::{CharmAction, CharmConfig, ConfigData, ConfigError, ParamsError, SecretId};
use serde_json::{Map, Value, json};

include!(concat!(env!("OUT_DIR"), "/corpus.rs"));

/// The fields of a generated struct, each by the option or param it reads: `None`
/// for an `Option` field that holds nothing.
pub type Fields = Vec<(&'static str, Option<Value>)>;

/// Reads every field of a generated struct back as JSON.
pub trait Readback {
    /// Every field, in declaration order.
    fn readback(&self) -> Fields;
}

/// A field's value as JSON; `None` for an empty `Option`.
pub trait ToJson {
    /// The value.
    fn to_json(&self) -> Option<Value>;
}

impl ToJson for String {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(self.as_str()))
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(*self))
    }
}

impl ToJson for f64 {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(*self))
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(*self))
    }
}

impl ToJson for () {
    fn to_json(&self) -> Option<Value> {
        Some(Value::Null)
    }
}

impl ToJson for SecretId {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(self.as_str()))
    }
}

impl ToJson for Value {
    fn to_json(&self) -> Option<Value> {
        Some(self.clone())
    }
}

impl ToJson for Vec<Value> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::Array(self.clone()))
    }
}

impl ToJson for Map<String, Value> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::Object(self.clone()))
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Option<Value> {
        self.as_ref().and_then(ToJson::to_json)
    }
}

/// Converts config with a generated struct and reads it back.
pub type ReadConfig = fn(&ConfigData) -> Result<Fields, ConfigError>;

/// Converts action params with a generated struct and reads them back.
pub type ReadParams = fn(&Map<String, Value>) -> Result<Fields, ParamsError>;

/// One charm of the corpus, as generated.
pub struct CorpusCharm {
    /// Its directory in the corpus.
    pub dir: &'static str,
    /// Its config struct; `None` when it declares no options.
    pub config: Option<ConfigCase>,
    /// One struct per action, in the metadata's order.
    pub actions: &'static [ActionCase],
}

/// The config struct of a charm.
pub struct ConfigCase {
    /// The struct's path, for messages.
    pub rust: &'static str,
    /// `from_config`, then `readback`.
    pub read: ReadConfig,
}

/// The struct of one action.
pub struct ActionCase {
    /// `CharmAction::NAME`, as the derive set it.
    pub name: &'static str,
    /// The struct's path, for messages.
    pub rust: &'static str,
    /// `from_params`, then `readback`.
    pub read: ReadParams,
}

/// `T::from_config`, read back.
pub fn read_config<T: CharmConfig + Readback>(config: &ConfigData) -> Result<Fields, ConfigError> {
    T::from_config(config).map(|t| t.readback())
}

/// `T::from_params`, read back.
pub fn read_params<T: CharmAction + Readback>(
    params: &Map<String, Value>,
) -> Result<Fields, ParamsError> {
    T::from_params(params).map(|t| t.readback())
}

/// The corpus this build read: `OPS_CHARM_CORPUS` when `build.rs` ran.
fn corpus_dir() -> PathBuf {
    let dir = env!("OPS_CHARM_CORPUS_DIR");
    assert!(
        !dir.is_empty(),
        "this build read no corpus: build and run with OPS_CHARM_CORPUS=/abs/dir set"
    );
    PathBuf::from(dir)
}

/// Every charm of the corpus, read with `ops-metadata`, by directory name.
fn corpus() -> BTreeMap<String, CharmMetadata> {
    let dir = corpus_dir();
    let mut charms = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let meta = CharmMetadata::load_dir(&path)
            .unwrap_or_else(|e| panic!("cannot read corpus charm `{name}`: {e}"));
        charms.insert(name, meta);
    }
    charms
}

/// The generated charm of directory `dir`.
fn generated(dir: &str) -> &'static CorpusCharm {
    CORPUS
        .iter()
        .find(|c| c.dir == dir)
        .unwrap_or_else(|| panic!("no structs were generated for corpus charm `{dir}`"))
}

/// The generated struct of action `name`.
fn action_case(charm: &CorpusCharm, name: &str) -> &'static ActionCase {
    charm
        .actions
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("charm `{}`: no struct for action `{name}`", charm.dir))
}

/// The charms with config options or actions, with their generated structs.
fn covered() -> Vec<(String, CharmMetadata, &'static CorpusCharm)> {
    corpus()
        .into_iter()
        .filter(|(_, meta)| !meta.config.is_empty() || !meta.actions.is_empty())
        .map(|(dir, meta)| {
            let charm = generated(&dir);
            (dir, meta, charm)
        })
        .collect()
}

/// Whether two JSON values are equal, numbers compared as numbers (`3` is `3.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Checks a readback against the expected values, field by field and in order;
/// returns the differences.
fn compare(what: &str, got: &Fields, expected: &[(String, Option<Value>)]) -> Vec<String> {
    let got_names: Vec<&str> = got.iter().map(|(name, _)| *name).collect();
    let expected_names: Vec<&str> = expected.iter().map(|(name, _)| name.as_str()).collect();
    if got_names != expected_names {
        return vec![format!(
            "{what}: the struct reads {got_names:?}, the metadata declares {expected_names:?}"
        )];
    }
    got.iter()
        .zip(expected)
        .filter(|((_, got), (_, expected))| match (got, expected) {
            (Some(got), Some(expected)) => !same(got, expected),
            (got, expected) => got.is_some() != expected.is_some(),
        })
        .map(|((name, got), (_, expected))| {
            format!("{what}: `{name}` is {got:?}, expected {expected:?}")
        })
        .collect()
}

/// What `config-get` reports when every option has its default.
fn default_config(meta: &CharmMetadata) -> BTreeMap<String, Value> {
    meta.config
        .values()
        .filter_map(|option| {
            let default = option.default.as_ref()?;
            Some((option.name.clone(), serde_json::to_value(default).unwrap()))
        })
        .collect()
}

/// A value a param of this declaration accepts.
fn sample(param: &ActionParam) -> Value {
    if let Some(first) = param.enum_values.as_ref().and_then(|v| v.first()) {
        return first.clone();
    }
    match param.kind.or_else(|| param.types.first().copied()) {
        Some(ParamType::String) | None => json!("corpus"),
        Some(ParamType::Integer) => json!(7),
        Some(ParamType::Number) => json!(2.5),
        Some(ParamType::Boolean) => json!(true),
        Some(ParamType::Array) => json!([]),
        Some(ParamType::Object) => json!({}),
        Some(ParamType::Null) => Value::Null,
    }
}

/// A param that must be given: required and without a default.
fn must_be_given(action: &ops_metadata::Action, param: &ActionParam) -> bool {
    action.required.contains(&param.name) && param.default.is_none()
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn every_option_and_action_of_the_corpus_has_a_struct() {
    let charms = corpus();
    assert!(
        charms.len() >= 30,
        "the corpus at `{}` holds only {} charms",
        corpus_dir().display(),
        charms.len()
    );
    let covered: Vec<&str> = charms
        .iter()
        .filter(|(_, meta)| !meta.config.is_empty() || !meta.actions.is_empty())
        .map(|(dir, _)| dir.as_str())
        .collect();
    let generated: Vec<&str> = CORPUS.iter().map(|c| c.dir).collect();
    assert_eq!(generated, covered);

    let (mut options, mut actions, mut params) = (0, 0, 0);
    let (mut option_defaults, mut param_defaults, mut must_give) = (0, 0, 0);
    for dir in &covered {
        let meta = &charms[*dir];
        let charm = self::generated(dir);
        assert_eq!(
            charm.config.is_some(),
            !meta.config.is_empty(),
            "charm `{dir}`: a config struct exactly when options are declared"
        );
        assert_eq!(
            charm.actions.len(),
            meta.actions.len(),
            "charm `{dir}`: one struct per action"
        );
        options += meta.config.len();
        actions += meta.actions.len();
        option_defaults += meta.config.values().filter(|o| o.default.is_some()).count();
        for action in meta.actions.values() {
            params += action.params.len();
            param_defaults += action
                .params
                .values()
                .filter(|p| p.default.is_some())
                .count();
            must_give += action
                .params
                .values()
                .filter(|p| must_be_given(action, p))
                .count();
        }
    }
    println!(
        "corpus: {} charms, {} with config or actions; {options} options ({option_defaults} \
         with a default), {actions} actions, {params} params ({param_defaults} with a default, \
         {must_give} required without one)",
        charms.len(),
        covered.len()
    );
    assert!(options >= 400 && actions >= 60 && params >= 100);
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn postgresql_config_has_all_173_options() {
    let meta = &corpus()["postgresql"];
    assert_eq!(meta.config.len(), 173);
    let read = generated("postgresql").config.as_ref().unwrap().read;
    let fields = read(&ConfigData::from_json(&default_config(meta))).unwrap();
    assert_eq!(fields.len(), 173);
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn action_structs_are_named_after_their_actions() {
    for (dir, meta, charm) in covered() {
        let names: Vec<&str> = charm.actions.iter().map(|a| a.name).collect();
        let declared: Vec<&str> = meta.actions.keys().map(String::as_str).collect();
        assert_eq!(names, declared, "charm `{dir}`: `CharmAction::NAME`s");
    }
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn every_config_default_converts_to_its_field() {
    let mut problems = Vec::new();
    for (dir, meta, charm) in covered() {
        let Some(config) = &charm.config else {
            continue;
        };
        let what = format!("charm `{dir}`, `{}`", config.rust);
        let input = ConfigData::from_json(&default_config(&meta));
        let fields = match (config.read)(&input) {
            Ok(fields) => fields,
            Err(e) => {
                problems.push(format!("{what}: the defaults do not convert: {e}"));
                continue;
            }
        };
        let expected: Vec<(String, Option<Value>)> = meta
            .config
            .values()
            .map(|option| {
                let value = option.default.as_ref().map(|d| match option.kind {
                    // An `int` default of a `float` option is read as a float.
                    ConfigType::Float => json!(d.as_f64()),
                    _ => serde_json::to_value(d).unwrap(),
                });
                (option.name.clone(), value)
            })
            .collect();
        problems.extend(compare(&what, &fields, &expected));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn unset_options_fail_exactly_when_they_have_a_default() {
    let mut problems = Vec::new();
    for (dir, meta, charm) in covered() {
        let Some(config) = &charm.config else {
            continue;
        };
        let mut defaulted: Vec<&str> = meta
            .config
            .values()
            .filter(|o| o.default.is_some())
            .map(|o| o.name.as_str())
            .collect();
        defaulted.sort_unstable();
        match (config.read)(&ConfigData::default()) {
            Ok(fields) if defaulted.is_empty() => {
                if let Some((name, _)) = fields.iter().find(|(_, v)| v.is_some()) {
                    problems.push(format!("charm `{dir}`: unset option `{name}` has a value"));
                }
            }
            Ok(_) => problems.push(format!(
                "charm `{dir}`: an empty config converted, though {defaulted:?} have defaults"
            )),
            Err(e) => {
                let mut failed: Vec<&str> = e.0.iter().map(|o| o.option.as_str()).collect();
                failed.sort_unstable();
                if failed != defaulted {
                    problems.push(format!(
                        "charm `{dir}`: an empty config fails for {failed:?}, expected {defaulted:?}"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Runs every action of the corpus with params built by `input` (given the action and
/// the values of its params that must be given) and checks the readback.
fn check_actions(
    input: impl Fn(&ops_metadata::Action, &Map<String, Value>) -> Map<String, Value>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (dir, meta, charm) in covered() {
        for action in meta.actions.values() {
            let case = action_case(charm, &action.name);
            let what = format!("charm `{dir}`, action `{}`, `{}`", action.name, case.rust);
            let given: Map<String, Value> = action
                .params
                .values()
                .filter(|p| must_be_given(action, p))
                .map(|p| (p.name.clone(), sample(p)))
                .collect();
            let fields = match (case.read)(&input(action, &given)) {
                Ok(fields) => fields,
                Err(e) => {
                    problems.push(format!("{what}: {e}"));
                    continue;
                }
            };
            let expected: Vec<(String, Option<Value>)> = action
                .params
                .values()
                .map(|p| {
                    let value = given.get(&p.name).or(p.default.as_ref()).cloned();
                    (p.name.clone(), value)
                })
                .collect();
            problems.extend(compare(&what, &fields, &expected));
        }
    }
    problems
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn every_param_default_converts_when_given() {
    let problems = check_actions(|action, given| {
        let mut params = given.clone();
        for param in action.params.values() {
            if let Some(default) = &param.default {
                params.insert(param.name.clone(), default.clone());
            }
        }
        params
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn every_param_default_fills_in_an_absent_param() {
    let problems = check_actions(|_, given| given.clone());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn absent_params_fail_exactly_when_they_must_be_given() {
    let mut problems = Vec::new();
    for (dir, meta, charm) in covered() {
        for action in meta.actions.values() {
            let case = action_case(charm, &action.name);
            let mut needed: Vec<&str> = action
                .params
                .values()
                .filter(|p| must_be_given(action, p))
                .map(|p| p.name.as_str())
                .collect();
            needed.sort_unstable();
            let what = format!("charm `{dir}`, action `{}`", action.name);
            match ((case.read)(&Map::new()), needed.is_empty()) {
                (Ok(_), true) => {}
                (Ok(_), false) => {
                    problems.push(format!("{what}: converted without {needed:?}"));
                }
                (Err(ParamsError::Invalid(invalid)), _) => {
                    let mut failed: Vec<&str> = invalid.iter().map(|p| p.param.as_str()).collect();
                    failed.sort_unstable();
                    if failed != needed {
                        problems.push(format!(
                            "{what}: without params, fails for {failed:?}, expected {needed:?}"
                        ));
                    }
                }
                (Err(e), _) => problems.push(format!("{what}: {e}")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
