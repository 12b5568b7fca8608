//! The real backend: runs each hook tool as a process, no shell, JSON output.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde::de::DeserializeOwned;

use super::{ConfigMap, Databag, HookToolError, HookTools, LogLevel, StatusTarget};
use crate::event::RelationRef;
use crate::model::{AddressKind, CloudSpec, GoalState, Network, Port, StorageInfo};
use crate::redact;
use crate::secret::{
    Revision, SecretContent, SecretInfo, SecretLookup, SecretOptions, SecretOwner,
};
use crate::status::{Status, StatusInfo};

mod parse;

#[cfg(test)]
mod juju_output;
#[cfg(test)]
mod proptests;

/// Juju refuses `juju-log` messages longer than this; longer ones are sent in parts.
const MAX_LOG_MESSAGE: usize = 131_071;

/// Runs the hook tools Juju puts on `PATH`.
///
/// Arguments are passed as an argument vector, never through a shell, and the
/// process environment is inherited unchanged (the tools need Juju's context
/// variables). Tools that print data are called with `--format=json`.
#[derive(Debug, Default, Clone)]
pub struct ProcessHookTools {
    /// Where the workload containers' Pebble sockets are, when not Juju's
    /// `/charm/containers`.
    containers_dir: Option<std::path::PathBuf>,
    /// Where secret values wait in files while a hook tool reads them, when not
    /// the system's temporary directory (see
    /// [`with_secret_files_dir`](Self::with_secret_files_dir)).
    secret_files_dir: Option<std::path::PathBuf>,
}

impl ProcessHookTools {
    /// The backend for a charm running under Juju.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks for container `NAME`'s Pebble socket at `DIR/NAME/pebble.socket`
    /// instead of Juju's `/charm/containers/NAME/pebble.socket`: for a local
    /// simulator that serves emulated containers (`cargo charm sim` does this
    /// through [`CONTAINERS_DIR_VAR`](crate::CONTAINERS_DIR_VAR)).
    pub fn with_containers_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.containers_dir = Some(dir.into());
        self
    }

    /// The directory in the charm directory where [`main`](crate::main) keeps
    /// secret values while `secret-add`, `secret-set` or `pod-spec-set` reads them.
    pub const SECRET_FILES_DIR: &'static str = ".ops-secret-files";

    /// Writes the values that `secret-add` and `secret-set` read from files under
    /// `dir` (created private, 0700, if missing) instead of the system's
    /// temporary directory. Juju's tools take secret content from their argument
    /// vector, which every local user can read, or from files; never from stdin.
    /// A call removes its files as soon as the tool returns, and
    /// [`remove_stale_secret_files`](Self::remove_stale_secret_files) removes
    /// those of a run killed meanwhile: [`main`](crate::main) keeps them in the
    /// charm directory's [`SECRET_FILES_DIR`](Self::SECRET_FILES_DIR) and sweeps
    /// it at the start of every hook, so a SIGKILLed hook leaves no secret behind
    /// past the next one.
    pub fn with_secret_files_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.secret_files_dir = Some(dir.into());
        self
    }

    /// Removes from the secret-files directory what runs killed while a tool read
    /// their secret values left there: the files of processes that are gone, of
    /// an earlier process with this one's id, or (should a dead process's id be
    /// in use again) older than an hour. Entries not named as this backend names
    /// them are left alone. Call it before this process writes secret files, as
    /// [`main`](crate::main) does at the start of each hook.
    pub fn remove_stale_secret_files(&self) {
        if let Some(dir) = &self.secret_files_dir {
            remove_stale_secret_files_in(dir);
        }
    }

    /// Runs `tool args...`, feeding `stdin` if given, and returns its stdout.
    #[allow(clippy::disallowed_methods)] // the one place that starts processes
    fn run(
        &self,
        tool: &'static str,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<String, HookToolError> {
        // The tool's name only: its arguments and input may be secret.
        let _span = crate::telemetry::hook_tool_span(tool).entered();
        let mut command = Command::new(tool);
        command
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|source| HookToolError::Spawn { tool, source })?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input)
                .map_err(|source| HookToolError::Spawn { tool, source })?;
        }
        let output = bounded_output(tool, child)?;
        if !output.status.success() {
            return Err(HookToolError::Failed {
                tool,
                exit_code: output.status.code(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        String::from_utf8(output.stdout).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes());
            unreadable(tool, format!("not UTF-8 (at byte {at})"), &text)
        })
    }
}

