//! Checks of the user's handlers against the charm's metadata.

use ops_events::{EntityKind, EventKind, Naming};
use ops_metadata::CharmMetadata;

use crate::ast::{Arg, CharmImpl, Handler};
use crate::attr::CharmArgs;
use crate::diag::{self, Errors};

/// An event resolved against the metadata: its kind and the entity it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedEvent {
    /// The name as written in `#[on(...)]`.
    pub(crate) hook: String,
    pub(crate) kind: EventKind,
    pub(crate) entity: Option<String>,
    /// For a reconcile handler, the events it skips.
    pub(crate) except: Vec<ResolvedEvent>,
}

/// Where the metadata declares an entity, for messages.
fn where_declared(entity: EntityKind) -> &'static str {
    match entity {
        EntityKind::Relation => "`requires`, `provides` or `peers`",
        EntityKind::Storage => "`storage`",
        EntityKind::Container => "`containers`",
        EntityKind::Action => "`actions`",
    }
}

/// The names the metadata declares for an entity.
fn entity_names(entity: EntityKind, meta: &CharmMetadata) -> Vec<String> {
    match entity {
        EntityKind::Relation => meta.relations().map(|r| r.name.clone()).collect(),
        EntityKind::Storage => meta.storage.keys().cloned().collect(),
        EntityKind::Container => meta.containers.keys().cloned().collect(),
        EntityKind::Action => meta.actions.keys().cloned().collect(),
    }
}

/// Whether a reconcile handler runs for events of `kind`, so that it can skip
/// them with `except(...)`.
fn reconcile_runs_for(kind: EventKind) -> bool {
    use EventKind as K;
    match kind {
        K::Install
        | K::Start
        | K::Stop
        | K::Remove
        | K::ConfigChanged
        | K::UpdateStatus
        | K::UpgradeCharm
        | K::PreSeriesUpgrade
        | K::PostSeriesUpgrade
        | K::LeaderElected
        | K::LeaderSettingsChanged
        | K::CollectMetrics
        | K::RelationCreated
        | K::RelationJoined
        | K::RelationChanged
        | K::RelationDeparted
        | K::RelationBroken
        | K::StorageAttached
        | K::StorageDetaching
        | K::PebbleReady
        | K::PebbleCustomNotice
        | K::PebbleCheckFailed
        | K::PebbleCheckRecovered
        | K::SecretChanged
        | K::SecretRotate
        | K::SecretRemove
        | K::SecretExpired
        | K::Custom => true,
        K::Action | K::CollectAppStatus | K::CollectUnitStatus | K::Reconcile => false,
    }
}

/// Every event name valid for this metadata, for suggestions.
fn catalogue(meta: &CharmMetadata) -> Vec<String> {
    let kinds = || EventKind::ALL.iter().copied();
    let fixed = kinds().filter_map(|kind| kind.handler_name(None));
    let per_entity = kinds().flat_map(|kind| {
        let names = kind
            .entity()
            .map(|e| entity_names(e, meta))
            .unwrap_or_default();
        names
            .into_iter()
            .filter_map(move |name| kind.handler_name(Some(&name)))
    });
    fixed.chain(per_entity).collect()
}

