//! The harness's in-memory Pebble: [`Container`] in the [`State`](super::State),
//! acted on through [`PebbleApi`] as a real Pebble would be.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use super::mount::{self, Mount};
use crate::event::{
    Event, NoticeRef, PebbleCheckFailedEvent, PebbleCheckRecoveredEvent, PebbleCustomNoticeEvent,
    PebbleReadyEvent,
};
use crate::pebble::{
    ApiError, Change, ChangeId, ChangeKind, ChangeSelect, ChangeStatus, CheckInfo, CheckLevel,
    CheckStartup, CheckStatus, Error, ErrorKind, Exec, ExecResult, FileInfo, FileType, Identity,
    Layer, LayerError, ListFilesOptions, MakeDirOptions, Notice, NoticeId, NoticeType,
    NoticesQuery, NotifyOptions, PathError, PebbleApi, Plan, PushOptions, Service, ServiceInfo,
    ServiceStartup, ServiceStatus, SystemInfo, Task, Timestamp, Unreachable,
};

/// A workload container in the [`State`](super::State), with an in-memory
/// Pebble: layers and the plan they combine into, service statuses, a file
/// system, mocked commands, check states and notices.
///
/// The charm reaches it through [`HookContext::container`](crate::HookContext::container);
/// layers combine with Pebble's own rules ([`Plan::apply`]), `replan` starts
/// `startup: enabled` services and restarts those whose configuration changed,
/// files pushed land in [`files`](Self::files), and commands run against
/// [`execs`](Self::execs), matched by the longest command prefix. With
/// [`can_connect`](Self::can_connect) `false`, every call fails with
/// [`Error::Connection`], as when the socket is absent.
///
/// ```
/// use ops_runtime::pebble::ServiceStatus;
/// use ops_runtime::testing::{Container, ExecMock};
///
/// let web = Container::new("web")
///     .with_file("/etc/web/web.conf", "listen 80\n")
///     .with_exec(ExecMock::new(["web", "--version"]).stdout("web 1.2\n"))
///     .with_service_status("web", ServiceStatus::Inactive);
/// assert_eq!(web.file("/etc/web/web.conf"), Some(&b"listen 80\n"[..]));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Container {
    /// The container's name, as in the metadata.
    pub name: String,
    /// Whether its Pebble answers (default `true`; ops.testing defaults to
    /// `False`).
    pub can_connect: bool,
    /// The layers, by label, bottom first.
    pub layers: Vec<(String, Layer)>,
    /// What each service is doing; a service of the plan not listed here is
    /// inactive.
    pub service_statuses: BTreeMap<String, ServiceStatus>,
    /// The file system: every file and directory by absolute path (`/` always
    /// exists).
    pub files: BTreeMap<String, FsEntry>,
    /// The commands the container can run.
    pub execs: Vec<ExecMock>,
    /// The health checks and their states.
    pub check_infos: Vec<CheckInfo>,
    /// The notices Pebble has recorded.
    pub notices: Vec<Notice>,
    /// The signals sent to services, in order: the signal and the services.
    pub signals: Vec<(String, Vec<String>)>,
    /// The identities Pebble lets in, by name, as the charm left them (the
    /// charm itself reads passwords masked, as from a real Pebble).
    pub identities: BTreeMap<String, Identity>,
    /// Pebble's changes, oldest first: those the test put there and one for
    /// each start, stop, restart and replan the charm asked for, each finished
    /// (an in-memory Pebble does its work at once), with a task per service
    /// whose `service` data names it.
    pub changes: Vec<Change>,
    /// Whether this Pebble predates the `restart` service action and answers
    /// it with `400 Bad Request`, as old Pebbles did (default
    /// `false`); [`Container::restart`](crate::Container::restart) then stops
    /// and starts the services instead.
    pub restart_unsupported: bool,
    /// Local directories mounted into the file system ([`Container::with_mount`]).
    pub mounts: Vec<Mount>,
    /// The configuration each running service was started with, for replan.
    started: BTreeMap<String, Service>,
}

/// A file or directory in a [`Container`]'s file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsEntry {
    /// A regular file.
    File {
        /// Its contents.
        data: Vec<u8>,
        /// Its permission bits.
        permissions: u32,
    },
    /// A directory.
    Directory {
        /// Its permission bits.
        permissions: u32,
    },
}

/// A command a [`Container`] can run: any command line that starts with
/// `command_prefix` (the longest matching prefix wins) exits with `exit_code`
/// after writing `stdout` and `stderr`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecMock {
    /// The program and leading arguments it matches.
    pub command_prefix: Vec<String>,
    /// The exit code.
    pub exit_code: i32,
    /// What the command writes on standard output.
    pub stdout: Vec<u8>,
    /// What the command writes on standard error.
    pub stderr: Vec<u8>,
}

