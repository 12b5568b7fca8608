//! Workload containers: [`Container`], a charm's handle on one container's
//! Pebble, from [`HookContext::container`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use crate::context::{HookContext, ModelError};
use crate::event::{
    PebbleCheckFailedEvent, PebbleCheckRecoveredEvent, PebbleCustomNoticeEvent, PebbleReadyEvent,
};
use crate::hook_tools::PebbleConnection;
use crate::model::ContainerName;
use crate::pebble::{
    self, Change, ChangeId, ChangeSelect, CheckInfo, CheckLevel, Exec, ExecOutput, ExecResult,
    FileInfo, FileType, Identity, Layer, ListFilesOptions, MakeDirOptions, Notice, NoticeId,
    NoticesQuery, NotifyOptions, PebbleApi, Plan, PushOptions, ServiceInfo,
};

/// An event about one workload container: `<container>-pebble-*`.
///
/// [`HookContext::container_for`] turns one into the container's [`Container`].
#[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
pub trait WorkloadEvent {
    /// The container the event is about.
    fn container_name(&self) -> &str;
}

macro_rules! workload_event {
    ($($ty:ty),*) => {$(
        impl WorkloadEvent for $ty {
            fn container_name(&self) -> &str {
                &self.container
            }
        }
    )*};
}

workload_event!(
    PebbleReadyEvent,
    PebbleCustomNoticeEvent,
    PebbleCheckFailedEvent,
    PebbleCheckRecoveredEvent
);

/// One workload container, reached through its Pebble.
///
/// Get one with [`HookContext::container`] (names checked at compile time:
/// `cx.container(Self::CONTAINER_WEB)`) or, in a workload event's handler,
/// [`HookContext::container_for`]. The Pebble client is created the first time
/// a container is asked for and runs on the hook's runtime; cloning a
/// `Container` is cheap and shares it.
///
/// Every call fails with [`ModelError::Pebble`] when Pebble cannot be reached
/// (the container is not up yet) or refuses; [`Container::can_connect`] asks
/// first, as charms usually do before configuring the workload.
///
/// ```no_run
/// # use ops_runtime::{CharmError, HookContext, charm, pebble::{Exec, Layer}};
/// # #[derive(Default)]
/// # struct Demo;
/// #[charm(metadata_source = r#"
/// name: demo
/// containers:
///   web:
///     resource: web-image
/// resources:
///   web-image:
///     type: oci-image
/// "#)]
/// impl Demo {
///     #[on(config_changed)]
///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
///         // `CONTAINER_WEB` is generated from the metadata: a misspelt
///         // container name is a compile error with a suggestion.
///         let web = cx.container(Self::CONTAINER_WEB);
///         if !web.can_connect() {
///             return Ok(()); // pebble-ready will come
///         }
///         web.write_file("/etc/web/web.conf", "listen 8080\n")?;
///         let layer = Layer::from_yaml("services: {web: {override: replace, command: web}}")?;
///         web.apply_layer("web", &layer)?;
///         let version = web.exec(&Exec::new(["web", "--version"]))?;
///         cx.set_workload_version(version.stdout_lossy().trim())?;
///         Ok(())
///     }
/// }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
#[derive(Clone)]
pub struct Container {
    name: String,
    api: Rc<dyn PebbleApi>,
}

