//! Checks of the user's handlers against the charm's metadata.

use ops_metadata::CharmMetadata;

use crate::ast::{Arg, CharmImpl, Handler};
use crate::diag::{self, Errors};

/// An event resolved against the metadata: its kind (the name of an `EventKind`
/// variant and of a marker in `kinds`) and the entity it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedEvent {
    /// The name as written in `#[on(...)]`.
    pub(crate) hook: String,
    pub(crate) kind: &'static str,
    pub(crate) entity: Option<String>,
    /// For a reconcile handler, the events it skips.
    pub(crate) except: Vec<ResolvedEvent>,
}

/// Events whose name is fixed.
const FIXED: &[(&str, &str)] = &[
    ("install", "Install"),
    ("start", "Start"),
    ("stop", "Stop"),
    ("remove", "Remove"),
    ("config_changed", "ConfigChanged"),
    ("update_status", "UpdateStatus"),
    ("upgrade_charm", "UpgradeCharm"),
    ("pre_series_upgrade", "PreSeriesUpgrade"),
    ("post_series_upgrade", "PostSeriesUpgrade"),
    ("leader_elected", "LeaderElected"),
    ("leader_settings_changed", "LeaderSettingsChanged"),
    ("collect_metrics", "CollectMetrics"),
    ("secret_changed", "SecretChanged"),
    ("secret_rotate", "SecretRotate"),
    ("secret_remove", "SecretRemove"),
    ("secret_expired", "SecretExpired"),
    ("collect_app_status", "CollectAppStatus"),
    ("collect_unit_status", "CollectUnitStatus"),
    ("reconcile", "Reconcile"),
];

/// The metadata entities that prefix event names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Relation,
    Storage,
    Container,
    Action,
}

impl Entity {
    fn what(self) -> &'static str {
        match self {
            Entity::Relation => "relation endpoint",
            Entity::Storage => "storage",
            Entity::Container => "container",
            Entity::Action => "action",
        }
    }

    fn where_declared(self) -> &'static str {
        match self {
            Entity::Relation => "`requires`, `provides` or `peers`",
            Entity::Storage => "`storage`",
            Entity::Container => "`containers`",
            Entity::Action => "`actions`",
        }
    }

    fn names(self, meta: &CharmMetadata) -> Vec<String> {
        match self {
            Entity::Relation => meta.relations().map(|r| r.name.clone()).collect(),
            Entity::Storage => meta.storage.keys().cloned().collect(),
            Entity::Container => meta.containers.keys().cloned().collect(),
            Entity::Action => meta.actions.keys().cloned().collect(),
        }
    }
}

/// Per-entity events: the name's suffix, the kind, the entity.
const PREFIXED: &[(&str, &str, Entity)] = &[
    ("relation_created", "RelationCreated", Entity::Relation),
    ("relation_joined", "RelationJoined", Entity::Relation),
    ("relation_changed", "RelationChanged", Entity::Relation),
    ("relation_departed", "RelationDeparted", Entity::Relation),
    ("relation_broken", "RelationBroken", Entity::Relation),
    ("storage_attached", "StorageAttached", Entity::Storage),
    ("storage_detaching", "StorageDetaching", Entity::Storage),
    ("pebble_ready", "PebbleReady", Entity::Container),
    (
        "pebble_custom_notice",
        "PebbleCustomNotice",
        Entity::Container,
    ),
    (
        "pebble_check_failed",
        "PebbleCheckFailed",
        Entity::Container,
    ),
    (
        "pebble_check_recovered",
        "PebbleCheckRecovered",
        Entity::Container,
    ),
    ("action", "Action", Entity::Action),
];

/// Every event name valid for this metadata, for suggestions.
fn catalogue(meta: &CharmMetadata) -> Vec<String> {
    let mut names: Vec<String> = FIXED.iter().map(|(n, _)| (*n).to_owned()).collect();
    for (suffix, _, entity) in PREFIXED {
        for name in entity.names(meta) {
            names.push(format!("{}_{suffix}", diag::to_snake(&name)));
        }
    }
    names
}