impl ExecMock {
    /// A command matching `prefix` that succeeds silently.
    pub fn new<I, S>(prefix: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            command_prefix: prefix.into_iter().map(Into::into).collect(),
            exit_code: 0,
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    /// Sets the exit code.
    #[must_use]
    pub fn exit_code(mut self, code: i32) -> Self {
        self.exit_code = code;
        self
    }

    /// Sets the standard output.
    #[must_use]
    pub fn stdout(mut self, stdout: impl Into<Vec<u8>>) -> Self {
        self.stdout = stdout.into();
        self
    }

    /// Sets the standard error.
    #[must_use]
    pub fn stderr(mut self, stderr: impl Into<Vec<u8>>) -> Self {
        self.stderr = stderr.into();
        self
    }

    fn matches(&self, command: &[String]) -> bool {
        command.starts_with(&self.command_prefix)
    }
}

impl Container {
    /// A container `name` whose Pebble is up, with nothing in it.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            can_connect: true,
            layers: Vec::new(),
            service_statuses: BTreeMap::new(),
            files: BTreeMap::new(),
            execs: Vec::new(),
            check_infos: Vec::new(),
            signals: Vec::new(),
            notices: Vec::new(),
            identities: BTreeMap::new(),
            changes: Vec::new(),
            restart_unsupported: false,
            mounts: Vec::new(),
            started: BTreeMap::new(),
        }
    }

    /// Makes this Pebble answer the `restart` service action with `400 Bad
    /// Request`, as old Pebbles do.
    ///
    /// ```
    /// use ops_runtime::testing::Container;
    ///
    /// let old = Container::new("web").with_restart_unsupported(true);
    /// assert!(old.restart_unsupported);
    /// ```
    #[must_use]
    pub fn with_restart_unsupported(mut self, unsupported: bool) -> Self {
        self.restart_unsupported = unsupported;
        self
    }

    /// Sets whether Pebble answers.
    #[must_use]
    pub fn with_can_connect(mut self, can_connect: bool) -> Self {
        self.can_connect = can_connect;
        self
    }

    /// Adds a layer on top.
    #[must_use]
    pub fn with_layer(mut self, label: impl Into<String>, layer: Layer) -> Self {
        self.layers.push((label.into(), layer));
        self
    }

    /// Sets what a service is doing.
    #[must_use]
    pub fn with_service_status(
        mut self,
        service: impl Into<String>,
        status: ServiceStatus,
    ) -> Self {
        self.service_statuses.insert(service.into(), status);
        self
    }

    /// Puts a file (mode 0644) at `path`, creating its parent directories.
    ///
    /// # Panics
    ///
    /// If `path` is not absolute (a bug in the test).
    #[must_use]
    pub fn with_file(mut self, path: &str, data: impl Into<Vec<u8>>) -> Self {
        let path = normalize(path).unwrap_or_else(|e| panic!("{e}"));
        self.make_parents(&path);
        self.files.insert(
            path,
            FsEntry::File {
                data: data.into(),
                permissions: 0o644,
            },
        );
        self
    }

    /// Creates the directory `path` (mode 0755) and its parents.
    ///
    /// # Panics
    ///
    /// If `path` is not absolute (a bug in the test).
    #[must_use]
    pub fn with_dir(mut self, path: &str) -> Self {
        let path = normalize(path).unwrap_or_else(|e| panic!("{e}"));
        self.make_parents(&path);
        if path != "/" {
            self.files
                .insert(path, FsEntry::Directory { permissions: 0o755 });
        }
        self
    }

    /// Mounts the local directory `source` at `location`, as a storage mount
    /// or a volume is: before a run, what `source` holds is in the container
    /// under `location`; during the run, what the charm pushes, makes or
    /// removes there happens in `source` too, so the test reads the result
    /// with [`std::fs`] (ops.testing's `Container(mounts=)`).
    ///
    /// A `source` that is not a readable directory makes the run
    /// [inconsistent](super::RunError::Inconsistent).
    ///
    /// ```
    /// use ops_runtime::testing::Container;
    ///
    /// let data = std::env::temp_dir();
    /// let db = Container::new("db").with_mount("/var/lib/db", &data);
    /// assert_eq!(db.mounts[0].location, "/var/lib/db");
    /// ```
    ///
    /// # Panics
    ///
    /// If `location` is not absolute (a bug in the test).
    #[must_use]
    pub fn with_mount(mut self, location: &str, source: impl AsRef<std::path::Path>) -> Self {
        let location = normalize(location).unwrap_or_else(|e| panic!("{e}"));
        self.mounts.push(Mount::new(location, source));
        self
    }

    /// Lets the container run commands matching `mock`.
    #[must_use]
    pub fn with_exec(mut self, mock: ExecMock) -> Self {
        self.execs.push(mock);
        self
    }

    /// Adds a health check's state.
    #[must_use]
    pub fn with_check_info(mut self, info: CheckInfo) -> Self {
        self.check_infos.push(info);
        self
    }

    /// Adds a notice.
    #[must_use]
    pub fn with_notice(mut self, notice: Notice) -> Self {
        self.notices.push(notice);
        self
    }

    /// Records a custom notice with key `key` (occurred once, now), numbered
    /// after the notices already there.
    #[must_use]
    pub fn with_custom_notice(self, key: impl Into<String>) -> Self {
        let id = NoticeId::new((self.notices.len() + 1).to_string());
        let now = Timestamp::now();
        self.with_notice(Notice {
            id,
            user_id: None,
            notice_type: NoticeType::Custom,
            key: key.into(),
            first_occurred: now,
            last_occurred: now,
            last_repeated: now,
            occurrences: 1,
            last_data: BTreeMap::new(),
            repeat_after: None,
            expire_after: None,
        })
    }

    /// Adds an identity Pebble lets in.
    ///
    /// ```
    /// use ops_runtime::pebble::{Identity, IdentityAccess};
    /// use ops_runtime::testing::Container;
    ///
    /// let web = Container::new("web").with_identity("alice", Identity::local(IdentityAccess::Admin, 1000));
    /// assert_eq!(web.identities["alice"].access, IdentityAccess::Admin);
    /// ```
    #[must_use]
    pub fn with_identity(mut self, name: impl Into<String>, identity: Identity) -> Self {
        self.identities.insert(name.into(), identity);
        self
    }

    /// Adds a change, such as one still in progress for the charm to wait
    /// on or one that failed.
    #[must_use]
    pub fn with_change(mut self, change: Change) -> Self {
        self.changes.push(change);
        self
    }

    /// The plan: the layers combined with Pebble's rules.
    pub fn plan(&self) -> Result<Plan, LayerError> {
        Plan::from_layers(self.layers.iter().map(|(_, layer)| layer))
    }

    /// The layer labelled `label`.
    pub fn layer(&self, label: &str) -> Option<&Layer> {
        self.layers
            .iter()
            .find_map(|(l, layer)| (l == label).then_some(layer))
    }

    /// What service `name` is doing (inactive when not listed).
    pub fn service_status(&self, name: &str) -> ServiceStatus {
        self.service_statuses
            .get(name)
            .cloned()
            .unwrap_or(ServiceStatus::Inactive)
    }

    /// The contents of the file at `path`, `None` if there is no such file.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        match self.files.get(&normalize(path).ok()?)? {
            FsEntry::File { data, .. } => Some(data),
            FsEntry::Directory { .. } => None,
        }
    }

    /// `<container>-pebble-ready`.
    pub fn pebble_ready_event(&self) -> Event {
        Event::PebbleReady(PebbleReadyEvent {
            container: self.name.clone(),
        })
    }

    /// `<container>-pebble-custom-notice` for `notice`.
    pub fn custom_notice_event(&self, notice: &Notice) -> Event {
        Event::PebbleCustomNotice(PebbleCustomNoticeEvent {
            container: self.name.clone(),
            notice: NoticeRef {
                id: notice.id.as_str().to_owned(),
                kind: notice.notice_type.as_str().to_owned(),
                key: notice.key.clone(),
            },
        })
    }

    /// `<container>-pebble-check-failed` for check `check`.
    pub fn check_failed_event(&self, check: impl Into<String>) -> Event {
        Event::PebbleCheckFailed(PebbleCheckFailedEvent {
            container: self.name.clone(),
            check: check.into(),
        })
    }

    /// `<container>-pebble-check-recovered` for check `check`.
    pub fn check_recovered_event(&self, check: impl Into<String>) -> Event {
        Event::PebbleCheckRecovered(PebbleCheckRecoveredEvent {
            container: self.name.clone(),
            check: check.into(),
        })
    }

    /// Problems with this container as test input.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (i, mock) in self.execs.iter().enumerate() {
            if self.execs[..i]
                .iter()
                .any(|m| m.command_prefix == mock.command_prefix)
            {
                problems.push(format!(
                    "container `{}` mocks the command prefix {:?} twice",
                    self.name, mock.command_prefix
                ));
            }
        }
        for (i, mount) in self.mounts.iter().enumerate() {
            if self.mounts[..i]
                .iter()
                .any(|m| m.location == mount.location)
            {
                problems.push(format!(
                    "container `{}` has two mounts at `{}`",
                    self.name, mount.location
                ));
            }
            problems.extend(mount.problem(&self.name));
        }
        for (i, (label, _)) in self.layers.iter().enumerate() {
            if self.layers[..i].iter().any(|(l, _)| l == label) {
                problems.push(format!(
                    "container `{}` has two layers labelled `{label}`",
                    self.name
                ));
            }
        }
        match self.plan() {
            Err(error) => problems.push(format!(
                "the layers of container `{}` do not combine: {error}",
                self.name
            )),
            Ok(plan) => {
                // Pebble reports checks of its plan only, and runs services of
                // its plan only.
                for (i, info) in self.check_infos.iter().enumerate() {
                    if !plan.checks.contains_key(&info.name) {
                        problems.push(format!(
                            "container `{}` has check info for `{}`, which no layer of its \
                             plan defines; add the check to a layer with `with_layer`",
                            self.name, info.name
                        ));
                    }
                    if let Some(check) = plan.checks.get(&info.name) {
                        let startup = check.startup.clone().unwrap_or(CheckStartup::Enabled);
                        let threshold = check.threshold.unwrap_or(3);
                        // `check_info(name)` leaves the level unset: any level fits.
                        if (info.level.is_some() && info.level != check.level)
                            || info.startup != startup
                            || info.threshold != threshold
                        {
                            problems.push(format!(
                                "container `{}` has check info for `{}` with level {:?}, \
                                 startup {:?} and threshold {}, but its plan says level {:?}, \
                                 startup {:?} and threshold {threshold}",
                                self.name,
                                info.name,
                                info.level,
                                info.startup,
                                info.threshold,
                                check.level,
                                startup
                            ));
                        }
                    }
                    if self.check_infos[..i].iter().any(|c| c.name == info.name) {
                        problems.push(format!(
                            "container `{}` has check info for `{}` twice",
                            self.name, info.name
                        ));
                    }
                }
                for (service, status) in &self.service_statuses {
                    if *status != ServiceStatus::Inactive && !plan.services.contains_key(service) {
                        problems.push(format!(
                            "container `{}` has service `{service}` {status:?}, but no layer of \
                             its plan defines it",
                            self.name
                        ));
                    }
                }
            }
        }
        problems
    }

    /// Before a run: services that run are taken to run the input plan's
    /// configuration.
    pub(crate) fn prepare(&mut self) {
        self.load_mounts();
        self.derive_check_infos();
        let Ok(plan) = self.plan() else { return };
        for (name, status) in &self.service_statuses {
            if *status == ServiceStatus::Active
                && !self.started.contains_key(name)
                && let Some(service) = plan.services.get(name)
            {
                self.started.insert(name.clone(), service.clone());
            }
        }
    }

    /// Gives each check of the plan that has no check info one, as Pebble
    /// does when a layer adds the check: its level, startup and threshold
    /// from the plan; up when it starts enabled, inactive otherwise.
    fn derive_check_infos(&mut self) {
        let Ok(plan) = self.plan() else { return };
        for (name, check) in &plan.checks {
            if self.check_infos.iter().any(|info| &info.name == name) {
                continue;
            }
            let startup = check.startup.clone().unwrap_or(CheckStartup::Enabled);
            self.check_infos.push(CheckInfo {
                level: check.level.clone(),
                status: if startup == CheckStartup::Enabled {
                    CheckStatus::Up
                } else {
                    CheckStatus::Inactive
                },
                startup,
                threshold: check.threshold.unwrap_or(3),
                ..check_info(name.clone())
            });
        }
    }

    /// Puts what each mount's source holds under its location (the
    /// consistency check has made sure each can be read).
    fn load_mounts(&mut self) {
        for mount in self.mounts.clone() {
            let Ok(entries) = mount.read() else { continue };
            let root = mount.location.trim_end_matches('/');
            if !root.is_empty() {
                self.make_parents(root);
                self.files
                    .entry(root.to_owned())
                    .or_insert(FsEntry::Directory { permissions: 0o755 });
            }
            for (relative, data, permissions) in entries {
                let path = format!("{root}/{relative}");
                self.make_parents(&path);
                let entry = match data {
                    Some(data) => FsEntry::File { data, permissions },
                    None => FsEntry::Directory { permissions },
                };
                self.files.insert(path, entry);
            }
        }
    }

    /// The local path of `path` if a mount holds it.
    fn mounted(&self, path: &str) -> Option<std::path::PathBuf> {
        self.mounts.iter().rev().find_map(|mount| mount.local(path))
    }

    fn make_parents(&mut self, path: &str) {
        let mut at = path;
        while let Some(parent) = parent(at) {
            if parent != "/" {
                self.files
                    .entry(parent.to_owned())
                    .or_insert(FsEntry::Directory { permissions: 0o755 });
            }
            at = parent;
        }
    }

    fn is_dir(&self, path: &str) -> bool {
        path == "/" || matches!(self.files.get(path), Some(FsEntry::Directory { .. }))
    }

    fn exists(&self, path: &str) -> bool {
        path == "/" || self.files.contains_key(path)
    }

    fn current_plan(&self) -> Result<Plan, Error> {
        self.plan()
            .map_err(|e| api_error("GET /v1/plan", 500, None, e.to_string()))
    }

    fn start(&mut self, name: &str, plan: &Plan) {
        if let Some(service) = plan.services.get(name) {
            self.service_statuses
                .insert(name.to_owned(), ServiceStatus::Active);
            self.started.insert(name.to_owned(), service.clone());
        }
    }

    fn stop(&mut self, name: &str) {
        self.service_statuses
            .insert(name.to_owned(), ServiceStatus::Inactive);
        self.started.remove(name);
    }

    /// Records a finished change of `kind` that affected `services`, with
    /// Pebble's summary and a task per service, and returns its ID.
    fn record_change(&mut self, kind: ChangeKind, services: &[String]) -> ChangeId {
        let now = Timestamp::now();
        let verb = match kind.as_str() {
            "" => String::new(),
            k => format!("{}{}", k[..1].to_ascii_uppercase(), &k[1..]),
        };
        let summary = match services {
            [] => format!("{verb} - no services"),
            [one] => format!("{verb} service {one:?}"),
            [first, rest @ ..] => format!("{verb} service {first:?} and {} more", rest.len()),
        };
        let next = self
            .changes
            .iter()
            .filter_map(|c| c.id.as_str().parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let tasks = services
            .iter()
            .enumerate()
            .map(|(n, service)| Task {
                id: format!("{next}-{n}"),
                kind: kind.as_str().to_owned(),
                summary: format!("{verb} service {service:?}"),
                status: ChangeStatus::Done,
                log: Vec::new(),
                progress: Default::default(),
                spawn_time: now,
                ready_time: Some(now),
                data: [("service".to_owned(), service.clone().into())]
                    .into_iter()
                    .collect(),
            })
            .collect();
        let id = ChangeId::new(next.to_string());
        self.changes.push(Change {
            id: id.clone(),
            kind,
            summary,
            status: ChangeStatus::Done,
            tasks,
            ready: true,
            err: None,
            spawn_time: now,
            ready_time: Some(now),
            data: Default::default(),
        });
        id
    }

    /// Records an occurrence of the custom notice `key`, as Pebble does: one
    /// notice per key, whose occurrence counts as a repeat (moving
    /// `last-repeated`) only past the `repeat-after` of the occurrence before.
    fn record_notice(&mut self, key: &str, options: &NotifyOptions) -> NoticeId {
        let now = Timestamp::now();
        if let Some(notice) = self
            .notices
            .iter_mut()
            .find(|n| n.notice_type == NoticeType::Custom && n.key == key)
        {
            notice.occurrences += 1;
            notice.last_occurred = now;
            notice.last_data = options.data.clone();
            let since = SystemTime::from(now)
                .duration_since(SystemTime::from(notice.last_repeated))
                .unwrap_or_default();
            if since >= notice.repeat_after.unwrap_or_default() {
                notice.last_repeated = now;
            }
            notice.repeat_after = options.repeat_after;
            return notice.id.clone();
        }
        let next = self
            .notices
            .iter()
            .filter_map(|n| n.id.as_str().parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let id = NoticeId::new(next.to_string());
        self.notices.push(Notice {
            id: id.clone(),
            user_id: None,
            notice_type: NoticeType::Custom,
            key: key.to_owned(),
            first_occurred: now,
            last_occurred: now,
            last_repeated: now,
            occurrences: 1,
            last_data: options.data.clone(),
            repeat_after: options.repeat_after,
            expire_after: None,
        });
        id
    }

    /// The change `id`, or Pebble's 404.
    fn find_change(&self, id: &ChangeId) -> Result<&Change, Error> {
        self.changes.iter().find(|c| &c.id == id).ok_or_else(|| {
            api_error(
                &format!("GET /v1/changes/{id}"),
                404,
                Some(ErrorKind::NotFound),
                format!("cannot find change with id \"{id}\""),
            )
        })
    }

    /// Starts (`start`) or stops the checks `names`, as `POST /v1/checks`:
    /// unknown names are refused, and the answer lists the checks whose state
    /// changed, sorted.
    fn switch_checks(&mut self, names: &[&str], start: bool) -> Result<Vec<String>, Error> {
        const OPERATION: &str = "POST /v1/checks";
        if names.is_empty() {
            return Err(api_error(
                OPERATION,
                400,
                None,
                "must specify at least one check".to_owned(),
            ));
        }
        if let Some(missing) = names
            .iter()
            .find(|name| !self.check_infos.iter().any(|info| info.name == **name))
        {
            return Err(api_error(
                OPERATION,
                400,
                None,
                format!("cannot find check {missing:?}"),
            ));
        }
        let mut changed = Vec::new();
        for info in &mut self.check_infos {
            if !names.contains(&info.name.as_str()) {
                continue;
            }
            let running = info.status != CheckStatus::Inactive;
            if start && !running {
                info.status = CheckStatus::Up;
                info.failures = 0;
                changed.push(info.name.clone());
            } else if !start && running {
                info.status = CheckStatus::Inactive;
                changed.push(info.name.clone());
            }
        }
        changed.sort();
        Ok(changed)
    }

    fn services_in_plan<'a>(
        plan: &Plan,
        operation: &str,
        names: &'a [&'a str],
    ) -> Result<&'a [&'a str], Error> {
        if names.is_empty() {
            return Err(api_error(
                operation,
                400,
                None,
                "must specify at least one service".to_owned(),
            ));
        }
        match names.iter().find(|n| !plan.services.contains_key(**n)) {
            Some(missing) => Err(api_error(
                operation,
                400,
                None,
                format!("service \"{missing}\" does not exist"),
            )),
            None => Ok(names),
        }
    }

    fn file_info(&self, path: &str) -> Option<FileInfo> {
        let (file_type, size, permissions) = match self.files.get(path) {
            Some(FsEntry::File { data, permissions }) => {
                (FileType::File, Some(data.len() as u64), *permissions)
            }
            Some(FsEntry::Directory { permissions }) => (FileType::Directory, None, *permissions),
            None if path == "/" => (FileType::Directory, None, 0o755),
            None => return None,
        };
        Some(FileInfo {
            path: path.to_owned(),
            name: path.rsplit('/').next().unwrap_or_default().to_owned(),
            file_type,
            size,
            permissions,
            last_modified: Timestamp::now(),
            user_id: None,
            user: None,
            group_id: None,
            group: None,
        })
    }
}