impl fmt::Debug for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Container")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl HookContext {
    /// The workload container `name`, e.g. `cx.container(Self::CONTAINER_WEB)`.
    ///
    /// ```
    /// # use ops_runtime::testing::{self, Context, State};
    /// # use ops_runtime::pebble::{Layer, ServiceStatus};
    /// # use ops_runtime::{CharmError, Event, HookContext, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// containers:
    ///   web:
    ///     resource: web-image
    /// resources:
    ///   web-image:
    ///     type: oci-image
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
    ///         let layer = Layer::from_yaml(
    ///             "services:
    ///                web:
    ///                  override: replace
    ///                  command: /bin/web --port 8080
    ///                  startup: enabled",
    ///         )?;
    ///         // Adds the layer (or replaces the one with this label) and replans.
    ///         cx.container(Self::CONTAINER_WEB).apply_layer("web", &layer)?;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let state = State::new().with_container(testing::Container::new("web"));
    /// let out = Context::<Demo>::new().run(Event::ConfigChanged, state).unwrap();
    /// let web = out.container("web").unwrap();
    /// assert_eq!(web.service_status("web"), ServiceStatus::Active);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
    pub fn container(&mut self, name: ContainerName) -> Container {
        self.container_unchecked(name.name())
    }

    /// The container a workload event (`<container>-pebble-ready`, ...) is about.
    ///
    /// ```
    /// # use ops_runtime::testing::{self, Context, State};
    /// # use ops_runtime::{HookContext, ModelError, PebbleReadyEvent, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// containers:
    ///   web:
    ///     resource: web-image
    /// resources:
    ///   web-image:
    ///     type: oci-image
    /// "#)]
    /// impl Demo {
    ///     #[on(web_pebble_ready)]
    ///     fn web_ready(
    ///         &mut self,
    ///         cx: &mut HookContext,
    ///         event: PebbleReadyEvent,
    ///     ) -> Result<(), ModelError> {
    ///         // Pushes the file, creating /etc/web if needed.
    ///         cx.container_for(&event).write_file("/etc/web/web.conf", "listen 8080\n")
    ///     }
    /// }
    ///
    /// let web = testing::Container::new("web");
    /// let event = web.pebble_ready_event();
    /// let out = Context::<Demo>::new().run(event, State::new().with_container(web)).unwrap();
    /// let file = out.container("web").unwrap().file("/etc/web/web.conf");
    /// assert_eq!(file, Some(&b"listen 8080\n"[..]));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
    pub fn container_for(&mut self, event: &impl WorkloadEvent) -> Container {
        self.container_unchecked(event.container_name())
    }

    /// The workload container named at run time (a name read from config, say),
    /// checked against the charm's metadata when called.
    ///
    /// For a name known when writing the charm, use [`HookContext::container`]
    /// with the constant `#[charm]` generates for each container
    /// (`cx.container(Self::CONTAINER_WEB)`), which a misspelling does not
    /// compile. A name the metadata does not declare is
    /// [`ModelError::UnknownContainer`], whose message suggests the nearest
    /// declared one.
    ///
    /// ```
    /// # use ops_runtime::testing::{self, Context, State};
    /// # use ops_runtime::{CharmError, Event, HookContext, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// containers:
    ///   workload:
    ///     resource: image
    /// resources:
    ///   image:
    ///     type: oci-image
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
    ///         let error = cx.container_by_name("worklaod").unwrap_err();
    ///         assert!(error.to_string().contains("did you mean `workload`?"));
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let state = State::new().with_container(testing::Container::new("workload"));
    /// Context::<Demo>::new().run(Event::ConfigChanged, state).unwrap();
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
    pub fn container_by_name(&mut self, name: &str) -> Result<Container, ModelError> {
        let declared = self.meta().containers;
        if !declared.contains(&name) {
            return Err(ModelError::UnknownContainer {
                name: name.to_owned(),
                declared,
            });
        }
        Ok(self.container_unchecked(name))
    }

    fn container_unchecked(&mut self, name: &str) -> Container {
        let api = match self.pebbles.get(name) {
            Some(api) => Rc::clone(api),
            None => {
                let api = self.connect_pebble(name);
                self.pebbles.insert(name.to_owned(), Rc::clone(&api));
                api
            }
        };
        Container {
            name: name.to_owned(),
            api,
        }
    }

    /// A client for `container`'s Pebble on this hook's runtime, or, if one
    /// cannot be made, a stand-in whose every call reports why.
    fn connect_pebble(&mut self, container: &str) -> Rc<dyn PebbleApi> {
        let socket = match self.hook_tools().pebble(container) {
            PebbleConnection::Api(api) => return api,
            PebbleConnection::Socket(socket) => socket,
        };
        let client = pebble::Client::new(&socket).map_err(|e| e.to_string());
        let runtime = self
            .runtime()
            .map_err(|e| format!("cannot start a runtime: {e}"));
        match (client, runtime) {
            (Ok(client), Ok(runtime)) => {
                Rc::new(pebble::blocking::Client::with_runtime(client, runtime))
            }
            (Err(reason), _) | (_, Err(reason)) => Rc::new(pebble::Unreachable { socket, reason }),
        }
    }
}

impl Container {
    /// A container talking to `api`, for tests that drive a [`Container`]
    /// without a hook context.
    pub fn with_api(name: impl Into<String>, api: Rc<dyn PebbleApi>) -> Self {
        Self {
            name: name.into(),
            api,
        }
    }

    /// The container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Pebble API underneath, for calls this type does not wrap.
    pub fn pebble(&self) -> &dyn PebbleApi {
        &*self.api
    }

    fn wrap<T>(&self, result: Result<T, pebble::Error>) -> Result<T, ModelError> {
        result.map_err(|source| ModelError::Pebble {
            container: self.name.clone(),
            source: Box::new(source),
        })
    }

    /// Whether Pebble answers now. A `false` is logged at debug level with
    /// the reason; `pebble-ready` follows when it comes up.
    pub fn can_connect(&self) -> bool {
        match self.api.system_info() {
            Ok(_) => true,
            Err(error) => {
                log::debug!("container `{}`: cannot connect: {error}", self.name);
                false
            }
        }
    }

    /// Adds `layer` under `label`; with `combine`, merges it into an existing
    /// layer of that label instead of failing.
    pub fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<(), ModelError> {
        self.wrap(self.api.add_layer(label, layer, combine))
    }