/// Resolves one event name; `Err` carries the message for the name's span.
fn resolve(name: &str, meta: &CharmMetadata) -> Result<ResolvedEvent, String> {
    if let Some((_, kind)) = FIXED.iter().find(|(n, _)| *n == name) {
        return Ok(ResolvedEvent {
            hook: name.to_owned(),
            kind,
            entity: None,
            except: Vec::new(),
        });
    }
    let mut first_miss = None;
    for (suffix, kind, entity) in PREFIXED {
        let Some(prefix) = name
            .strip_suffix(suffix)
            .and_then(|p| p.strip_suffix('_'))
            .filter(|p| !p.is_empty())
        else {
            continue;
        };
        let names = entity.names(meta);
        if let Some(found) = names.iter().find(|n| diag::to_snake(n) == prefix) {
            return Ok(ResolvedEvent {
                hook: name.to_owned(),
                kind,
                entity: Some(found.clone()),
                except: Vec::new(),
            });
        }
        first_miss.get_or_insert((prefix, *entity, names));
    }
    if let Some((prefix, entity, names)) = first_miss {
        let what = entity.what();
        return Err(if names.is_empty() {
            format!(
                "unknown {what} `{prefix}` in `{name}`: the charm declares no {what}; add `{}` under {} in charmcraft.yaml",
                prefix.replace('_', "-"),
                entity.where_declared()
            )
        } else {
            let hint = diag::suggestion(prefix, &names);
            let hint = if hint.is_empty() {
                format!(
                    "; declare `{}` under {} in charmcraft.yaml",
                    prefix.replace('_', "-"),
                    entity.where_declared()
                )
            } else {
                hint
            };
            format!("unknown {what} `{prefix}` in `{name}`{hint}")
        });
    }
    if let Some(message) = bare_or_aliased(name, meta) {
        return Err(message);
    }
    let hint = match diag::did_you_mean(name, catalogue(meta).iter().map(String::as_str)) {
        Some(best) => format!("; did you mean `{best}`?"),
        None => "; events are Juju's hook names in snake_case, such as `config_changed`, `<endpoint>_relation_changed`, `<container>_pebble_ready` or `<action>_action`".to_owned(),
    };
    Err(format!("unknown event `{name}`{hint}"))
}

/// Names that charm authors reach for but that name no single event, each with the
/// events it could mean: ops has no `collect_status` event, only one per status.
const ALIASES: &[(&str, &[&str])] = &[
    (
        "collect_status",
        &["collect_unit_status", "collect_app_status"],
    ),
    (
        "leader_changed",
        &["leader_elected", "leader_settings_changed"],
    ),
];

/// The message for a per-entity event named without its entity (`relation_changed`,
/// `pebble_ready`: the declared ones are listed), or for one of the [`ALIASES`].
fn bare_or_aliased(name: &str, meta: &CharmMetadata) -> Option<String> {
    let quoted = |names: &[String]| {
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        }
    };
    if let Some((_, events)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
        let events: Vec<String> = events.iter().map(|e| (*e).to_owned()).collect();
        return Some(format!(
            "unknown event `{name}`; did you mean {}?",
            quoted(&events)
        ));
    }
    let (suffix, _, entity) = PREFIXED.iter().find(|(suffix, _, _)| *suffix == name)?;
    let what = entity.what();
    let events: Vec<String> = entity
        .names(meta)
        .iter()
        .map(|n| format!("{}_{suffix}", diag::to_snake(n)))
        .collect();
    Some(if events.is_empty() {
        format!(
            "`{name}` needs the {what} it is for, as in `<{}>_{suffix}`, and the charm declares \
             no {what}; add one under {} in charmcraft.yaml",
            what.replace(' ', "_"),
            entity.where_declared()
        )
    } else {
        format!(
            "`{name}` needs the {what} it is for; did you mean {}?",
            quoted(&events)
        )
    })
}

