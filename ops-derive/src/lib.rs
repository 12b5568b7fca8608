//! Procedural macros for Rust Juju charms. Use them through `ops_runtime`, which
//! re-exports them; this crate holds only the entry points, and
//! `ops-derive-core` does the work.

#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// Declares a charm: the `impl` block it annotates holds the handlers, each
/// marked with `#[on(event, ...)]`.
///
/// At compile time the macro reads the charm's metadata and checks every event
/// name against it; an unknown name is an error at that name with the nearest
/// valid one suggested, and every error of the block is reported at once. It then
/// implements `ops_runtime::Charm` for the type: the dispatch table (one entry
/// per handler and event, in declaration order) and the metadata the runtime
/// needs, so no YAML is read when a hook runs. Cargo rebuilds the charm when a
/// metadata file changes.
///
/// # Arguments
///
/// - `metadata = "path"`: the charm's metadata, relative to the crate's
///   `Cargo.toml`: a directory holding `charmcraft.yaml` (and/or the older
///   `metadata.yaml`, `config.yaml`, `actions.yaml`), or one unified file.
///   Absolute paths are refused. Default: the crate's own directory.
/// - `metadata_source = "yaml"`: the metadata inline, as one `charmcraft.yaml`
///   document; for tests and examples. Exclusive with `metadata`.
/// - `crate = path`: where `ops_runtime` is, when the dependency is renamed
///   (`#[charm(crate = ops)]` after `ops = { package = "ops-runtime", ... }`).
/// - `state = "local" | "controller"`: where stored state and deferred events are
///   kept: a file in the charm directory (the default), or Juju's controller
///   (`state-get`/`state-set`).
/// - `components(field: Type, field: Type = "endpoint", ...)`: the charm's
///   fields that are components (the Rust form of an ops charm library), whose
///   custom events handlers name as `#[on(field::event)]`. An interface
///   component (one whose `Component::INTERFACE` is set, such as a database
///   requirer) is bound to one relation endpoint with `= "endpoint"`, and one
///   type may be bound to several endpoints under several fields. The binding
///   is checked at compile time: an unknown endpoint is an error with the
///   nearest name; an endpoint whose interface the component does not speak, or
///   that is on the wrong side (`requires`, `provides`, `peers`), is an error
///   naming both and an endpoint that fits; so are an interface component
///   without an endpoint and an endpoint on another component.
/// - `events(Type, ...)`: the charm's own custom events (`CustomEvent` types),
///   which its handlers emit with `HookContext::emit` and handle with
///   `#[on(self::event)]`, in the same hook.
/// - `debug_log_events`: write ops's DEBUG lines about events ("Emitting Juju event
///   install.", "Re-emitting deferred event ...") to juju-log, for tools such as
///   jhack; off by default, as each line is one more `juju-log` call.
///
/// # Handlers
///
/// Event names are Juju's hook names in snake_case: `install`, `start`,
/// `stop`, `remove`, `config_changed`, `update_status`, `upgrade_charm`,
/// `pre_series_upgrade`, `post_series_upgrade`, `leader_elected`,
/// `leader_settings_changed`, `collect_metrics`, `secret_changed`,
/// `secret_rotate`, `secret_remove`, `secret_expired`; per relation endpoint
/// `<endpoint>_relation_{created,joined,changed,departed,broken}`; per storage
/// `<storage>_storage_{attached,detaching}`; per container
/// `<container>_pebble_{ready,custom_notice,check_failed,check_recovered}`; per
/// action `<action>_action`; and `collect_unit_status` / `collect_app_status`,
/// which run after every hook (the app one on the leader only). Hyphens in
/// metadata names become underscores.
///
/// A handler is a method taking `&mut self` (or `&self`), then in any order
/// `&mut HookContext` and any number of arguments built for the event: its
/// typed event (`RelationChangedEvent` for `*_relation_changed`, ...), a shared
/// view (`RelationEvent`), `Event`, `Config<T>` in any handler, `Params<T>` in
/// the handler of `T`'s action, or `CollectStatus` in collect-status handlers.
/// An argument that does not fit the event is a compile error on that argument
/// that names the argument that fits (the event's own type, `Config<T>` for
/// `ConfigData`). It may be an `async fn`, and returns `()` or a `Result` whose
/// error converts into `CharmError`; `Flow` (or `Result<Flow, E>`) defers the
/// event. An action handler returns `()` or `Result<T, E>` with `T` the
/// action's results; it cannot return `Flow`, since an action is never
/// deferred.
///
/// When some handlers have errors, the others are still dispatched and the
/// metadata's constants (`RELATION_DB`, `CONTAINER_WEB`, ...) still generated,
/// so the errors reported are the ones in the code, not their consequences.
#[proc_macro_attribute]
pub fn charm(args: TokenStream, item: TokenStream) -> TokenStream {
    ops_derive_core::expand_charm(args.into(), item.into()).into()
}