    /// The daily configuration step: combines `layer` into the layer `label`
    /// (adding it the first time), then replans, so that changed services
    /// restart and `startup: enabled` ones run.
    pub fn apply_layer(&self, label: &str, layer: &Layer) -> Result<(), ModelError> {
        self.add_layer(label, layer, true)?;
        self.replan()
    }

    /// The plan: all layers combined.
    pub fn plan(&self) -> Result<Plan, ModelError> {
        self.wrap(self.api.plan())
    }

    /// Restarts services whose configuration changed and starts every
    /// `startup: enabled` one.
    pub fn replan(&self) -> Result<(), ModelError> {
        self.wrap(self.api.replan_services())
    }

    /// Starts `names`.
    pub fn start(&self, names: &[&str]) -> Result<(), ModelError> {
        self.wrap(self.api.start_services(names))
    }

    /// Stops `names`.
    pub fn stop(&self, names: &[&str]) -> Result<(), ModelError> {
        self.wrap(self.api.stop_services(names))
    }

    /// Restarts `names` (starting those that are stopped).
    ///
    /// A Pebble too old to know the `restart` action answers it with `400 Bad
    /// Request`; then, as ops does, this stops those of `names` that are
    /// running and starts all of `names`. A name the plan lacks fails
    /// before anything is stopped.
    ///
    /// ```
    /// # use ops_runtime::testing::{self, Context, State};
    /// # use ops_runtime::pebble::{Layer, ServiceStatus};
    /// # use ops_runtime::{CharmError, Event, HookContext, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// containers:
    ///   web:
    ///     resource: web-image
    /// resources:
    ///   web-image:
    ///     type: oci-image
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
    ///         cx.container(Self::CONTAINER_WEB).restart(&["web"])?;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let layer = Layer::from_yaml("services: {web: {override: replace, command: web}}").unwrap();
    /// // An old Pebble that refuses `restart`: the service is stopped and started instead.
    /// let web = testing::Container::new("web")
    ///     .with_layer("web", layer)
    ///     .with_restart_unsupported(true);
    /// let out = Context::<Demo>::new()
    ///     .run(Event::ConfigChanged, State::new().with_container(web))
    ///     .unwrap();
    /// assert_eq!(out.container("web").unwrap().service_status("web"), ServiceStatus::Active);
    /// ```
    pub fn restart(&self, names: &[&str]) -> Result<(), ModelError> {
        match self.api.restart_services(names) {
            Err(pebble::Error::Api(refused)) if refused.status == 400 => {
                log::debug!(
                    "container `{}`: Pebble refused `restart` ({}); stopping and starting instead",
                    self.name,
                    refused.message
                );
                let services = self.services(names)?;
                if names.iter().any(|n| !services.iter().any(|s| s.name == *n)) {
                    // A name the plan lacks: let `start` refuse it (it
                    // changes nothing when it does) before anything is stopped.
                    return self.start(names);
                }
                let running: Vec<String> = services
                    .into_iter()
                    .filter(ServiceInfo::is_running)
                    .map(|service| service.name)
                    .collect();
                if !running.is_empty() {
                    let running: Vec<&str> = running.iter().map(String::as_str).collect();
                    self.stop(&running)?;
                }
                self.start(names)
            }
            result => self.wrap(result),
        }
    }

    /// The named services (all when `names` is empty).
    pub fn services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, ModelError> {
        self.wrap(self.api.services(names))
    }

    /// One service, `None` when the plan has no service of that name.
    pub fn service(&self, name: &str) -> Result<Option<ServiceInfo>, ModelError> {
        Ok(self.services(&[name])?.into_iter().find(|s| s.name == name))
    }

    /// Sends `signal` (a name such as `SIGHUP`) to the running services
    /// `names`; Pebble refuses a service that is not running.
    pub fn send_signal(&self, signal: &str, names: &[&str]) -> Result<(), ModelError> {
        self.wrap(self.api.send_signal(signal, names))
    }