/// Resolves `component::event` against the declared components.
fn resolve_custom(
    name: &str,
    components: &[(syn::Ident, syn::Type)],
) -> Result<ResolvedEvent, String> {
    let (component, event) = name.split_once("::").unwrap_or((name, ""));
    let fields: Vec<String> = components.iter().map(|(f, _)| f.to_string()).collect();
    if !fields.iter().any(|f| f == component) {
        let hint = diag::suggestion(component, &fields);
        let hint = if hint.is_empty() {
            format!("; declare it with `#[charm(components({component}: ComponentType))]`")
        } else {
            hint
        };
        return Err(format!("unknown component `{component}` in `{name}`{hint}"));
    }
    Ok(ResolvedEvent {
        hook: name.to_owned(),
        kind: "Custom",
        entity: Some(format!("{component}::{event}")),
        except: Vec::new(),
    })
}

/// Resolves every handler's events, in handler order; reports each unknown name
/// at its span, and checks each handler's arguments and return type against its
/// events. `None` for a handler with an error, which gets no dispatch entry.
pub(crate) fn check_events(
    charm: &CharmImpl,
    meta: &CharmMetadata,
    components: &[(syn::Ident, syn::Type)],
    errors: &mut Errors,
) -> Vec<Option<Vec<ResolvedEvent>>> {
    charm
        .handlers
        .iter()
        .map(|handler| {
            let before = errors.len();
            let mut resolved: Vec<ResolvedEvent> = Vec::new();
            for event in &handler.events {
                let result = if event.name.contains("::") {
                    resolve_custom(&event.name, components)
                } else {
                    resolve(&event.name, meta)
                };
                match result {
                    Ok(r) if resolved.contains(&r) => {
                        errors.error(event.span, format!("`{}` is listed twice", event.name));
                    }
                    Ok(mut r) => {
                        for skipped in &event.except {
                            match resolve(&skipped.name, meta) {
                                Ok(s) if matches!(s.kind, "Reconcile" | "CollectAppStatus" | "CollectUnitStatus" | "Action") => {
                                    errors.error(
                                        skipped.span,
                                        format!("reconcile never runs for `{}`: there is nothing to skip", skipped.name),
                                    );
                                }
                                Ok(s) => r.except.push(s),
                                Err(message) => errors.error(skipped.span, message),
                            }
                        }
                        resolved.push(r);
                    }
                    Err(message) => errors.error(event.span, message),
                }
            }
            check_args(handler, &resolved, errors);
            check_flow_return(handler, &resolved, errors);
            (errors.len() == before).then_some(resolved)
        })
        .collect()
}

/// The argument types the runtime supplies for some events only, by the last
/// segment of their path, with the event kinds each fits.
const EVENT_ARGS: &[(&str, &[&str])] = &[
    ("RelationCreatedEvent", &["RelationCreated"]),
    ("RelationJoinedEvent", &["RelationJoined"]),
    ("RelationChangedEvent", &["RelationChanged"]),
    ("RelationDepartedEvent", &["RelationDeparted"]),
    ("RelationBrokenEvent", &["RelationBroken"]),
    ("StorageEvent", &["StorageAttached", "StorageDetaching"]),
    ("PebbleReadyEvent", &["PebbleReady"]),
    ("PebbleCustomNoticeEvent", &["PebbleCustomNotice"]),
    ("PebbleCheckFailedEvent", &["PebbleCheckFailed"]),
    ("PebbleCheckRecoveredEvent", &["PebbleCheckRecovered"]),
    ("SecretChangedEvent", &["SecretChanged"]),
    ("SecretRotateEvent", &["SecretRotate"]),
    ("SecretRemoveEvent", &["SecretRemove"]),
    ("SecretExpiredEvent", &["SecretExpired"]),
    ("ActionEvent", &["Action"]),
    (
        "RelationEvent",
        &[
            "RelationCreated",
            "RelationJoined",
            "RelationChanged",
            "RelationDeparted",
            "RelationBroken",
        ],
    ),
    ("CollectStatus", &["CollectAppStatus", "CollectUnitStatus"]),
    ("Params", &["Action"]),
    ("Custom", &["Custom"]),
];

