//! Attribute and argument names the macros recognise.

/// `#[charm(metadata = "...")]`
pub(crate) const METADATA: &str = "metadata";
/// `#[charm(metadata_source = "...")]`
pub(crate) const METADATA_SOURCE: &str = "metadata_source";
/// `#[charm(crate = path)]`
pub(crate) const CRATE: &str = "crate";
/// `#[on(...)]`
pub(crate) const ON: &str = "on";
/// The context type a handler takes as `&mut HookContext`.
pub(crate) const HOOK_CONTEXT: &str = "HookContext";
/// `#[charm(state = "...")]`
pub(crate) const STATE: &str = "state";
/// `#[charm(components(...))]`
pub(crate) const COMPONENTS: &str = "components";
/// `#[charm(events(...))]`
pub(crate) const EVENTS: &str = "events";
/// `#[charm(debug_log_events)]`
pub(crate) const DEBUG_LOG_EVENTS: &str = "debug_log_events";

/// Every argument `#[charm(...)]` takes, which a misspelt one is matched
/// against: `CharmArgs::parse` accepts exactly these (a test there checks).
pub(crate) const CHARM_ARGS: &[&str] = &[
    METADATA,
    METADATA_SOURCE,
    CRATE,
    STATE,
    COMPONENTS,
    EVENTS,
    DEBUG_LOG_EVENTS,
];