    /// Sends the signal numbered `signal` (such as 1, `SIGHUP`) to the
    /// running services `names`, as ops's `send_signal` takes an `int`.
    ///
    /// Pebble takes signals by name, so the number is translated with Linux's
    /// numbering (that of the workload's kernel on amd64, arm64, ppc64el and
    /// s390x); a number outside 1–31 fails before reaching Pebble.
    ///
    /// ```
    /// # use ops_runtime::testing::{self, Context, State};
    /// # use ops_runtime::pebble::{Layer, ServiceStatus};
    /// # use ops_runtime::{CharmError, Event, HookContext, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// containers:
    ///   web:
    ///     resource: web-image
    /// resources:
    ///   web-image:
    ///     type: oci-image
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn reload(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
    ///         cx.container(Self::CONTAINER_WEB).send_signal_number(1, &["web"])?;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let layer = Layer::from_yaml("services: {web: {override: replace, command: web}}").unwrap();
    /// let web = testing::Container::new("web")
    ///     .with_layer("web", layer)
    ///     .with_service_status("web", ServiceStatus::Active);
    /// let out = Context::<Demo>::new()
    ///     .run(Event::ConfigChanged, State::new().with_container(web))
    ///     .unwrap();
    /// let signals = &out.container("web").unwrap().signals;
    /// assert_eq!(signals, &[("SIGHUP".to_owned(), vec!["web".to_owned()])]);
    /// ```
    pub fn send_signal_number(&self, signal: i32, names: &[&str]) -> Result<(), ModelError> {
        let name = signal_name(signal).ok_or_else(|| {
            self.local_error(
                format!("cannot send signal {signal}: Linux has no signal of that number (1-31)"),
                std::io::ErrorKind::InvalidInput.into(),
            )
        })?;
        self.send_signal(name, names)
    }

    /// Whether the service `name` exists and runs.
    pub fn is_running(&self, name: &str) -> Result<bool, ModelError> {
        Ok(self.service(name)?.is_some_and(|s| s.is_running()))
    }

    /// Writes `data` to `path`.
    pub fn push(
        &self,
        path: &str,
        data: impl AsRef<[u8]>,
        options: &PushOptions,
    ) -> Result<(), ModelError> {
        self.wrap(self.api.push(path, data.as_ref(), options))
    }

    /// Writes a (rendered configuration) file, creating missing parent
    /// directories, with Pebble's default permissions and owner.
    pub fn write_file(&self, path: &str, data: impl AsRef<[u8]>) -> Result<(), ModelError> {
        self.push(path, data, &PushOptions::new().make_dirs(true))
    }

    /// Reads the file at `path`.
    pub fn pull(&self, path: &str) -> Result<Vec<u8>, ModelError> {
        self.wrap(self.api.pull(path))
    }

    /// Whether `path` is a directory (false when nothing is there).
    pub fn is_dir(&self, path: &str) -> Result<bool, ModelError> {
        match self
            .api
            .list_files(path, &ListFilesOptions::new().itself(true))
        {
            Ok(found) => Ok(found
                .first()
                .is_some_and(|info| info.file_type == FileType::Directory)),
            Err(error) if error.is_not_found() => Ok(false),
            Err(error) => self.wrap(Err(error)),
        }
    }

    /// Copies the local file or directory `source` (recursively, keeping
    /// permission bits) into the container's directory `dest_dir`, creating
    /// missing directories: `/src/app` lands at `dest_dir/app`.
    pub fn push_path(&self, source: impl AsRef<Path>, dest_dir: &str) -> Result<(), ModelError> {
        let source = source.as_ref();
        let name = source.file_name().ok_or_else(|| {
            self.local_error(
                format!("cannot push `{}`: it has no file name", source.display()),
                std::io::ErrorKind::InvalidInput.into(),
            )
        })?;
        let dest = join(dest_dir, &name.to_string_lossy());
        self.push_tree(source, &dest)
    }

    fn push_tree(&self, source: &Path, dest: &str) -> Result<(), ModelError> {
        use std::os::unix::fs::PermissionsExt;
        let read_error = |e| self.local_error(format!("cannot read `{}`", source.display()), e);
        let metadata = std::fs::metadata(source).map_err(read_error)?;
        let mode = metadata.permissions().mode() & 0o777;
        if metadata.is_dir() {
            self.make_dir(
                dest,
                &MakeDirOptions::new().make_parents(true).permissions(mode),
            )?;
            let mut entries: Vec<_> = std::fs::read_dir(source)
                .map_err(read_error)?
                .collect::<Result<_, _>>()
                .map_err(read_error)?;
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for entry in entries {
                let child = join(dest, &entry.file_name().to_string_lossy());
                self.push_tree(&entry.path(), &child)?;
            }
            Ok(())
        } else {
            let data = std::fs::read(source).map_err(read_error)?;
            self.push(
                dest,
                data,
                &PushOptions::new().make_dirs(true).permissions(mode),
            )
        }
    }

    /// Copies the container's file or directory `source` (recursively) into
    /// the local directory `dest_dir`, creating missing directories:
    /// `/etc/app` lands at `dest_dir/app`.
    pub fn pull_path(&self, source: &str, dest_dir: impl AsRef<Path>) -> Result<(), ModelError> {
        let name = last_component(source).ok_or_else(|| {
            self.local_error(
                format!("cannot pull `{source}`: it has no file name"),
                std::io::ErrorKind::InvalidInput.into(),
            )
        })?;
        let dest = dest_dir.as_ref().join(name);
        self.pull_tree(source, &dest)
    }

    fn pull_tree(&self, source: &str, dest: &Path) -> Result<(), ModelError> {
        let write_error = |e| self.local_error(format!("cannot write `{}`", dest.display()), e);
        if self.is_dir(source)? {
            std::fs::create_dir_all(dest).map_err(write_error)?;
            for entry in self.list_files(source, &ListFilesOptions::new())? {
                let child: PathBuf = dest.join(&entry.name);
                self.pull_tree(&join(source, &entry.name), &child)?;
            }
            Ok(())
        } else {
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(write_error)?;
            }
            // Streamed to the file, so a file of any size is copied in bounded memory;
            // a pull that fails leaves no partial file behind.
            let mut file = std::fs::File::create(dest).map_err(write_error)?;
            let pulled = self.wrap(self.api.pull_to(source, &mut file).map(drop));
            if pulled.is_err() {
                drop(file);
                let _ = std::fs::remove_file(dest);
            }
            pulled
        }
    }