/// The argument that is the event itself, for a kind that has one.
fn own_arg(kind: &str) -> Option<String> {
    Some(match kind {
        "StorageAttached" | "StorageDetaching" => "StorageEvent".to_owned(),
        "Action" => "ActionEvent".to_owned(),
        "CollectAppStatus" | "CollectUnitStatus" => "CollectStatus".to_owned(),
        "Custom" => "Custom<T>".to_owned(),
        "Reconcile" => return None,
        k if k.starts_with("Relation") || k.starts_with("Pebble") || k.starts_with("Secret") => {
            format!("{k}Event")
        }
        _ => return None,
    })
}

/// The argument that is the event for every one of `events`: the event's own
/// type, `RelationEvent` for relation events of several kinds, or none.
fn common_arg(events: &[ResolvedEvent]) -> Option<String> {
    let first = own_arg(events.first()?.kind)?;
    if events
        .iter()
        .all(|e| own_arg(e.kind).as_ref() == Some(&first))
    {
        return Some(first);
    }
    events
        .iter()
        .all(|e| e.kind.starts_with("Relation"))
        .then(|| "RelationEvent".to_owned())
}

/// The events of `kinds`, as the user names them in `#[on(...)]`.
fn hook_patterns(kinds: &[&str]) -> String {
    let names: Vec<String> = kinds
        .iter()
        .filter_map(|kind| {
            if let Some((name, _)) = FIXED.iter().find(|(_, k)| k == kind) {
                return Some(format!("`{name}`"));
            }
            if *kind == "Custom" {
                return Some("`<component>::<event>`".to_owned());
            }
            let (suffix, _, entity) = PREFIXED.iter().find(|(_, k, _)| k == kind)?;
            Some(format!(
                "`<{}>_{suffix}`",
                entity.what().rsplit(' ').next().unwrap_or_default()
            ))
        })
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The last segment of a type's path: `RelationChangedEvent` for
/// `ops_runtime::RelationChangedEvent`, `Params` for `Params<T>`.
fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        syn::Type::Paren(p) => last_segment(&p.elem),
        syn::Type::Group(g) => last_segment(&g.elem),
        _ => None,
    }
}

/// Checks each argument whose type the macro recognises against the handler's
/// events: an event type of another event, an extractor of other events
/// (`Params<T>` outside an action, `CollectStatus` outside collect-status), and
/// `ConfigData`, which is no argument. Each is reported at the argument's type
/// with the argument that fits; other types are checked by the compiler
/// through `FromHookContext`.
fn check_args(handler: &Handler, events: &[ResolvedEvent], errors: &mut Errors) {
    for arg in &handler.args {
        let Arg::Extract(ty) = arg else { continue };
        let Some(segment) = last_segment(ty) else {
            continue;
        };
        let name = segment.ident.to_string();
        if name == "ConfigData" {
            errors.spanned(
                ty,
                "`ConfigData` is not a handler argument; take `Config<T>` with `T` a \
                 `#[derive(CharmConfig)]` struct, or read the untyped values with `cx.config()`",
            );
            continue;
        }
        let Some((_, fits)) = EVENT_ARGS.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let Some(event) = events.iter().find(|e| !fits.contains(&e.kind)) else {
            continue;
        };
        let hook = &event.hook;
        let written = if segment.arguments.is_empty() {
            name.clone()
        } else {
            format!("{name}<T>")
        };
        let take_own = match common_arg(events) {
            Some(own) if events.len() > 1 => {
                format!("take `{own}`, which every event of this handler gives")
            }
            Some(own) => format!("take `{own}`"),
            None if events.len() > 1 => {
                let hooks: Vec<String> = events.iter().map(|e| format!("`{}`", e.hook)).collect();
                format!(
                    "this handler's events ({}) share no typed event: take `Event`",
                    hooks.join(", ")
                )
            }
            None => format!(
                "`{hook}` has no typed event of its own: take `Event`, or no event argument"
            ),
        };
        let message = match name.as_str() {
            "Params" => format!(
                "`Params<T>` is an action's params, which only the action's `<action>_action` \
                 handler takes, not `{hook}`; move it to that handler (configuration is `Config<T>`)"
            ),
            "CollectStatus" => format!(
                "`CollectStatus` is taken by {} handlers only, not `{hook}`; add statuses in \
                 one of those",
                hook_patterns(fits)
            ),
            "Custom" => format!(
                "`Custom<T>` is a component event's payload, which only a `<component>::<event>` \
                 handler takes, not `{hook}`; {take_own}"
            ),
            "RelationEvent" => format!(
                "`RelationEvent` is the view shared by relation events, and `{hook}` is not \
                 one; {take_own}"
            ),
            _ => format!(
                "`{written}` is the event of {}, not of `{hook}`; {take_own}",
                hook_patterns(fits)
            ),
        };
        errors.spanned(ty, message);
    }
}

