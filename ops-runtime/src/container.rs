//! Workload containers: [`Container`], a charm's handle on one container's
//! Pebble, from [`HookContext::container`].

use std::fmt;
use std::rc::Rc;

use crate::context::{HookContext, ModelError};
use crate::event::{
    PebbleCheckFailedEvent, PebbleCheckRecoveredEvent, PebbleCustomNoticeEvent, PebbleReadyEvent,
};
use crate::hook_tools::PebbleConnection;
use crate::model::ContainerName;
use crate::pebble::{
    self, CheckInfo, CheckLevel, Exec, ExecOutput, ExecResult, FileInfo, Layer, ListFilesOptions,
    MakeDirOptions, Notice, NoticeId, NoticesQuery, PebbleApi, Plan, PushOptions, ServiceInfo,
};

/// An event about one workload container: `<container>-pebble-*`.
///
/// [`HookContext::container_for`] turns one into the container's [`Container`].
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
/// # use ops_runtime::{HookContext, ModelError, pebble::Layer};
/// # fn configure(cx: &mut HookContext, layer: &Layer) -> Result<(), ModelError> {
/// let web = cx.container_by_name("web")?;
/// if !web.can_connect() {
///     return Ok(()); // pebble-ready will come
/// }
/// web.write_file("/etc/web/web.conf", "listen 8080\n")?;
/// web.apply_layer("web", layer)?;
/// let version = web.exec(&ops_runtime::pebble::Exec::new(["web", "--version"]))?;
/// cx.set_workload_version(version.stdout_lossy().trim())?;
/// # Ok(())
/// # }
/// ```
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
    pub fn container(&mut self, name: ContainerName) -> Container {
        self.container_unchecked(name.name())
    }

    /// The container a workload event (`<container>-pebble-ready`, ...) is about.
    pub fn container_for(&mut self, event: &impl WorkloadEvent) -> Container {
        self.container_unchecked(event.container_name())
    }

    /// The workload container `name`, checked against the charm's metadata at
    /// run time; prefer [`HookContext::container`] and the generated constants.
    pub fn container_by_name(&mut self, name: &str) -> Result<Container, ModelError> {
        if !self.meta().containers.contains(&name) {
            return Err(ModelError::UnknownContainer {
                name: name.to_owned(),
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
    pub fn restart(&self, names: &[&str]) -> Result<(), ModelError> {
        self.wrap(self.api.restart_services(names))
    }

    /// The named services (all when `names` is empty).
    pub fn services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, ModelError> {
        self.wrap(self.api.services(names))
    }

    /// One service, `None` when the plan has no service of that name.
    pub fn service(&self, name: &str) -> Result<Option<ServiceInfo>, ModelError> {
        Ok(self.services(&[name])?.into_iter().find(|s| s.name == name))
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

    /// The notices `query` selects.
    pub fn notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>, ModelError> {
        self.wrap(self.api.notices(query))
    }

    /// One notice, such as the one a `pebble-custom-notice` event names.
    pub fn notice(&self, id: &NoticeId) -> Result<Notice, ModelError> {
        self.wrap(self.api.notice(id))
    }
}