    /// Copies several local files or directories, each recursively, into the
    /// container's directory `dest_dir`, as ops's `push_path` with a list: `/src/app`
    /// lands at `dest_dir/app`.
    ///
    /// A source whose last component holds `*` or `?` is a glob over its
    /// directory (`/src/conf/*.yaml`). Every source is attempted; when any
    /// fails (a missing path, a glob that matches nothing, one file inside a
    /// directory), the others are still copied and the error lists every
    /// failed path with its reason.
    ///
    /// ```
    /// # use ops_runtime::testing::{self, Context, State};
    /// # use ops_runtime::{CharmError, Event, HookContext, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// containers:
    ///   web:
    ///     resource: web-image
    /// resources:
    ///   web-image:
    ///     type: oci-image
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
    ///         let web = cx.container(Self::CONTAINER_WEB);
    ///         let error = web
    ///             .push_paths(["/nonexistent/a.conf", "/nonexistent/*.yaml"], "/etc/web")
    ///             .unwrap_err();
    ///         assert_eq!(error.failures.len(), 2);
    ///         assert!(error.to_string().contains("/nonexistent/*.yaml"));
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let state = State::new().with_container(testing::Container::new("web"));
    /// Context::<Demo>::new().run(Event::ConfigChanged, state).unwrap();
    /// ```
    pub fn push_paths<I>(&self, sources: I, dest_dir: &str) -> Result<(), PushPullError>
    where
        I: IntoIterator,
        I::Item: AsRef<Path>,
    {
        let mut failures = Vec::new();
        for source in sources {
            let source = source.as_ref();
            let matched = match self.expand_local(source) {
                Ok(matched) => matched,
                Err(error) => {
                    failures.push((source.display().to_string(), error));
                    continue;
                }
            };
            for path in matched {
                match path.file_name() {
                    Some(name) => {
                        let dest = join(dest_dir, &name.to_string_lossy());
                        self.push_tree_collecting(&path, &dest, &mut failures);
                    }
                    None => failures.push((
                        path.display().to_string(),
                        self.local_error(
                            format!("cannot push `{}`: it has no file name", path.display()),
                            std::io::ErrorKind::InvalidInput.into(),
                        ),
                    )),
                }
            }
        }
        self.transfer_result("push", failures)
    }

    /// Copies several of the container's files or directories, each
    /// recursively, into the local directory `dest_dir`, as ops's `pull_path`
    /// with a list: `/etc/app` lands at `dest_dir/app`.
    ///
    /// A source whose last component holds `*` or `?` is a glob over its
    /// directory (`/etc/app/*.conf`), matched by Pebble. Every source is
    /// attempted; when any fails, the others are still copied and the error
    /// lists every failed path with its reason.
    ///
    /// ```
    /// # use ops_runtime::testing::{self, Context, State};
    /// # use ops_runtime::{CharmError, Event, HookContext, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// containers:
    ///   web:
    ///     resource: web-image
    /// resources:
    ///   web-image:
    ///     type: oci-image
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn backup(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
    ///         let dest = std::env::temp_dir().join(format!("demo-pull-{}", std::process::id()));
    ///         let web = cx.container(Self::CONTAINER_WEB);
    ///         let error = web.pull_paths(["/etc/web/*.conf", "/var/missing"], &dest).unwrap_err();
    ///         // The glob matched and was copied; only the missing path failed.
    ///         assert_eq!(error.failures.len(), 1);
    ///         assert_eq!(error.failures[0].0, "/var/missing");
    ///         assert_eq!(std::fs::read(dest.join("web.conf"))?, b"listen 80\n");
    ///         std::fs::remove_dir_all(&dest)?;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let web = testing::Container::new("web").with_file("/etc/web/web.conf", "listen 80\n");
    /// Context::<Demo>::new().run(Event::ConfigChanged, State::new().with_container(web)).unwrap();
    /// ```
    pub fn pull_paths<I>(&self, sources: I, dest_dir: impl AsRef<Path>) -> Result<(), PushPullError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let dest_dir = dest_dir.as_ref();
        let mut failures = Vec::new();
        for source in sources {
            let source = source.as_ref();
            let matched = match self.expand_remote(source) {
                Ok(matched) => matched,
                Err(error) => {
                    failures.push((source.to_owned(), error));
                    continue;
                }
            };
            for path in matched {
                match last_component(&path) {
                    Some(name) => {
                        let dest = dest_dir.join(name);
                        self.pull_tree_collecting(&path, &dest, &mut failures);
                    }
                    None => failures.push((
                        path.clone(),
                        self.local_error(
                            format!("cannot pull `{path}`: it has no file name"),
                            std::io::ErrorKind::InvalidInput.into(),
                        ),
                    )),
                }
            }
        }
        self.transfer_result("pull", failures)
    }