/// The in-memory Pebbles of one run, and the commands they ran.
#[derive(Debug, Default)]
pub(crate) struct Pebbles {
    pub(crate) containers: BTreeMap<String, Container>,
    pub(crate) exec_history: BTreeMap<String, Vec<Exec>>,
}

/// One container's in-memory Pebble, as [`PebbleApi`].
pub(crate) struct MemoryPebble {
    pub(crate) container: String,
    pub(crate) pebbles: Rc<RefCell<Pebbles>>,
}

impl MemoryPebble {
    /// Runs `f` on the container, or fails as an absent socket does.
    fn with<T>(&self, f: impl FnOnce(&mut Container) -> Result<T, Error>) -> Result<T, Error> {
        let mut pebbles = self.pebbles.borrow_mut();
        match pebbles.containers.get_mut(&self.container) {
            Some(container) if container.can_connect => f(container),
            found => {
                let reason = if found.is_some() {
                    "the test state has `can_connect: false`"
                } else {
                    "the container is not in the test state"
                };
                Err(Unreachable {
                    socket: crate::pebble::container_socket(&self.container),
                    reason: reason.to_owned(),
                }
                .error())
            }
        }
    }
}

fn api_error(operation: &str, status: u16, kind: Option<ErrorKind>, message: String) -> Error {
    Error::Api(Box::new(ApiError {
        operation: operation.to_owned(),
        status,
        kind,
        message,
        value: None,
    }))
}

