//! Secrets through the harness: add, get (tracked, refresh, peek), info, set,
//! grant, revoke, remove, the four events and their consistency rules.

use ops_runtime::testing::{Context, Relation, RunError, Secret as StateSecret, State};
use ops_runtime::*;

#[derive(Default)]
struct Vault;

#[charm(metadata_source = r#"
name: vault
provides:
  credentials:
    interface: creds
config:
  options:
    mode:
      type: string
      default: add
"#)]
impl Vault {
    #[on(config_changed)]
    fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let mode = cx.config()?.get_str("mode").unwrap_or_default().to_owned();
        match mode.as_str() {
            "add" => {
                let content = SecretContent::new().with("password", "s3cret!");
                let options = SecretOptions {
                    label: Some("admin".into()),
                    description: Some("the admin password".into()),
                    rotate: Some(RotatePolicy::Monthly),
                    ..SecretOptions::default()
                };
                let secret = cx.add_secret(SecretOwner::App, &content, &options)?;
                let relation = cx.relation(Self::RELATION_CREDENTIALS)?;
                if let Some(relation) = relation {
                    cx.grant_secret(&secret, &relation, None)?;
                }
                log::info!("added {:?}", secret.unique_identifier().map(|u| u.len()));
            }
            "rotate" => {
                let secret = cx.get_secret(None, Some("admin"))?;
                cx.set_secret_content(&secret, &SecretContent::new().with("password", "n3w!"))?;
                cx.set_secret_info(
                    &secret,
                    &SecretOptions {
                        description: Some("rotated".into()),
                        ..SecretOptions::default()
                    },
                )?;
                let relation = cx.relation(Self::RELATION_CREDENTIALS)?;
                if let Some(relation) = relation {
                    cx.revoke_secret(&secret, &relation, None)?;
                }
                let info = cx.secret_info(&secret)?;
                cx.set_workload_version(&format!("rev {}", info.revision))?;
            }
            "bad-key" => {
                cx.add_secret(
                    SecretOwner::Unit,
                    &SecretContent::new().with("pw", "x"),
                    &SecretOptions::default(),
                )?;
            }
            "add-remove" => {
                let options = SecretOptions {
                    label: Some("scratch".into()),
                    ..SecretOptions::default()
                };
                let content = SecretContent::new().with("token", "t0ken");
                let secret = cx.add_secret(SecretOwner::Unit, &content, &options)?;
                let by_label = cx.get_secret(None, Some("scratch"))?;
                cx.remove_secret(&secret)?;
                let id = cx.get_secret(secret.id(), None).err();
                let label = cx.secret_content(&by_label, Revision::Tracked).err();
                let gone =
                    |e: Option<ModelError>| matches!(e, Some(ModelError::SecretNotFound { .. }));
                cx.set_workload_version(&format!("{} {}", gone(id), gone(label)))?;
            }
            "ids" => {
                let ids = cx.secret_ids()?;
                cx.set_workload_version(&ids.len().to_string())?;
            }
            _ => {}
        }
        Ok(())
    }

    #[on(secret_changed)]
    fn changed(
        &mut self,
        cx: &mut HookContext,
        event: SecretChangedEvent,
    ) -> Result<(), CharmError> {
        let secret = Secret::from(&event.secret);
        let old = cx.secret_content(&secret, Revision::Tracked)?;
        let peeked = cx.secret_content(&secret, Revision::Peek)?;
        let new = cx.secret_content(&secret, Revision::Refresh)?;
        let info = cx
            .secret_info(&secret)
            .err()
            .map(|e| matches!(e, ModelError::SecretNotFound { .. }));
        cx.set_workload_version(&format!(
            "{} {} {} {info:?}",
            old.get("token").unwrap_or_default(),
            peeked.get("token").unwrap_or_default(),
            new.get("token").unwrap_or_default()
        ))?;
        Ok(())
    }

    #[on(secret_remove)]
    fn remove(&mut self, cx: &mut HookContext, event: SecretRemoveEvent) -> Result<(), ModelError> {
        cx.remove_secret_revision(&Secret::from(&event.secret), event.revision)
    }

    #[on(secret_expired)]
    fn expired(
        &mut self,
        cx: &mut HookContext,
        event: SecretExpiredEvent,
    ) -> Result<(), ModelError> {
        cx.remove_secret(&Secret::from(&event.secret))
    }
}