    fn transfer_result(
        &self,
        operation: &'static str,
        failures: Vec<(String, ModelError)>,
    ) -> Result<(), PushPullError> {
        if failures.is_empty() {
            Ok(())
        } else {
            Err(PushPullError {
                operation,
                container: self.name.clone(),
                failures,
            })
        }
    }

    /// The local paths `source` names: itself, or what its glob matches.
    fn expand_local(&self, source: &Path) -> Result<Vec<PathBuf>, ModelError> {
        let pattern = match source.file_name() {
            Some(name) if is_glob(&name.to_string_lossy()) => name.to_string_lossy().into_owned(),
            _ => return Ok(vec![source.to_path_buf()]),
        };
        let dir = match source.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let read_error = |e| self.local_error(format!("cannot read `{}`", dir.display()), e);
        let mut matched = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_error)? {
            let entry = entry.map_err(read_error)?;
            if glob(&pattern, &entry.file_name().to_string_lossy()) {
                matched.push(entry.path());
            }
        }
        if matched.is_empty() {
            return Err(self.local_error(
                format!("cannot push `{}`: no local path matches", source.display()),
                std::io::ErrorKind::NotFound.into(),
            ));
        }
        matched.sort();
        Ok(matched)
    }

    /// The container's paths `source` names: itself, or what its glob matches.
    fn expand_remote(&self, source: &str) -> Result<Vec<String>, ModelError> {
        let Some((dir, pattern)) = source.rsplit_once('/').filter(|(_, name)| is_glob(name)) else {
            return Ok(vec![source.to_owned()]);
        };
        let dir = if dir.is_empty() { "/" } else { dir };
        let found = self.list_files(dir, &ListFilesOptions::new().pattern(pattern))?;
        if found.is_empty() {
            return self.wrap(Err(pebble::Error::Path(Box::new(pebble::PathError {
                path: source.to_owned(),
                kind: pebble::ErrorKind::NotFound,
                message: "no path in the container matches".to_owned(),
            }))));
        }
        Ok(found.iter().map(|entry| join(dir, &entry.name)).collect())
    }

    /// [`Self::push_tree`] that records each failed path in `failures` and
    /// goes on with the others.
    fn push_tree_collecting(
        &self,
        source: &Path,
        dest: &str,
        failures: &mut Vec<(String, ModelError)>,
    ) {
        use std::os::unix::fs::PermissionsExt;
        let shown = || source.display().to_string();
        let read_error = |e| self.local_error(format!("cannot read `{}`", source.display()), e);
        let metadata = match std::fs::metadata(source) {
            Ok(metadata) => metadata,
            Err(error) => return failures.push((shown(), read_error(error))),
        };
        let mode = metadata.permissions().mode() & 0o777;
        if !metadata.is_dir() {
            if let Err(error) = self.push_tree(source, dest) {
                failures.push((shown(), error));
            }
            return;
        }
        let made = self.make_dir(
            dest,
            &MakeDirOptions::new().make_parents(true).permissions(mode),
        );
        let entries = made.and_then(|()| {
            let entries = std::fs::read_dir(source).map_err(read_error)?;
            entries.collect::<Result<Vec<_>, _>>().map_err(read_error)
        });
        match entries {
            Ok(mut entries) => {
                entries.sort_by_key(std::fs::DirEntry::file_name);
                for entry in entries {
                    let child = join(dest, &entry.file_name().to_string_lossy());
                    self.push_tree_collecting(&entry.path(), &child, failures);
                }
            }
            Err(error) => failures.push((shown(), error)),
        }
    }

    /// [`Self::pull_tree`] that records each failed path in `failures` and
    /// goes on with the others.
    fn pull_tree_collecting(
        &self,
        source: &str,
        dest: &Path,
        failures: &mut Vec<(String, ModelError)>,
    ) {
        let entries = match self.is_dir(source) {
            Ok(false) => {
                if let Err(error) = self.pull_tree(source, dest) {
                    failures.push((source.to_owned(), error));
                }
                return;
            }
            Ok(true) => std::fs::create_dir_all(dest)
                .map_err(|e| self.local_error(format!("cannot write `{}`", dest.display()), e))
                .and_then(|()| self.list_files(source, &ListFilesOptions::new())),
            Err(error) => Err(error),
        };
        match entries {
            Ok(entries) => {
                for entry in entries {
                    let child = dest.join(&entry.name);
                    self.pull_tree_collecting(&join(source, &entry.name), &child, failures);
                }
            }
            Err(error) => failures.push((source.to_owned(), error)),
        }
    }

    /// A failure on this side of a transfer, as Pebble's client reports one.
    fn local_error(&self, context: String, source: std::io::Error) -> ModelError {
        ModelError::Pebble {
            container: self.name.clone(),
            source: Box::new(pebble::Error::Io { context, source }),
        }
    }

    /// Whether something exists at `path`.
    pub fn exists(&self, path: &str) -> Result<bool, ModelError> {
        match self
            .api
            .list_files(path, &ListFilesOptions::new().itself(true))
        {
            Ok(found) => Ok(!found.is_empty()),
            Err(error) if error.is_not_found() => Ok(false),
            Err(error) => self.wrap(Err(error)),
        }
    }

    /// A directory's entries, or one file's.
    pub fn list_files(
        &self,
        path: &str,
        options: &ListFilesOptions,
    ) -> Result<Vec<FileInfo>, ModelError> {
        self.wrap(self.api.list_files(path, options))
    }

    /// Creates a directory.
    pub fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<(), ModelError> {
        self.wrap(self.api.make_dir(path, options))
    }

    /// Removes a file or directory (with its contents when `recursive`).
    pub fn remove_path(&self, path: &str, recursive: bool) -> Result<(), ModelError> {
        self.wrap(self.api.remove_path(path, recursive))
    }

    /// Runs a command and returns what it wrote; a non-zero exit code is
    /// [`pebble::Error::Exec`] (with the output), inside [`ModelError::Pebble`].
    pub fn exec(&self, exec: &Exec) -> Result<ExecOutput, ModelError> {
        let result = self.exec_result(exec)?;
        self.wrap(result.into_output(&exec.command))
    }

    /// Runs a command and returns its exit code and output, whatever the code.
    pub fn exec_result(&self, exec: &Exec) -> Result<ExecResult, ModelError> {
        self.wrap(self.api.exec(exec))
    }

    /// The named checks (all when `names` is empty), of `level` if given.
    pub fn checks(
        &self,
        level: Option<CheckLevel>,
        names: &[&str],
    ) -> Result<Vec<CheckInfo>, ModelError> {
        self.wrap(self.api.checks(level, names))
    }

    /// Starts the checks `names`; returns those that were not running.
    pub fn start_checks(&self, names: &[&str]) -> Result<Vec<String>, ModelError> {
        self.wrap(self.api.start_checks(names))
    }

    /// Stops the checks `names`; returns those that were running. Stopping
    /// health monitoring is logged as a security event
    /// (`sys_monitor_disabled`), as ops does.
    pub fn stop_checks(&self, names: &[&str]) -> Result<Vec<String>, ModelError> {
        let stopped = self.wrap(self.api.stop_checks(names))?;
        if !stopped.is_empty() {
            crate::logging::security_event(
                crate::logging::SecurityLevel::Warn,
                &format!("sys_monitor_disabled:{},{}", self.name, stopped.join(",")),
                &format!(
                    "Stopped the Pebble checks {} in container {}.",
                    stopped.join(", "),
                    self.name
                ),
            );
        }
        Ok(stopped)
    }

    /// The notices `query` selects.
    pub fn notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>, ModelError> {
        self.wrap(self.api.notices(query))
    }

    /// One notice, such as the one a `pebble-custom-notice` event names.
    pub fn notice(&self, id: &NoticeId) -> Result<Notice, ModelError> {
        self.wrap(self.api.notice(id))
    }

    /// Records an occurrence of the custom notice `key` (`example.com/path`)
    /// and returns its ID. Pebble keeps one notice per key: a second
    /// occurrence counts as a repeat of the first (and so reaches the charm
    /// as a `pebble-custom-notice` again) unless it comes within
    /// [`NotifyOptions::repeat_after`] of the last repeat.
    ///
    /// ```
    /// # use ops_runtime::testing::{Container, Context, State};
    /// # use ops_runtime::pebble::NotifyOptions;
    /// # use ops_runtime::{Event, HookContext, ModelError, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo\ncontainers:\n  web:\n    resource: img\nresources:\n  img:\n    type: oci-image\n")]
    /// impl Demo {
    ///     #[on(update_status)]
    ///     fn update_status(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         let web = cx.container(Self::CONTAINER_WEB);
    ///         web.notify("example.com/backup", &NotifyOptions::new())?;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let state = State::new().with_container(Container::new("web"));
    /// let out = Context::<Demo>::new().run(Event::UpdateStatus, state).unwrap();
    /// let notices = &out.container("web").unwrap().notices;
    /// assert_eq!(notices[0].key, "example.com/backup");
    /// ```
    pub fn notify(&self, key: &str, options: &NotifyOptions) -> Result<NoticeId, ModelError> {
        self.wrap(self.api.notify(key, options))
    }

    /// The changes `select` picks (Pebble's default is those in progress),
    /// only those that affected `service` if given.
    pub fn changes(
        &self,
        select: ChangeSelect,
        service: Option<&str>,
    ) -> Result<Vec<Change>, ModelError> {
        self.wrap(self.api.changes(select, service))
    }

    /// One change, by ID.
    pub fn change(&self, id: &ChangeId) -> Result<Change, ModelError> {
        self.wrap(self.api.change(id))
    }

    /// Waits up to `timeout` for the change `id` to finish and returns it,
    /// failed or not: [`Change::into_result`] turns a failed one into an
    /// error. Fails with a timeout error when it is still running then.
    pub fn wait_change(&self, id: &ChangeId, timeout: Duration) -> Result<Change, ModelError> {
        self.wrap(self.api.wait_change(id, timeout))
    }

    /// The identities Pebble lets in (Pebble 1.15+), their passwords masked.
    pub fn identities(&self) -> Result<BTreeMap<String, Identity>, ModelError> {
        self.wrap(self.api.identities())
    }

    /// Adds or replaces identities; `None` removes one (and is no error when
    /// it does not exist).
    ///
    /// ```
    /// # use std::collections::BTreeMap;
    /// # use ops_runtime::testing::{Container, Context, State};
    /// # use ops_runtime::pebble::{Identity, IdentityAccess};
    /// # use ops_runtime::{Event, HookContext, ModelError, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo\ncontainers:\n  web:\n    resource: img\nresources:\n  img:\n    type: oci-image\n")]
    /// impl Demo {
    ///     #[on(web_pebble_ready)]
    ///     fn ready(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         let web = cx.container(Self::CONTAINER_WEB);
    ///         let ops = Identity::local(IdentityAccess::Admin, 1000);
    ///         web.replace_identities(&BTreeMap::from([("ops".to_owned(), Some(ops))]))
    ///     }
    /// }
    ///
    /// let web = Container::new("web");
    /// let out = Context::<Demo>::new()
    ///     .run(web.pebble_ready_event(), State::new().with_container(web))
    ///     .unwrap();
    /// let identities = &out.container("web").unwrap().identities;
    /// assert_eq!(identities["ops"].access, IdentityAccess::Admin);
    /// ```
    pub fn replace_identities(
        &self,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<(), ModelError> {
        self.wrap(self.api.replace_identities(identities))
    }

    /// Removes the identities `names`; fails if one does not exist.
    pub fn remove_identities(&self, names: &[&str]) -> Result<(), ModelError> {
        self.wrap(self.api.remove_identities(names))
    }
}