/// A handler that returns `Flow` (or `Result<Flow, _>`) for an action is
/// reported at `Flow`: an action's return value is its results, and an action
/// is never deferred. (Other events that cannot be deferred, such as `stop`,
/// may share a handler with one that can, so their `Flow::Defer` is refused at
/// run time.)
fn check_flow_return(handler: &Handler, events: &[ResolvedEvent], errors: &mut Errors) {
    let Some(output) = &handler.output else {
        return;
    };
    let flow = match last_segment(output) {
        Some(s) if s.ident == "Flow" => Some(output),
        Some(s) if s.ident == "Result" => match &s.arguments {
            syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                Some(syn::GenericArgument::Type(ok))
                    if last_segment(ok).is_some_and(|s| s.ident == "Flow") =>
                {
                    Some(ok)
                }
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    let Some(flow) = flow else { return };
    if let Some(action) = events.iter().find(|e| e.kind == "Action") {
        errors.spanned(
            flow,
            format!(
                "an action cannot be deferred: `{}` runs once, when the user runs the action; \
                 return `()`, `Result<(), E>`, or `Result<T, E>` with `T` the action's results \
                 (a `Serialize` struct or map)",
                action.hook
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> CharmMetadata {
        CharmMetadata::from_yaml_str(
            "charmcraft.yaml",
            "name: demo\nrequires:\n  my-db:\n    interface: pg\npeers:\n  cluster:\n    interface: c\ncontainers:\n  web:\n    resource: img\nresources:\n  img:\n    type: oci-image\nstorage:\n  data:\n    type: filesystem\nactions:\n  do-backup: {}\n",
        )
        .expect("valid metadata")
    }

    #[test]
    fn resolves_every_form() {
        let m = meta();
        let r = |n: &str| resolve(n, &m);
        assert_eq!(r("config_changed").unwrap().kind, "ConfigChanged");
        let db = r("my_db_relation_changed").unwrap();
        assert_eq!(
            (db.kind, db.entity.as_deref()),
            ("RelationChanged", Some("my-db"))
        );
        assert_eq!(
            r("cluster_relation_broken").unwrap().entity.as_deref(),
            Some("cluster")
        );
        assert_eq!(
            r("web_pebble_check_failed").unwrap().kind,
            "PebbleCheckFailed"
        );
        assert_eq!(
            r("data_storage_detaching").unwrap().kind,
            "StorageDetaching"
        );
        assert_eq!(
            r("do_backup_action").unwrap().entity.as_deref(),
            Some("do-backup")
        );
        assert_eq!(r("collect_unit_status").unwrap().kind, "CollectUnitStatus");
    }

    #[test]
    fn names_of_no_single_event_list_what_they_could_mean() {
        let meta = CharmMetadata::from_yaml_str(
            "charmcraft.yaml",
            "name: demo\nrequires:\n  db: {interface: pgsql}\npeers:\n  cluster: {interface: c}\n",
        )
        .expect("valid metadata");
        assert_eq!(
            bare_or_aliased("collect_status", &meta).as_deref(),
            Some(
                "unknown event `collect_status`; did you mean `collect_unit_status` or `collect_app_status`?"
            )
        );
        assert_eq!(
            bare_or_aliased("relation_changed", &meta).as_deref(),
            Some(
                "`relation_changed` needs the relation endpoint it is for; did you mean `db_relation_changed` or `cluster_relation_changed`?"
            )
        );
        assert_eq!(
            bare_or_aliased("pebble_ready", &meta).as_deref(),
            Some(
                "`pebble_ready` needs the container it is for, as in `<container>_pebble_ready`, and the charm declares no container; add one under `containers` in charmcraft.yaml"
            )
        );
        assert_eq!(bare_or_aliased("config_chnged", &meta), None);
    }

    /// The messages `check_events` reports for `item`, in order.
    fn errors_for(item: syn::ItemImpl) -> Vec<String> {
        let mut errors = Errors::default();
        let charm = CharmImpl::from_syn(item, &mut errors);
        check_events(&charm, &meta(), &[], &mut errors);
        errors.messages()
    }

    #[test]
    fn an_event_type_of_another_event_names_the_one_that_fits() {
        let errors = errors_for(syn::parse_quote! {
            impl Demo {
                #[on(my_db_relation_joined)]
                fn joined(&mut self, event: ops_runtime::RelationChangedEvent) {}
                #[on(install)]
                fn install(&mut self, event: RelationChangedEvent) {}
                #[on(my_db_relation_changed, my_db_relation_joined)]
                fn either(&mut self, event: RelationEvent, config: Config<Settings>) {}
                #[on(my_db_relation_changed, my_db_relation_joined)]
                fn both(&mut self, event: RelationChangedEvent) {}
                #[on(install, start)]
                fn up(&mut self, event: RelationChangedEvent) {}
            }
        });
        assert_eq!(
            errors,
            [
                "`RelationChangedEvent` is the event of `<endpoint>_relation_changed`, not of \
                 `my_db_relation_joined`; take `RelationJoinedEvent`",
                "`RelationChangedEvent` is the event of `<endpoint>_relation_changed`, not of \
                 `install`; `install` has no typed event of its own: take `Event`, or no event \
                 argument",
                "`RelationChangedEvent` is the event of `<endpoint>_relation_changed`, not of \
                 `my_db_relation_joined`; take `RelationEvent`, which every event of this \
                 handler gives",
                "`RelationChangedEvent` is the event of `<endpoint>_relation_changed`, not of \
                 `install`; this handler's events (`install`, `start`) share no typed event: \
                 take `Event`",
            ]
        );
    }

    #[test]
    fn an_action_handler_cannot_return_flow() {
        let errors = errors_for(syn::parse_quote! {
            impl Demo {
                #[on(do_backup_action)]
                fn backup(&mut self) -> Result<Flow, CharmError> { Ok(Flow::Done) }
                #[on(config_changed)]
                fn configure(&mut self) -> Result<Flow, CharmError> { Ok(Flow::Defer) }
            }
        });
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("an action cannot be deferred: `do_backup_action` runs once")
        );
    }

    #[test]
    fn suggests_the_nearest_name() {
        let m = meta();
        assert_eq!(
            resolve("config_chnged", &m).unwrap_err(),
            "unknown event `config_chnged`; did you mean `config_changed`?"
        );
        assert_eq!(
            resolve("my_dbb_relation_changed", &m).unwrap_err(),
            "unknown relation endpoint `my_dbb` in `my_dbb_relation_changed`; did you mean `my-db`?"
        );
        assert_eq!(
            resolve("db_storage_attached", &m).unwrap_err(),
            "unknown storage `db` in `db_storage_attached`; expected `data`"
        );
        let none = CharmMetadata::from_yaml_str("charmcraft.yaml", "name: x\n").unwrap();
        assert_eq!(
            resolve("web_pebble_ready", &none).unwrap_err(),
            "unknown container `web` in `web_pebble_ready`: the charm declares no container; add `web` under `containers` in charmcraft.yaml"
        );
    }
}