#[test]
fn the_leader_adds_labels_and_grants_an_app_secret() {
    let mut ctx = Context::<Vault>::new();
    let creds = Relation::new("credentials", 7).with_remote_app("client");
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_leader(true).with_relation(creds),
        )
        .unwrap();
    let secret = out.secret_by_label("admin").expect("the secret was added");
    assert_eq!(secret.owner, Some(SecretOwner::App));
    assert_eq!(
        secret.latest_content().and_then(|c| c.get("password")),
        Some("s3cret!")
    );
    assert_eq!(secret.description.as_deref(), Some("the admin password"));
    assert_eq!(secret.rotate, Some(RotatePolicy::Monthly));
    assert_eq!(
        secret
            .grants
            .get(&7)
            .map(|g| g.iter().cloned().collect::<Vec<_>>()),
        Some(vec!["client".to_owned()])
    );
    assert_eq!(ctx.juju_log()[0].message, "added Some(20)");
    // The content never reached a log line.
    assert!(
        ctx.juju_log()
            .iter()
            .all(|l| !l.message.contains("s3cret!"))
    );
}

#[test]
fn only_the_leader_adds_app_secrets() {
    let mut ctx = Context::<Vault>::new();
    let err = ctx.run(Event::ConfigChanged, State::new()).unwrap_err();
    assert!(
        err.to_string()
            .contains("only the leader may add an application-owned secret"),
        "{err}"
    );
    assert!(!ctx.hook_tool_calls().contains(&"secret-add"));
}

#[test]
fn owners_set_content_and_info_and_revoke() {
    let mut ctx = Context::<Vault>::new();
    let secret = StateSecret::new(SecretContent::new().with("password", "old!"))
        .with_label("admin")
        .owned_by(SecretOwner::App);
    let mut secret = secret;
    secret
        .grants
        .insert(7, ["client".to_owned()].into_iter().collect());
    let state = State::new()
        .with_leader(true)
        .with_config("mode", "rotate")
        .with_relation(Relation::new("credentials", 7).with_remote_app("client"))
        .with_secret(secret);
    let out = ctx.run(Event::ConfigChanged, state).unwrap();
    let secret = out.secret_by_label("admin").unwrap();
    assert_eq!(secret.latest_revision(), 2);
    assert_eq!(
        secret.latest_content().and_then(|c| c.get("password")),
        Some("n3w!")
    );
    assert_eq!(secret.description.as_deref(), Some("rotated"));
    assert!(secret.grants.is_empty());
    assert_eq!(out.workload_version.as_deref(), Some("rev 2"));
}

#[test]
fn observers_read_tracked_peek_and_refresh() {
    let mut ctx = Context::<Vault>::new();
    let secret = StateSecret::new(SecretContent::new().with("token", "one"))
        .with_new_revision(SecretContent::new().with("token", "two"));
    let event = secret.changed_event();
    let id = secret.id.clone();
    let out = ctx.run(event, State::new().with_secret(secret)).unwrap();
    // Not an owner: secret-info-get says not found, classified as SecretNotFound.
    assert_eq!(
        out.workload_version.as_deref(),
        Some("one two two Some(true)")
    );
    assert_eq!(out.secret(&id).unwrap().tracked_revision, 2);
}

#[test]
fn owners_remove_revisions_and_whole_secrets() {
    let mut ctx = Context::<Vault>::new();
    let secret = StateSecret::new(SecretContent::new().with("token", "one"))
        .with_new_revision(SecretContent::new().with("token", "two"))
        .owned_by(SecretOwner::Unit);
    let id = secret.id.clone();
    let out = ctx
        .run(
            secret.remove_event(1),
            State::new().with_secret(secret.clone()),
        )
        .unwrap();
    assert_eq!(
        out.secret(&id)
            .unwrap()
            .revisions
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(ctx.removed_secret_revisions(), [(id.clone(), 1)]);
    let out = ctx
        .run(secret.expired_event(2), State::new().with_secret(secret))
        .unwrap();
    assert!(out.secret(&id).is_none());
    assert_eq!(ctx.removed_secret_revisions().len(), 2);
}

#[test]
fn a_removed_secret_is_gone_for_the_rest_of_the_hook_by_id_and_label() {
    let mut ctx = Context::<Vault>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_config("mode", "add-remove"),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("true true"));
    assert!(out.secrets.is_empty(), "{:?}", out.secrets.len());
}

#[test]
fn invalid_content_is_refused_before_any_tool_runs() {
    let mut ctx = Context::<Vault>::new();
    let err = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_config("mode", "bad-key"),
        )
        .unwrap_err();
    assert!(err.to_string().contains("invalid secret key `pw`"), "{err}");
    assert!(!ctx.hook_tool_calls().contains(&"secret-add"));
}