/// Resolves one event name; `Err` carries the message for the name's span.
fn resolve(name: &str, meta: &CharmMetadata) -> Result<ResolvedEvent, String> {
    let mut first_miss = None;
    for (kind, prefix) in EventKind::from_handler_name(name) {
        let (Some(prefix), Some(entity)) = (prefix, kind.entity()) else {
            return Ok(ResolvedEvent {
                hook: name.to_owned(),
                kind,
                entity: None,
                except: Vec::new(),
            });
        };
        let names = entity_names(entity, meta);
        if let Some(found) = names.iter().find(|n| diag::to_snake(n) == prefix) {
            return Ok(ResolvedEvent {
                hook: name.to_owned(),
                kind,
                entity: Some(found.clone()),
                except: Vec::new(),
            });
        }
        first_miss.get_or_insert((prefix, entity, names));
    }
    if let Some((prefix, entity, names)) = first_miss {
        let what = entity.noun();
        return Err(if names.is_empty() {
            format!(
                "unknown {what} `{prefix}` in `{name}`: the charm declares no {what}; add `{}` under {} in charmcraft.yaml",
                prefix.replace('_', "-"),
                where_declared(entity)
            )
        } else {
            let hint = diag::suggestion(prefix, &names);
            let hint = if hint.is_empty() {
                format!(
                    "; declare `{}` under {} in charmcraft.yaml",
                    prefix.replace('_', "-"),
                    where_declared(entity)
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
    let (kind, entity, suffix) = EventKind::ALL.iter().find_map(|kind| match kind.naming() {
        Naming::PerEntity(entity, suffix) if diag::to_snake(suffix) == name => {
            Some((*kind, entity, name))
        }
        Naming::PerEntity(..) | Naming::Hook(_) | Naming::Framework(_) | Naming::Custom => None,
    })?;
    let what = entity.noun();
    let events: Vec<String> = entity_names(entity, meta)
        .iter()
        .filter_map(|n| kind.handler_name(Some(n)))
        .collect();
    Some(if events.is_empty() {
        format!(
            "`{name}` needs the {what} it is for, as in `<{}>_{suffix}`, and the charm declares \
             no {what}; add one under {} in charmcraft.yaml",
            what.replace(' ', "_"),
            where_declared(entity)
        )
    } else {
        format!(
            "`{name}` needs the {what} it is for; did you mean {}?",
            quoted(&events)
        )
    })
}

/// Resolves `component::event` against the declared components, and
/// `self::event` against the charm's own events.
fn resolve_custom(name: &str, args: &CharmArgs) -> Result<ResolvedEvent, String> {
    let (component, event) = name.split_once("::").unwrap_or((name, ""));
    if component == "self" && args.events.is_empty() {
        return Err(format!(
            "`{name}` is a custom event of the charm's own, and the charm declares none; \
             declare the event's type with `#[charm(events(EventType))]`"
        ));
    }
    let fields: Vec<String> = args
        .components
        .iter()
        .map(|c| c.field.to_string())
        .collect();
    if component != "self" && !fields.iter().any(|f| f == component) {
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
        kind: EventKind::Custom,
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
    args: &CharmArgs,
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
                    resolve_custom(&event.name, args)
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
                                Ok(s) if !reconcile_runs_for(s.kind) => {
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

/// The argument that is the event for every one of `events`: the event's own
/// type, a view they all give (`RelationEvent` for relation events of several
/// kinds), or none.
fn common_arg(events: &[ResolvedEvent]) -> Option<&'static str> {
    let first = events.first()?.kind;
    let own = first.event_type()?;
    if events.iter().all(|e| e.kind.event_type() == Some(own)) {
        return Some(own);
    }
    first
        .extra_args()
        .iter()
        .copied()
        .find(|arg| events.iter().all(|e| e.kind.extra_args().contains(arg)))
}

/// The events of `kinds`, as the user names them in `#[on(...)]`.
fn hook_patterns(kinds: &[EventKind]) -> String {
    let names: Vec<String> = kinds
        .iter()
        .map(|kind| match kind.naming() {
            Naming::Hook(name) | Naming::Framework(name) => {
                format!("`{}`", diag::to_snake(name))
            }
            Naming::PerEntity(entity, suffix) => {
                format!("`<{}>_{}`", entity.placeholder(), diag::to_snake(suffix))
            }
            Naming::Custom => "`<component>::<event>`".to_owned(),
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
        let fits: Vec<EventKind> = EventKind::ALL
            .iter()
            .copied()
            .filter(|kind| kind.supplies(&name))
            .collect();
        if fits.is_empty() {
            continue;
        }
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
                hook_patterns(&fits)
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
                hook_patterns(&fits)
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
    if let Some(action) = events.iter().find(|e| e.kind == EventKind::Action) {
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
        assert_eq!(r("config_changed").unwrap().kind, EventKind::ConfigChanged);
        let db = r("my_db_relation_changed").unwrap();
        assert_eq!(
            (db.kind, db.entity.as_deref()),
            (EventKind::RelationChanged, Some("my-db"))
        );
        assert_eq!(
            r("cluster_relation_broken").unwrap().entity.as_deref(),
            Some("cluster")
        );
        assert_eq!(
            r("web_pebble_check_failed").unwrap().kind,
            EventKind::PebbleCheckFailed
        );
        assert_eq!(
            r("data_storage_detaching").unwrap().kind,
            EventKind::StorageDetaching
        );
        assert_eq!(
            r("do_backup_action").unwrap().entity.as_deref(),
            Some("do-backup")
        );
        assert_eq!(
            r("collect_unit_status").unwrap().kind,
            EventKind::CollectUnitStatus
        );
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
        check_events(&charm, &meta(), &CharmArgs::default(), &mut errors);
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