/// The most a hook tool may print on stdout: 16 MiB, four times the largest state a
/// charm may keep (`state::MAX_STATE_BYTES`). Past it the tool is killed and the call
/// fails with [`HookToolError::OutputTooLarge`], before anything is parsed.
pub const MAX_TOOL_OUTPUT: usize = 16 << 20;

/// The most of a failing tool's stderr kept for its error; the rest is read and dropped.
const MAX_TOOL_STDERR: usize = 64 << 10;

/// Waits for `child`, reading at most [`MAX_TOOL_OUTPUT`] bytes of its stdout (it is
/// killed past that) and keeping the first [`MAX_TOOL_STDERR`] bytes of its stderr.
fn bounded_output(
    tool: &'static str,
    mut child: std::process::Child,
) -> Result<std::process::Output, HookToolError> {
    use std::io::Read;

    let spawn_error = |source| HookToolError::Spawn { tool, source };
    // stderr is read on its own thread, so that a tool filling it cannot block on a
    // full pipe while this thread waits for its stdout.
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let _ = pipe
                .by_ref()
                .take(MAX_TOOL_STDERR as u64)
                .read_to_end(&mut kept);
            let _ = std::io::copy(&mut pipe, &mut std::io::sink());
            kept
        })
    });
    let mut stdout = Vec::new();
    if let Some(pipe) = child.stdout.take() {
        pipe.take(MAX_TOOL_OUTPUT as u64 + 1)
            .read_to_end(&mut stdout)
            .map_err(spawn_error)?;
    }
    if stdout.len() > MAX_TOOL_OUTPUT {
        let _ = child.kill();
        let _ = child.wait();
        return Err(HookToolError::OutputTooLarge {
            tool,
            limit: MAX_TOOL_OUTPUT,
        });
    }
    let status = child.wait().map_err(spawn_error)?;
    let stderr = stderr
        .and_then(|reader| reader.join().ok())
        .unwrap_or_default();
    Ok(std::process::Output {
        status,
        stdout,
        stderr,
    })
}

pub(crate) fn parse_json<T: DeserializeOwned>(
    tool: &'static str,
    out: &str,
) -> Result<T, HookToolError> {
    serde_json::from_str(out).map_err(|e| {
        let reason = if redact::is_sensitive_tool(tool) {
            redact::json_problem(&e)
        } else {
            e.to_string()
        };
        unreadable(tool, reason, out)
    })
}

/// The error for output of `tool` that cannot be read. The output is quoted (its
/// start) only for tools whose output holds no secrets; the reason is cut short too,
/// as serde's messages quote what they could not read.
fn unreadable(tool: &'static str, reason: String, out: &str) -> HookToolError {
    const MAX: usize = 200;
    const MAX_REASON: usize = 400;
    let reason = redact::excerpt(&reason, MAX_REASON).into_owned();
    let output = if out.is_empty() {
        "it printed nothing".to_owned()
    } else if redact::is_sensitive_tool(tool) {
        format!(
            "its output ({}) is not shown, as it may hold secrets",
            redact::describe_text(out)
        )
    } else {
        format!("it printed `{}`", redact::excerpt(out, MAX))
    };
    HookToolError::BadOutput {
        tool,
        reason,
        output,
    }
}