#[test]
fn secret_ids_lists_owned_secrets() {
    let mut ctx = Context::<Vault>::new();
    let state = State::new()
        .with_config("mode", "ids")
        .with_secret(
            StateSecret::new(SecretContent::new().with("abc", "1")).owned_by(SecretOwner::Unit),
        )
        .with_secret(StateSecret::new(SecretContent::new().with("abc", "2")));
    let out = ctx.run(Event::ConfigChanged, state).unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("1"));
}

#[test]
fn secret_events_must_fit_ownership() {
    let mut ctx = Context::<Vault>::new();
    let owned = StateSecret::new(SecretContent::new().with("abc", "1")).owned_by(SecretOwner::Unit);
    let observed = StateSecret::new(SecretContent::new().with("abc", "1"));
    let err = ctx
        .run(
            owned.changed_event(),
            State::new().with_secret(owned.clone()),
        )
        .unwrap_err();
    assert!(
        matches!(&err, RunError::Inconsistent(p) if p[0].contains("`secret-changed` goes to observers")),
        "{err}"
    );
    let err = ctx
        .run(
            observed.rotate_event(),
            State::new().with_secret(observed.clone()),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`secret-rotate` goes to the secret's owner"),
        "{err}"
    );
    let err = ctx.run(observed.changed_event(), State::new()).unwrap_err();
    assert!(
        err.to_string().contains("which is not in the state"),
        "{err}"
    );
}

#[test]
fn content_debug_output_hides_values() {
    let content = SecretContent::new().with("password", "hunter2");
    let shown = format!("{content:?} {:?}", StateSecret::new(content.clone()));
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn secret_events_need_a_juju_with_secrets() {
    let mut ctx = Context::<Vault>::new().with_juju_version(JujuVersion::new(2, 9, 49));
    let secret = StateSecret::new(SecretContent::new().with("token", "one"));
    let event = secret.changed_event();
    match ctx.run(event, State::new().with_secret(secret)) {
        Err(RunError::Inconsistent(problems)) => assert_eq!(
            problems,
            [
                "`secret-changed` needs Juju 3.0.3 or later (secrets), and the context runs Juju \
              2.9.49; set a newer one with `Context::with_juju_version`"
            ]
        ),
        other => panic!("expected an inconsistent setup, got {other:?}"),
    }
}

#[test]
fn before_juju_3_6_each_secret_set_repeats_what_it_keeps() {
    // Juju 3.1-3.5 keeps only the last secret-set of a hook: setting the
    // description after the content must send the content again, and setting
    // content must send the label, description and rotation again.
    let run = |version: JujuVersion| {
        let mut ctx = Context::<Vault>::new().with_juju_version(version);
        let secret = StateSecret::new(SecretContent::new().with("password", "old!"))
            .with_label("admin")
            .owned_by(SecretOwner::App);
        let state = State::new()
            .with_leader(true)
            .with_config("mode", "rotate")
            .with_secret(secret);
        let out = ctx.run(Event::ConfigChanged, state).unwrap();
        let calls: Vec<&str> = ctx
            .hook_tool_calls()
            .iter()
            .copied()
            .filter(|tool| tool.starts_with("secret-"))
            .collect();
        let secret = out.secret_by_label("admin").unwrap().clone();
        (calls, secret)
    };
    let (calls, secret) = run(JujuVersion::new(3, 4, 2));
    assert_eq!(
        calls,
        [
            "secret-get",      // get_secret by label
            "secret-info-get", // set_secret_content: the id
            "secret-info-get", // ... and the metadata it keeps
            "secret-set",
            "secret-info-get", // set_secret_info: the id
            "secret-info-get", // ... the metadata it keeps
            "secret-get",      // ... and the content, peeked
            "secret-set",
            "secret-info-get", // the charm's own secret_info
        ]
    );
    assert_eq!(
        secret.latest_content().and_then(|c| c.get("password")),
        Some("n3w!")
    );
    assert_eq!(secret.description.as_deref(), Some("rotated"));
    assert_eq!(secret.label.as_deref(), Some("admin"));

    let (calls, _) = run(JujuVersion::new(3, 6, 4));
    assert_eq!(
        calls,
        [
            "secret-get",
            "secret-info-get",
            "secret-set",
            "secret-info-get",
            "secret-set",
            "secret-info-get",
        ]
    );
}