fn path_error(path: &str, kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::Path(Box::new(PathError {
        path: path.to_owned(),
        kind,
        message: message.into(),
    }))
}

/// A file operation the mounted local directory refused.
fn mount_error(path: &str, error: &std::io::Error) -> Error {
    path_error(
        path,
        ErrorKind::GenericFileError,
        format!("the test's mounted directory refused the change: {error}"),
    )
}

/// `path` made canonical: absolute, no `.`, `..` or repeated `/`.
fn normalize(path: &str) -> Result<String, Error> {
    if !path.starts_with('/') {
        return Err(path_error(
            path,
            ErrorKind::GenericFileError,
            "paths must be absolute",
        ));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

/// The parent of a canonical path; `None` for `/`.
fn parent(path: &str) -> Option<&str> {
    match path.rsplit_once('/')? {
        ("", "") => None,
        ("", _) => Some("/"),
        (parent, _) => Some(parent),
    }
}

/// Whether `name` matches the glob `pattern` (`*`, `?`, literal characters).
fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // matches[j]: whether the pattern so far matches the first j characters.
    let mut matches = vec![false; n.len() + 1];
    matches[0] = true;
    for pc in p {
        let mut next = vec![false; n.len() + 1];
        for j in 0..=n.len() {
            next[j] = match pc {
                '*' => matches[j] || (j > 0 && next[j - 1]),
                '?' => j > 0 && matches[j - 1],
                c => j > 0 && matches[j - 1] && n[j - 1] == c,
            };
        }
        matches = next;
    }
    matches[n.len()]
}

impl PebbleApi for MemoryPebble {
    fn system_info(&self) -> Result<SystemInfo, Error> {
        self.with(|_| {
            Ok(SystemInfo {
                boot_id: "00000000-0000-4000-8000-000000000000".to_owned(),
                version: "v1.32.0".to_owned(),
                http_address: None,
                https_address: None,
            })
        })
    }

    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<(), Error> {
        const OP: &str = "POST /v1/layers";
        self.with(|c| {
            let mut layers = c.layers.clone();
            match layers.iter_mut().find(|(l, _)| l == label) {
                Some((_, existing)) if combine => existing
                    .combine(layer)
                    .map_err(|e| api_error(OP, 400, None, e.to_string()))?,
                Some(_) => {
                    return Err(api_error(
                        OP,
                        400,
                        None,
                        format!("layer \"{label}\" already exists"),
                    ));
                }
                None => {
                    // A new layer must say how each entry combines.
                    Plan::default()
                        .apply(layer)
                        .map_err(|e| api_error(OP, 400, None, e.to_string()))?;
                    layers.push((label.to_owned(), layer.clone()));
                }
            }
            Plan::from_layers(layers.iter().map(|(_, l)| l))
                .and_then(|plan| plan.validate())
                .map_err(|e| api_error(OP, 400, None, e.to_string()))?;
            c.layers = layers;
            c.derive_check_infos();
            Ok(())
        })
    }

    fn plan(&self) -> Result<Plan, Error> {
        self.with(|c| c.current_plan())
    }

    fn services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, Error> {
        self.with(|c| {
            let plan = c.current_plan()?;
            Ok(plan
                .services
                .iter()
                .filter(|(name, _)| names.is_empty() || names.contains(&name.as_str()))
                .map(|(name, service)| ServiceInfo {
                    name: name.clone(),
                    startup: service.startup.clone().unwrap_or(ServiceStartup::Disabled),
                    current: c.service_status(name),
                    current_since: None,
                })
                .collect())
        })
    }

    fn start_services(&self, names: &[&str]) -> Result<(), Error> {
        self.with(|c| {
            let plan = c.current_plan()?;
            let names = Container::services_in_plan(&plan, "POST /v1/services", names)?;
            for name in names {
                c.start(name, &plan);
            }
            c.record_change(ChangeKind::Start, &owned(names));
            Ok(())
        })
    }

    fn stop_services(&self, names: &[&str]) -> Result<(), Error> {
        self.with(|c| {
            let plan = c.current_plan()?;
            let names = Container::services_in_plan(&plan, "POST /v1/services", names)?;
            for name in names {
                c.stop(name);
            }
            c.record_change(ChangeKind::Stop, &owned(names));
            Ok(())
        })
    }

    fn restart_services(&self, names: &[&str]) -> Result<(), Error> {
        self.with(|c| {
            if c.restart_unsupported {
                // What Pebble's `v1PostServices` answered before it knew `restart`.
                return Err(api_error(
                    "POST /v1/services",
                    400,
                    None,
                    "action \"restart\" is unsupported".to_owned(),
                ));
            }
            let plan = c.current_plan()?;
            let names = Container::services_in_plan(&plan, "POST /v1/services", names)?;
            for name in names {
                c.stop(name);
                c.start(name, &plan);
            }
            c.record_change(ChangeKind::Restart, &owned(names));
            Ok(())
        })
    }

    fn replan_services(&self) -> Result<(), Error> {
        // As Pebble's servstate `Replan`: stop the services whose
        // configuration changed (or left the plan), then start those along
        // with every `startup: enabled` one.
        self.with(|c| {
            let plan = c.current_plan()?;
            let changed: Vec<String> = c
                .started
                .iter()
                .filter(|(name, config)| plan.services.get(*name) != Some(config))
                .map(|(name, _)| name.clone())
                .collect();
            for name in &changed {
                c.stop(name);
            }
            let mut affected = changed.clone();
            for (name, service) in &plan.services {
                if changed.contains(name) || service.startup == Some(ServiceStartup::Enabled) {
                    c.start(name, &plan);
                    if !affected.contains(name) {
                        affected.push(name.clone());
                    }
                }
            }
            c.record_change(ChangeKind::Replan, &affected);
            Ok(())
        })
    }

    fn push(&self, path: &str, data: &[u8], options: &PushOptions) -> Result<(), Error> {
        self.with(|c| {
            let path = normalize(path)?;
            let parent = parent(&path).unwrap_or("/");
            if !c.exists(parent) {
                if !options.make_dirs {
                    return Err(path_error(
                        &path,
                        ErrorKind::NotFound,
                        format!("parent directory {parent} does not exist"),
                    ));
                }
                c.make_parents(&path);
            }
            if !c.is_dir(parent) {
                return Err(path_error(
                    &path,
                    ErrorKind::GenericFileError,
                    format!("{parent} is not a directory"),
                ));
            }
            if c.is_dir(&path) {
                return Err(path_error(
                    &path,
                    ErrorKind::GenericFileError,
                    "is a directory",
                ));
            }
            let permissions = options.permissions.unwrap_or(0o644);
            if let Some(local) = c.mounted(&path) {
                mount::write_file(&local, data, permissions).map_err(|e| mount_error(&path, &e))?;
            }
            c.files.insert(
                path,
                FsEntry::File {
                    data: data.to_vec(),
                    permissions,
                },
            );
            Ok(())
        })
    }

    fn pull(&self, path: &str) -> Result<Vec<u8>, Error> {
        self.with(|c| {
            let path = normalize(path)?;
            match c.files.get(&path) {
                Some(FsEntry::File { data, .. }) => Ok(data.clone()),
                Some(FsEntry::Directory { .. }) => Err(path_error(
                    &path,
                    ErrorKind::GenericFileError,
                    "can only read a regular file",
                )),
                None if path == "/" => Err(path_error(
                    &path,
                    ErrorKind::GenericFileError,
                    "can only read a regular file",
                )),
                None => Err(path_error(
                    &path,
                    ErrorKind::NotFound,
                    "no such file or directory",
                )),
            }
        })
    }

    fn list_files(&self, path: &str, options: &ListFilesOptions) -> Result<Vec<FileInfo>, Error> {
        self.with(|c| {
            let path = normalize(path)?;
            let Some(info) = c.file_info(&path) else {
                return Err(path_error(
                    &path,
                    ErrorKind::NotFound,
                    "no such file or directory",
                ));
            };
            let mut found = if options.itself || !info.is_dir() {
                vec![info]
            } else {
                c.files
                    .keys()
                    .filter(|p| parent(p) == Some(path.as_str()))
                    .filter_map(|p| c.file_info(p))
                    .collect()
            };
            if let Some(pattern) = &options.pattern {
                found.retain(|info| glob(pattern, &info.name));
            }
            Ok(found)
        })
    }

    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<(), Error> {
        self.with(|c| {
            let path = normalize(path)?;
            if c.exists(&path) {
                if options.make_parents && c.is_dir(&path) {
                    return Ok(());
                }
                return Err(path_error(
                    &path,
                    ErrorKind::GenericFileError,
                    "file exists",
                ));
            }
            let parent = parent(&path).unwrap_or("/");
            if !c.exists(parent) {
                if !options.make_parents {
                    return Err(path_error(
                        &path,
                        ErrorKind::NotFound,
                        format!("parent directory {parent} does not exist"),
                    ));
                }
                c.make_parents(&path);
            } else if !c.is_dir(parent) {
                return Err(path_error(
                    &path,
                    ErrorKind::GenericFileError,
                    format!("{parent} is not a directory"),
                ));
            }
            let permissions = options.permissions.unwrap_or(0o755);
            if let Some(local) = c.mounted(&path) {
                mount::make_dir(&local, permissions).map_err(|e| mount_error(&path, &e))?;
            }
            c.files.insert(path, FsEntry::Directory { permissions });
            Ok(())
        })
    }

    fn remove_path(&self, path: &str, recursive: bool) -> Result<(), Error> {
        self.with(|c| {
            let path = normalize(path)?;
            if !c.exists(&path) || path == "/" {
                return Err(path_error(
                    &path,
                    ErrorKind::NotFound,
                    "no such file or directory",
                ));
            }
            let prefix = format!("{path}/");
            let has_children = c.files.keys().any(|p| p.starts_with(&prefix));
            if has_children && !recursive {
                return Err(path_error(
                    &path,
                    ErrorKind::GenericFileError,
                    "directory not empty",
                ));
            }
            if let Some(local) = c.mounted(&path) {
                mount::remove(&local).map_err(|e| mount_error(&path, &e))?;
            }
            c.files.retain(|p, _| p != &path && !p.starts_with(&prefix));
            Ok(())
        })
    }

    fn exec(&self, exec: &Exec) -> Result<ExecResult, Error> {
        let result = self.with(|c| {
            let mock = c
                .execs
                .iter()
                .filter(|m| m.matches(&exec.command))
                .max_by_key(|m| m.command_prefix.len());
            let Some(mock) = mock else {
                return Err(api_error(
                    "POST /v1/exec",
                    500,
                    None,
                    format!(
                        "the test mocks no command matching {:?}; add one with `Container::with_exec`",
                        exec.command
                    ),
                ));
            };
            let mut result = ExecResult {
                exit_code: mock.exit_code,
                stdout: mock.stdout.clone(),
                stderr: mock.stderr.clone(),
            };
            if exec.combine_stderr {
                let stderr = std::mem::take(&mut result.stderr);
                result.stdout.extend(stderr);
            }
            Ok(result)
        })?;
        self.pebbles
            .borrow_mut()
            .exec_history
            .entry(self.container.clone())
            .or_default()
            .push(exec.clone());
        Ok(result)
    }

    fn checks(&self, level: Option<CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>, Error> {
        self.with(|c| {
            Ok(c.check_infos
                .iter()
                .filter(|info| names.is_empty() || names.contains(&info.name.as_str()))
                .filter(|info| level.is_none() || info.level == level)
                .cloned()
                .collect())
        })
    }

    fn start_checks(&self, names: &[&str]) -> Result<Vec<String>, Error> {
        self.with(|c| c.switch_checks(names, true))
    }

    fn stop_checks(&self, names: &[&str]) -> Result<Vec<String>, Error> {
        self.with(|c| c.switch_checks(names, false))
    }

    fn send_signal(&self, signal: &str, names: &[&str]) -> Result<(), Error> {
        self.with(|c| {
            let plan = c.current_plan()?;
            let names = Container::services_in_plan(&plan, "POST /v1/signals", names)?;
            // Pebble refuses to signal a service that is not running.
            if let Some(stopped) = names
                .iter()
                .find(|name| c.service_status(name) != ServiceStatus::Active)
            {
                return Err(api_error(
                    "POST /v1/signals",
                    500,
                    None,
                    format!("cannot send signal to {stopped:?}: service is not running"),
                ));
            }
            c.signals.push((
                signal.to_owned(),
                names.iter().map(|name| (*name).to_owned()).collect(),
            ));
            Ok(())
        })
    }

    fn notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>, Error> {
        self.with(|c| {
            Ok(c.notices
                .iter()
                .filter(|n| query.types.is_empty() || query.types.contains(&n.notice_type))
                .filter(|n| query.keys.is_empty() || query.keys.contains(&n.key))
                .filter(|n| query.after.is_none_or(|after| n.last_repeated > after))
                .cloned()
                .collect())
        })
    }

    fn notice(&self, id: &NoticeId) -> Result<Notice, Error> {
        self.with(|c| {
            c.notices
                .iter()
                .find(|n| &n.id == id)
                .cloned()
                .ok_or_else(|| {
                    api_error(
                        &format!("GET /v1/notices/{id}"),
                        404,
                        Some(ErrorKind::NotFound),
                        format!("cannot find notice with ID \"{id}\""),
                    )
                })
        })
    }

    fn notify(&self, key: &str, options: &NotifyOptions) -> Result<NoticeId, Error> {
        self.with(|c| Ok(c.record_notice(key, options)))
    }

    fn changes(&self, select: ChangeSelect, service: Option<&str>) -> Result<Vec<Change>, Error> {
        self.with(|c| {
            Ok(c.changes
                .iter()
                .filter(|change| match select {
                    ChangeSelect::All => true,
                    ChangeSelect::Ready => change.ready,
                    ChangeSelect::InProgress => !change.ready,
                })
                .filter(|change| {
                    service.is_none_or(|service| {
                        change.tasks.iter().any(|t| {
                            t.data.get("service").and_then(|s| s.as_str()) == Some(service)
                        })
                    })
                })
                .cloned()
                .collect())
        })
    }

    fn change(&self, id: &ChangeId) -> Result<Change, Error> {
        self.with(|c| c.find_change(id).cloned())
    }

    fn wait_change(&self, id: &ChangeId, timeout: Duration) -> Result<Change, Error> {
        // Nothing runs in the background here: a change not finished now
        // never finishes, so waiting for it times out.
        self.with(|c| {
            let change = c.find_change(id)?;
            if change.ready {
                Ok(change.clone())
            } else {
                Err(Error::timeout(format!("waiting for change {id}"), timeout))
            }
        })
    }

    fn identities(&self) -> Result<BTreeMap<String, Identity>, Error> {
        self.with(|c| {
            Ok(c.identities
                .iter()
                .map(|(name, identity)| (name.clone(), masked(identity)))
                .collect())
        })
    }

    fn replace_identities(
        &self,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<(), Error> {
        self.with(|c| {
            for (name, identity) in identities {
                match identity {
                    Some(identity) => c.identities.insert(name.clone(), identity.clone()),
                    None => c.identities.remove(name),
                };
            }
            Ok(())
        })
    }

    fn remove_identities(&self, names: &[&str]) -> Result<(), Error> {
        self.with(|c| {
            // All or nothing, as Pebble checks every name before it removes any.
            if let Some(missing) = names.iter().find(|n| !c.identities.contains_key(**n)) {
                return Err(api_error(
                    "POST /v1/identities",
                    400,
                    None,
                    format!("identity {missing:?} does not exist"),
                ));
            }
            for name in names {
                c.identities.remove(*name);
            }
            Ok(())
        })
    }
}

/// Service names as owned strings.
fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// An identity as Pebble reports it: passwords and certificates masked.
fn masked(identity: &Identity) -> Identity {
    let mut identity = identity.clone();
    if let Some(basic) = identity.basic.as_mut() {
        basic.password = "*****".to_owned();
    }
    if let Some(cert) = identity.cert.as_mut() {
        cert.pem = "*****".to_owned();
    }
    identity
}

/// A check's state as the harness starts it: up, no failures, threshold 3.
pub fn check_info(name: impl Into<String>) -> CheckInfo {
    CheckInfo {
        name: name.into(),
        level: None,
        startup: CheckStartup::Enabled,
        status: CheckStatus::Up,
        successes: 0,
        failures: 0,
        threshold: 3,
        change_id: None,
        prev_change_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize() {
        assert_eq!(normalize("/a//b/./c/../d/").unwrap(), "/a/b/d");
        assert_eq!(normalize("/").unwrap(), "/");
        assert!(normalize("a/b").is_err());
        assert_eq!(parent("/a/b"), Some("/a"));
        assert_eq!(parent("/a"), Some("/"));
        assert_eq!(parent("/"), None);
    }

    #[test]
    fn globs() {
        assert!(glob("*.conf", "web.conf"));
        assert!(!glob("*.conf", "web.confx"));
        assert!(glob("w?b*", "web.conf"));
        assert!(glob("*", ""));
        assert!(!glob("?", ""));
    }
}