impl HookTools for ProcessHookTools {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), HookToolError> {
        let level = level.as_str();
        if message.len() <= MAX_LOG_MESSAGE {
            self.run("juju-log", &["--log-level", level, "--", message], None)?;
            return Ok(());
        }
        let chunks = chunk(message, MAX_LOG_MESSAGE);
        let notice = format!(
            "Log string greater than {MAX_LOG_MESSAGE}. Splitting into {} chunks.",
            chunks.len()
        );
        self.run("juju-log", &["--log-level", level, "--", &notice], None)?;
        for part in chunks {
            self.run("juju-log", &["--log-level", level, "--", part], None)?;
        }
        Ok(())
    }

    fn status_set(&self, target: StatusTarget, status: &Status) -> Result<(), HookToolError> {
        let app = match target {
            StatusTarget::Unit => "--application=false",
            StatusTarget::App => "--application=true",
        };
        self.run(
            "status-set",
            &[app, status.kind().as_str(), "--", status.message()],
            None,
        )?;
        Ok(())
    }

    fn status_get(&self, target: StatusTarget) -> Result<StatusInfo, HookToolError> {
        let app = match target {
            StatusTarget::Unit => "--application=false",
            StatusTarget::App => "--application=true",
        };
        let out = self.run(
            "status-get",
            &["--include-data", "--format=json", app],
            None,
        )?;
        parse::status_get(target, &out)
    }

    fn is_leader(&self) -> Result<bool, HookToolError> {
        parse::is_leader(&self.run("is-leader", &["--format=json"], None)?)
    }

    fn config_get(&self) -> Result<ConfigMap, HookToolError> {
        parse::config_get(&self.run("config-get", &["--format=json"], None)?)
    }

    fn application_version_set(&self, version: &str) -> Result<(), HookToolError> {
        self.run("application-version-set", &["--", version], None)?;
        Ok(())
    }

    fn action_get(&self) -> Result<serde_json::Map<String, serde_json::Value>, HookToolError> {
        parse::action_get(&self.run("action-get", &["--format=json"], None)?)
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), HookToolError> {
        if results.is_empty() {
            return Ok(());
        }
        let args: Vec<String> = results.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run("action-set", &args, None)?;
        Ok(())
    }

    fn action_log(&self, message: &str) -> Result<(), HookToolError> {
        self.run("action-log", &["--", message], None)?;
        Ok(())
    }

    fn action_fail(&self, message: &str) -> Result<(), HookToolError> {
        self.run("action-fail", &["--", message], None)?;
        Ok(())
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, HookToolError> {
        parse::relation_ids(&self.run("relation-ids", &[endpoint, "--format=json"], None)?)
    }

    fn relation_list(&self, relation: &RelationRef) -> Result<Vec<String>, HookToolError> {
        let r = relation.to_string();
        parse::relation_list(&self.run("relation-list", &["--format=json", "-r", &r], None)?)
    }

    fn relation_remote_app(&self, relation: &RelationRef) -> Result<Option<String>, HookToolError> {
        let r = relation.to_string();
        let out = self.run("relation-list", &["--format=json", "--app", "-r", &r], None)?;
        parse::relation_remote_app(&out)
    }

    fn relation_get(
        &self,
        relation: &RelationRef,
        member: &str,
        app: bool,
    ) -> Result<Databag, HookToolError> {
        let r = relation.to_string();
        let mut args = vec!["--format=json", "-r", &r];
        if app {
            args.push("--app");
        }
        args.extend(["-", member]);
        parse::relation_get(&self.run("relation-get", &args, None)?)
    }

    fn relation_set(
        &self,
        relation: &RelationRef,
        app: bool,
        changes: &Databag,
    ) -> Result<(), HookToolError> {
        const TOOL: &str = "relation-set";
        let r = relation.to_string();
        let mut args = vec!["-r", &r];
        if app {
            args.push("--app");
        }
        args.extend(["--file", "-"]);
        let input = serde_json::to_vec(changes).map_err(|e| HookToolError::BadOutput {
            tool: TOOL,
            reason: format!("cannot encode the databag: {e}"),
            output: "the tool was not run".into(),
        })?;
        self.run(TOOL, &args, Some(&input))?;
        Ok(())
    }

    fn secret_add(
        &self,
        content: &SecretContent,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, HookToolError> {
        const TOOL: &str = "secret-add";
        let files = SecretFiles::write(TOOL, content, self.secret_files_dir.as_deref())?;
        let mut args = secret_option_args(options);
        args.extend(["--owner".to_owned(), owner.as_str().to_owned()]);
        args.extend(files.args.iter().cloned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        parse::secret_add(&self.run(TOOL, &args, None)?)
    }

    fn secret_get(
        &self,
        secret: &SecretLookup<'_>,
        revision: Revision,
    ) -> Result<SecretContent, HookToolError> {
        let mut args = vec!["--format=json".to_owned()];
        args.extend(secret_lookup_args(secret));
        match revision {
            Revision::Tracked => {}
            Revision::Refresh => args.push("--refresh".to_owned()),
            Revision::Peek => args.push("--peek".to_owned()),
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        parse::secret_get(&self.run("secret-get", &args, None)?)
    }

    fn secret_info_get(&self, secret: &SecretLookup<'_>) -> Result<SecretInfo, HookToolError> {
        const TOOL: &str = "secret-info-get";
        let mut args = vec!["--format=json".to_owned()];
        // Juju takes the id or the label, never both.
        match (secret.id, secret.label) {
            (Some(id), _) => args.push(id.to_owned()),
            (None, Some(label)) => args.extend(["--label".to_owned(), label.to_owned()]),
            (None, None) => {}
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        parse::secret_info_get(&self.run(TOOL, &args, None)?)
    }

    fn secret_set(
        &self,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<(), HookToolError> {
        const TOOL: &str = "secret-set";
        let files = content
            .map(|c| SecretFiles::write(TOOL, c, self.secret_files_dir.as_deref()))
            .transpose()?;
        let mut args = vec![id.to_owned()];
        args.extend(secret_option_args(options));
        if let Some(files) = &files {
            args.extend(files.args.iter().cloned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(TOOL, &args, None)?;
        Ok(())
    }

    fn secret_grant(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), HookToolError> {
        let relation = relation_id.to_string();
        let mut args = vec!["--relation", &relation];
        if let Some(unit) = unit {
            args.extend(["--unit", unit]);
        }
        args.push(id);
        self.run("secret-grant", &args, None)?;
        Ok(())
    }

    fn secret_revoke(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), HookToolError> {
        let relation = relation_id.to_string();
        let mut args = vec!["--relation", &relation];
        if let Some(unit) = unit {
            args.extend(["--unit", unit]);
        }
        args.push(id);
        self.run("secret-revoke", &args, None)?;
        Ok(())
    }

    fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<(), HookToolError> {
        let revision = revision.map(|r| r.to_string());
        let mut args = vec![id];
        if let Some(revision) = &revision {
            args.extend(["--revision", revision]);
        }
        self.run("secret-remove", &args, None)?;
        Ok(())
    }

    fn secret_ids(&self) -> Result<Vec<String>, HookToolError> {
        parse::secret_ids(&self.run("secret-ids", &["--format=json"], None)?)
    }

    fn storage_list(&self, name: Option<&str>) -> Result<Vec<String>, HookToolError> {
        let mut args = vec!["--format=json"];
        args.extend(name);
        parse::storage_list(&self.run("storage-list", &args, None)?)
    }

    fn storage_get(&self, id: &str) -> Result<StorageInfo, HookToolError> {
        parse::storage_get(&self.run("storage-get", &["--format=json", "-s", id], None)?)
    }

    fn storage_add(&self, name: &str, count: u32) -> Result<(), HookToolError> {
        self.run("storage-add", &[&format!("{name}={count}")], None)?;
        Ok(())
    }

    fn resource_get(&self, name: &str) -> Result<std::path::PathBuf, HookToolError> {
        parse::resource_get(&self.run("resource-get", &[name], None)?)
    }

    fn network_get(
        &self,
        binding: &str,
        relation_id: Option<u64>,
    ) -> Result<Network, HookToolError> {
        let relation = relation_id.map(|id| id.to_string());
        let mut args = vec!["--format=json"];
        if let Some(relation) = &relation {
            args.extend(["-r", relation]);
        }
        args.push(binding);
        parse::network_get(&self.run("network-get", &args, None)?)
    }

    fn open_port(&self, port: &Port) -> Result<(), HookToolError> {
        self.run("open-port", &[&port.to_string()], None)?;
        Ok(())
    }

    fn close_port(&self, port: &Port) -> Result<(), HookToolError> {
        self.run("close-port", &[&port.to_string()], None)?;
        Ok(())
    }

    fn opened_ports(&self) -> Result<Vec<Port>, HookToolError> {
        parse::opened_ports(&self.run("opened-ports", &["--format=json"], None)?)
    }

    fn goal_state(&self) -> Result<GoalState, HookToolError> {
        parse::goal_state(&self.run("goal-state", &["--format=json"], None)?)
    }

    fn credential_get(&self) -> Result<CloudSpec, HookToolError> {
        parse::credential_get(&self.run("credential-get", &["--format=json"], None)?)
    }

    fn juju_reboot(&self, now: bool) -> Result<(), HookToolError> {
        let args: &[&str] = if now { &["--now"] } else { &[] };
        self.run("juju-reboot", args, None)?;
        if now {
            // Juju now kills this process to reboot the machine; end it here,
            // as ops does, rather than let the handler run on half-way. The
            // hook's state is not committed, and Juju runs it again after the
            // reboot.
            std::process::exit(0);
        }
        Ok(())
    }

    fn unit_get(&self, kind: AddressKind) -> Result<String, HookToolError> {
        parse::unit_get(&self.run("unit-get", &["--format=json", kind.as_str()], None)?)
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, HookToolError> {
        parse::state_get(&self.run("state-get", &["--format=json", key], None)?)
    }

    fn state_set(&self, key: &str, value: &str) -> Result<(), HookToolError> {
        const TOOL: &str = "state-set";
        let input = serde_json::to_vec(&BTreeMap::from([(key, value)])).map_err(|e| {
            HookToolError::BadOutput {
                tool: TOOL,
                reason: format!("cannot encode the state: {e}"),
                output: "the tool was not run".into(),
            }
        })?;
        self.run(TOOL, &["--file", "-"], Some(&input))?;
        Ok(())
    }

    fn state_delete(&self, key: &str) -> Result<(), HookToolError> {
        self.run("state-delete", &[key], None)?;
        Ok(())
    }

    fn add_metric(
        &self,
        metrics: &[(String, String)],
        labels: &[(String, String)],
    ) -> Result<(), HookToolError> {
        let mut args = Vec::new();
        if !labels.is_empty() {
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            args.extend(["--labels".to_owned(), labels.join(",")]);
        }
        args.extend(metrics.iter().map(|(k, v)| format!("{k}={v}")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run("add-metric", &args, None)?;
        Ok(())
    }

    fn pod_spec_set(
        &self,
        spec: &serde_json::Value,
        k8s_resources: Option<&serde_json::Value>,
    ) -> Result<(), HookToolError> {
        const TOOL: &str = "pod-spec-set";
        // JSON is YAML: the files hold the documents as JSON text.
        let mut documents = vec![("spec", spec)];
        documents.extend(k8s_resources.map(|r| ("k8s-resources", r)));
        let content: SecretContent = documents
            .iter()
            .map(|(name, doc)| ((*name).to_owned(), doc.to_string()))
            .collect();
        let files = SecretFiles::write(TOOL, &content, self.secret_files_dir.as_deref())?;
        let mut args = Vec::new();
        for arg in &files.args {
            let (name, path) = arg.split_once("#file=").unwrap_or((arg.as_str(), ""));
            let flag = if name == "spec" {
                "--file"
            } else {
                "--k8s-resources"
            };
            args.extend([flag.to_owned(), path.to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(TOOL, &args, None)?;
        Ok(())
    }

    fn relation_model_get(&self, relation: &RelationRef) -> Result<String, HookToolError> {
        let r = relation.to_string();
        let out = self.run("relation-model-get", &["--format=json", "-r", &r], None)?;
        parse::relation_model_get(&out)
    }

    #[cfg(feature = "pebble")]
    fn pebble(&self, container: &str) -> super::PebbleConnection {
        super::PebbleConnection::Socket(match &self.containers_dir {
            Some(dir) => crate::pebble::container_socket_in(dir, container),
            None => crate::pebble::container_socket(container),
        })
    }
}

/// A private directory holding one file per secret value, removed when dropped,
/// so values reach `secret-add`/`secret-set` as `key#file=PATH`, never on argv
/// (Juju reads secret content from argv or from files, not from stdin; its
/// agent, another process, opens the files). In a secret-files directory it is
/// named `PID-COUNTER-NANOS`, so that a run killed before the drop leaves a
/// directory the next hook recognises and removes.
struct SecretFiles {
    dir: std::path::PathBuf,
    args: Vec<String>,
}

impl SecretFiles {
    /// Writes `content` into a new directory under `parent`, or under the
    /// system's temporary directory without one.
    fn write(
        tool: &'static str,
        content: &SecretContent,
        parent: Option<&std::path::Path>,
    ) -> Result<Self, HookToolError> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let spawn_error = |source| HookToolError::Spawn { tool, source };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = match parent {
            Some(parent) => {
                // Absolute: the tool's agent resolves the paths, from its own
                // working directory.
                let parent = std::path::absolute(parent).map_err(spawn_error)?;
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&parent)
                    .map_err(spawn_error)?;
                parent.join(name)
            }
            None => std::env::temp_dir().join(format!("ops-secret-{name}")),
        };
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(spawn_error)?;
        let mut files = SecretFiles {
            dir,
            args: Vec::new(),
        };
        for (i, (key, value)) in content.iter().enumerate() {
            let path = files.dir.join(format!("value-{i}"));
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(spawn_error)?;
            file.write_all(value.as_bytes()).map_err(spawn_error)?;
            files.args.push(format!("{key}#file={}", path.display()));
        }
        Ok(files)
    }
}

impl Drop for SecretFiles {
    fn drop(&mut self) {
        // Best effort: the directory is private to this user either way, and a
        // secret-files directory is swept at the next hook's start.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Entries of the secret-files directory older than this are removed even when
/// a process with their id runs: a tool reads its files within seconds, so the
/// process that wrote them is gone and its id is in use again.
const STALE_SECRET_FILES: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Removes the entries of the secret-files directory `dir` that no live run
/// can be using (see [`ProcessHookTools::remove_stale_secret_files`]).
fn remove_stale_secret_files_in(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let Some(pid) = secret_files_pid(&entry.file_name()) else {
            continue;
        };
        let gone = pid == me || crate::state::process_alive(pid) == Some(false);
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > STALE_SECRET_FILES);
        if gone || old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The process id in the name `PID-COUNTER-NANOS` of a [`SecretFiles`]
/// directory; `None` for any other name.
fn secret_files_pid(name: &std::ffi::OsStr) -> Option<u32> {
    let parts: Vec<&str> = name.to_str()?.split('-').collect();
    let [pid, counter, nanos] = parts[..] else {
        return None;
    };
    [pid, counter, nanos]
        .iter()
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        .then(|| pid.parse().ok())
        .flatten()
}

/// The `--label`, `--description`, `--expire` and `--rotate` arguments.
fn secret_option_args(options: &SecretOptions) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(label) = &options.label {
        args.extend(["--label".to_owned(), label.clone()]);
    }
    if let Some(description) = &options.description {
        args.extend(["--description".to_owned(), description.clone()]);
    }
    if let Some(expire) = options.expire {
        args.extend(["--expire".to_owned(), expire.to_rfc3339()]);
    }
    if let Some(rotate) = options.rotate {
        args.extend(["--rotate".to_owned(), rotate.as_str().to_owned()]);
    }
    args
}

/// The id or `--label` naming a secret.
fn secret_lookup_args(secret: &SecretLookup<'_>) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(id) = secret.id {
        args.push(id.to_owned());
    }
    if let Some(label) = secret.label {
        args.extend(["--label".to_owned(), label.to_owned()]);
    }
    args
}

/// One entry of `secret-info-get`'s output.
#[derive(serde::Deserialize)]
struct SecretInfoJson {
    revision: u64,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    expiry: Option<String>,
    #[serde(default)]
    rotation: Option<String>,
    #[serde(default)]
    rotates: Option<String>,
}

/// Splits `text` into parts of at most `max` bytes, on character boundaries.
fn chunk(text: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if end == 0 {
            // `max` is smaller than this one character: send it whole.
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let (part, tail) = rest.split_at(end);
        parts.push(part);
        rest = tail;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_respect_char_boundaries() {
        let text = "é".repeat(5); // 10 bytes
        let parts = chunk(&text, 3);
        assert!(parts.iter().all(|p| p.len() <= 3));
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn secret_values_go_through_private_files_that_are_removed() {
        use std::os::unix::fs::PermissionsExt;
        let content = SecretContent::new()
            .with("password", "hunter2")
            .with("user", "admin");
        let files = SecretFiles::write("secret-add", &content, None).unwrap();
        assert_eq!(files.args.len(), 2);
        let dir = files.dir.clone();
        for (arg, (key, value)) in files.args.iter().zip(content.iter()) {
            let (k, path) = arg.split_once("#file=").unwrap();
            assert_eq!(k, key);
            assert!(!arg.contains(value));
            assert_eq!(std::fs::read_to_string(path).unwrap(), value);
            let mode = std::fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        drop(files);
        assert!(!dir.exists());
    }

    #[test]
    fn in_a_secret_files_directory_values_wait_under_absolute_paths() {
        let parent = std::env::temp_dir().join(format!("ops-secret-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&parent);
        let content = SecretContent::new().with("password", "hunter2");
        let files = SecretFiles::write("secret-add", &content, Some(&parent)).unwrap();
        let (_, path) = files.args[0].split_once("#file=").unwrap();
        let path = std::path::Path::new(path);
        assert!(path.is_absolute() && path.starts_with(&parent), "{path:?}");
        let name = files.dir.file_name().unwrap().to_owned();
        assert_eq!(secret_files_pid(&name), Some(std::process::id()));
        drop(files);
        assert!(std::fs::read_dir(&parent).unwrap().next().is_none());
        std::fs::remove_dir_all(parent).unwrap();
    }

    #[test]
    fn a_sweep_removes_what_dead_runs_left_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("ops-secret-sweep-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // No process has this id (above any pid_max Linux allows).
        let dead = dir.join("4294967295-0-12");
        // An earlier process with this one's id: it cannot be this one's yet.
        let reused = dir.join(format!("{}-3-45", std::process::id()));
        // The test runner is alive: its files may be in use.
        let live = dir.join(format!("{}-0-67", std::os::unix::process::parent_id()));
        let foreign = dir.join("not-ours");
        for entry in [&dead, &reused, &live, &foreign] {
            std::fs::create_dir_all(entry).unwrap();
            std::fs::write(entry.join("value-0"), "hunter2").unwrap();
        }
        ProcessHookTools::new()
            .with_secret_files_dir(&dir)
            .remove_stale_secret_files();
        assert!(!dead.exists(), "a dead run's files are removed");
        assert!(!reused.exists(), "an earlier run's files are removed");
        assert!(live.exists(), "a live run's files stay");
        assert!(foreign.exists(), "what is not ours stays");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_json_is_a_typed_error() {
        let err = parse_json::<bool>("is-leader", "yes please").unwrap_err();
        assert!(matches!(
            err,
            HookToolError::BadOutput {
                tool: "is-leader",
                ..
            }
        ));
        assert!(err.to_string().contains("`yes please`"));
    }

    #[test]
    fn output_that_may_hold_secrets_is_never_quoted() {
        const CANARY: &str = "hunter2-canary";
        for tool in [
            "secret-get",
            "action-get",
            "relation-get",
            "config-get",
            "state-get",
        ] {
            for out in [
                format!("{{\"password\": \"{CANARY}"),
                format!("{{\"password\": {CANARY}}}"),
                format!("[\"{CANARY}\"]"),
            ] {
                let err = parse_json::<std::collections::BTreeMap<String, String>>(tool, &out)
                    .unwrap_err();
                for text in [err.to_string(), format!("{err:?}")] {
                    assert!(!text.contains(CANARY), "{tool}: {text}");
                    assert!(text.contains(tool), "{text}");
                }
            }
        }
    }

    #[cfg(feature = "pebble")]
    #[test]
    fn pebble_sockets_are_under_charm_containers_unless_redirected() {
        let socket = |tools: &ProcessHookTools| match tools.pebble("web") {
            crate::PebbleConnection::Socket(path) => path,
            crate::PebbleConnection::Api(_) => panic!("a process backend connects to a socket"),
        };
        assert_eq!(
            socket(&ProcessHookTools::new()),
            std::path::Path::new("/charm/containers/web/pebble.socket")
        );
        assert_eq!(
            socket(&ProcessHookTools::new().with_containers_dir("/tmp/sim/containers")),
            std::path::Path::new("/tmp/sim/containers/web/pebble.socket")
        );
    }
}