/// Registers a handler for one or more events: `#[on(config_changed)]`,
/// `#[on(start, config_changed)]`. Only valid on a method of a `#[charm]` impl
/// block, which consumes it; anywhere else it is a compile error.
#[proc_macro_attribute]
pub fn on(args: TokenStream, item: TokenStream) -> TokenStream {
    ops_derive_core::expand_on(args.into(), item.into()).into()
}

/// Derives `ops_runtime::CharmConfig`: each field reads one config option,
/// checked against `config.options` in the charm's metadata at compile time.
///
/// A field `log_level` reads the option `log_level` or `log-level`; raw
/// identifiers (`r#type`) read `type`. Field types by option type: `string`:
/// `String` or any `FromStr` type (for an option with an `enum` list, `String`
/// or a `#[derive(CharmEnum)]` enum, checked against the list both ways); `int`: an integer type wide enough for the
/// default, or a `TryFrom<i64>` type; `float`: `f64`/`f32` or `TryFrom<f64>`;
/// `boolean`: `bool` or `TryFrom<bool>`; `secret`: `SecretId`. An option without
/// a default needs an `Option<T>` field; an `Option<T>` field whose option has a
/// default gets a warning. A struct may read a subset of the options. Every
/// mismatch is reported at once, on the field, with a suggestion.
///
/// # Attributes
///
/// - on the struct: `#[config(metadata = "path")]`, `#[config(metadata_source =
///   "yaml")]` and `#[config(crate = path)]`, as for `#[charm]`;
/// - on a field: `#[config(name = "option-name")]` reads another option;
///   `#[config(validate = path::to::check)]` runs `fn(&T) -> Result<(), E:
///   Display>` after conversion, its error becoming the option's reason.
#[proc_macro_derive(CharmConfig, attributes(config))]
pub fn derive_charm_config(input: TokenStream) -> TokenStream {
    ops_derive_core::expand_config_derive(input.into()).into()
}

/// Derives `ops_runtime::CharmAction`: each field reads one parameter of one
/// action, checked against `actions.<name>.params` in the charm's metadata.
///
/// The action is `#[action(name = "...")]`, or the struct's name without a
/// `Params`/`Action` suffix in kebab-case (`GetDbInfoParams` is `get-db-info`).
/// Field types by JSON-schema type: `string`: `String` or a `Deserialize` type
/// (for a param with `enum`, `String` or a `#[derive(CharmEnum)]` enum, whose
/// variants are checked against the list both ways); `integer`: integer types;
/// `number`: `f64`; `boolean`: `bool`; `array`: `Vec<T>`; `object`: a
/// `Deserialize` struct or map. A param that is neither `required` nor defaulted
/// needs an `Option<T>` field; an `Option<T>` field for a `required` param gets a
/// warning. When the action sets `additionalProperties: false`, every `required`
/// param needs a field. Every mismatch is reported at once, on the field.
///
/// # Attributes
///
/// - on the struct: `#[action(name = "...")]`, and `metadata`,
///   `metadata_source`, `crate` as for `#[charm]`;
/// - on a field: `#[param(name = "param-name")]` reads another parameter.
#[proc_macro_derive(CharmAction, attributes(action, param))]
pub fn derive_charm_action(input: TokenStream) -> TokenStream {
    ops_derive_core::expand_action_derive(input.into()).into()
}

/// Derives `ops_runtime::CharmEnum` for an enum of unit variants, one per value
/// a param or option lists under `enum`; `#[derive(CharmAction)]` and
/// `#[derive(CharmConfig)]` check its values against that list at compile time,
/// both ways. It also implements `FromStr`, `serde::Deserialize` and
/// `serde::Serialize` with the same values (so do not derive serde's as well).
///
/// A variant's value is its name in kebab-case (`ReadOnly` is `read-only`).
///
/// # Attributes
///
/// - on the enum: `#[value(rename_all = "...")]` picks another case for every
///   variant (`kebab-case`, `snake_case`, `lowercase`, `UPPERCASE`,
///   `SCREAMING_SNAKE_CASE`, `SCREAMING-KEBAB-CASE`, `camelCase`,
///   `PascalCase`); `#[value(crate = path)]` as for `#[charm]`;
/// - on a variant: `#[value(name = "...")]` sets its value.
#[proc_macro_derive(CharmEnum, attributes(value))]
pub fn derive_charm_enum(input: TokenStream) -> TokenStream {
    ops_derive_core::expand_enum_derive(input.into()).into()
}