/// The paths [`Container::push_paths`] or [`Container::pull_paths`] could
/// not copy, each with its reason; every other path was copied.
#[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
#[non_exhaustive]
pub struct PushPullError {
    /// `push` or `pull`.
    pub operation: &'static str,
    /// The container.
    pub container: String,
    /// Each path that failed (a source, a glob that matched nothing, or a file
    /// inside a directory) with its error, in the order they were tried.
    pub failures: Vec<(String, ModelError)>,
}

impl PushPullError {
    fn describe(&self) -> String {
        let (count, plural) = (
            self.failures.len(),
            if self.failures.len() == 1 { "" } else { "s" },
        );
        let direction = if self.operation == "push" {
            "to"
        } else {
            "from"
        };
        let mut message = format!(
            "cannot {} {count} path{plural} {direction} container `{}`:",
            self.operation, self.container
        );
        for (path, error) in &self.failures {
            let reason = match error {
                ModelError::Pebble { source, .. } => source.to_string(),
                other => other.to_string(),
            };
            message.push_str(&format!("\n  `{path}`: {reason}"));
        }
        message
    }
}

/// Whether a path component is a glob (`*`, `?`).
fn is_glob(name: &str) -> bool {
    name.contains(['*', '?'])
}

/// Whether `name` matches the glob `pattern` (`*`, `?`, literal characters),
/// as Pebble's `path.Match` does for these.
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

/// The last component of a container path, `None` for `/`.
fn last_component(path: &str) -> Option<&str> {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
}

/// The name Pebble knows the Linux signal numbered `number` by.
fn signal_name(number: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    let index = usize::try_from(number).ok()?.checked_sub(1)?;
    NAMES.get(index).copied()
}

/// `dir/name`, without doubling a `/`.
fn join(dir: &str, name: &str) -> String {
    format!("{}/{name}", dir.trim_end_matches('/'))
}
