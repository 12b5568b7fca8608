//! What Juju's hook tools print, byte for byte, one constant per tool and per shape
//! a supported Juju version prints. Every layer's tests read these: the parsers'
//! unit and property tests (`ops-runtime`), the canned answers of the process-level
//! fake tools (`process-tests`, which include this file by path), and the checks that
//! `cargo charm sim`'s tools print the same shapes (`cargo-charm`, likewise).
//!
//! Sources are Juju's own: the command in `worker/uniter/runner/jujuc/<tool>.go`
//! (`internal/worker/uniter/runner/jujuc/` from Juju 3.6 on) and its `_test.go`,
//! the wire types in `rpc/params` (`apiserver/params` before 3.0), and
//! `github.com/juju/cmd`'s formatters: `--format=json` is `json.Marshal` plus a
//! newline, so struct fields come in declaration order and map keys sorted, empty
//! `omitempty` fields are left out and nil slices print `null`.
//! Values are the ones Juju's tests use where they have one.

// Only some of these are read by each crate that includes the file.
#![allow(dead_code)]

/// `network-get --format=json BINDING`, Juju 2.9 and later: `params.NetworkInfoResult`
/// (`rpc/params/network.go`), whose JSON tags are `mac-address`, `interface-name`
/// and `value`; binding `ingress-egress` of `jujuc/network-get_test.go`.
pub(crate) const NETWORK_GET: &str = concat!(
    r#"{"bind-addresses":[{"mac-address":"00:11:22:33:44:33","interface-name":"eth3","#,
    r#""addresses":[{"hostname":"","value":"10.33.1.8","cidr":"10.33.1.8/24"}]}],"#,
    r#""egress-subnets":["192.168.1.0/8","10.0.0.0/8"],"#,
    r#""ingress-addresses":["100.1.2.3","100.4.3.2"]}"#,
    "\n"
);

/// `network-get BINDING` in the default (smart, that is YAML) format, Juju 2.9 and
/// later: the YAML tags repeat each field under its legacy spelling (`address`,
/// `macaddress`, `interfacename`); binding `ingress-egress` of
/// `internal/worker/uniter/runner/jujuc/network-get_test.go`.
pub(crate) const NETWORK_GET_YAML: &str = "\
bind-addresses:
- mac-address: \"00:11:22:33:44:33\"
  interface-name: eth3
  addresses:
  - hostname: \"\"
    value: 10.33.1.8
    cidr: 10.33.1.8/24
    address: 10.33.1.8
  macaddress: \"00:11:22:33:44:33\"
  interfacename: eth3
egress-subnets:
- 192.168.1.0/8
- 10.0.0.0/8
ingress-addresses:
- 100.1.2.3
- 100.4.3.2
";

/// [`NETWORK_GET_YAML`]'s document as JSON: every spelling at once, which a reader
/// of either format must accept.
pub(crate) const NETWORK_GET_BOTH_SPELLINGS: &str = concat!(
    r#"{"bind-addresses":[{"mac-address":"00:11:22:33:44:33","interface-name":"eth3","#,
    r#""addresses":[{"hostname":"","value":"10.33.1.8","cidr":"10.33.1.8/24","address":"10.33.1.8"}],"#,
    r#""macaddress":"00:11:22:33:44:33","interfacename":"eth3"}],"#,
    r#""egress-subnets":["192.168.1.0/8","10.0.0.0/8"],"#,
    r#""ingress-addresses":["100.1.2.3","100.4.3.2"]}"#,
    "\n"
);

/// `network-get --format=json BINDING` before Juju 2.9 (ops reads it: "legacy
/// address_info only had an 'address' field instead of 'value'"), and with neither
/// egress subnets nor ingress addresses, which `omitempty` leaves out.
pub(crate) const NETWORK_GET_LEGACY: &str = concat!(
    r#"{"bind-addresses":[{"mac-address":"00:11:22:33:44:00","interface-name":"eth0","#,
    r#""addresses":[{"hostname":"","address":"10.10.0.23","cidr":"10.10.0.0/24"},"#,
    r#"{"hostname":"","address":"192.168.1.111","cidr":"192.168.1.0/24"}]}]}"#,
    "\n"
);

/// `network-get --format=json BINDING` of an interface Juju knows no address of:
/// `addresses` has no `omitempty`, so its nil slice prints `null`; ingress
/// addresses only (a Kubernetes unit's binding can look like this).
pub(crate) const NETWORK_GET_NO_ADDRESSES: &str = concat!(
    r#"{"bind-addresses":[{"mac-address":"","interface-name":"","addresses":null}],"#,
    r#""ingress-addresses":["10.152.183.7"]}"#,
    "\n"
);

/// `status-get --include-data --format=json --application=false`: `toDetails` in
/// `jujuc/status-get.go`, a Go map, so its keys are sorted.
pub(crate) const STATUS_GET_UNIT: &str =
    "{\"message\":\"ready\",\"status\":\"active\",\"status-data\":{}}\n";

/// `status-get --include-data --format=json --application=true`: the application's
/// details with its units, keyed by unit name (`jujuc/status-get.go`).
pub(crate) const STATUS_GET_APP: &str = concat!(
    r#"{"application-status":{"message":"2 units","status":"waiting","status-data":{},"#,
    r#""units":{"probe/0":{"message":"ready","status":"active","status-data":{}},"#,
    r#""probe/1":{"message":"","status":"waiting","status-data":{}}}}}"#,
    "\n"
);

/// `status-get --format=json` where the context does not implement status (Juju
/// writes `status.Unknown` alone, `jujuc/status-get.go`), for the unit and the
/// application alike.
pub(crate) const STATUS_GET_NOT_IMPLEMENTED: &str = "\"unknown\"\n";

/// `is-leader --format=json` (`jujuc/is-leader.go`).
pub(crate) const IS_LEADER: &str = "true\n";

/// `config-get --format=json`: the options that are set or have a non-nil default
/// (`jujuc/config-get.go`); integers are JSON numbers.
pub(crate) const CONFIG_GET: &str =
    "{\"log-level\":\"info\",\"port\":8080,\"ratio\":0.5,\"tls\":false}\n";

/// `config-get --format=json` of a charm with no options set and no defaults: the
/// nil settings map prints `null`.
pub(crate) const CONFIG_GET_NONE: &str = "null\n";

/// `action-get --format=json`: the parameters, dotted names nested
/// (`jujuc/action-get.go`).
pub(crate) const ACTION_GET: &str =
    "{\"level\":3,\"password\":\"hunter2\",\"proxy\":{\"port\":80,\"slug\":\"x\"}}\n";

/// `relation-ids ENDPOINT --format=json`: sorted `endpoint:id` strings
/// (`jujuc/relation-ids.go`).
pub(crate) const RELATION_IDS: &str = "[\"db:1\",\"db:4\"]\n";

/// `relation-ids ENDPOINT --format=json` without relations: an empty, non-nil slice.
pub(crate) const RELATION_IDS_NONE: &str = "[]\n";

/// `relation-list --format=json -r db:1` (`jujuc/relation-list.go`).
pub(crate) const RELATION_LIST: &str = "[\"pg/0\",\"pg/1\"]\n";

/// `relation-list --format=json --app -r db:1`: the remote application's name.
pub(crate) const RELATION_LIST_APP: &str = "\"pg\"\n";

/// `relation-get --format=json -r db:1 - pg/0`: a unit's databag, with the keys Juju
/// itself writes there (`jujuc/relation-get.go`).
pub(crate) const RELATION_GET_UNIT: &str = concat!(
    r#"{"egress-subnets":"10.0.0.9/32","ingress-address":"10.0.0.9","#,
    r#""private-address":"10.0.0.9"}"#,
    "\n"
);

/// `relation-get --format=json -r db:1 --app - pg`: an application's databag.
pub(crate) const RELATION_GET_APP: &str = "{\"database\":\"app\",\"port\":\"5432\"}\n";

/// `relation-model-get --format=json -r db:1`: `modelDetails`
/// (`jujuc/relation-model-get.go`, Juju 3.6.2 and later).
pub(crate) const RELATION_MODEL_GET: &str = "{\"uuid\":\"0b7e2c4d-aaaa-4bbb-8ccc-123456789abc\"}\n";

/// `secret-add ...`: the new secret's URI and a newline (`fmt.Fprintln`,
/// `jujuc/secret-add.go`), here as a URI without the model.
pub(crate) const SECRET_ADD: &str = "secret:9m4e2mr0ui3e8a215n4g\n";

/// `secret-add ...` when the URI names the model it lives in.
pub(crate) const SECRET_ADD_WITH_MODEL: &str =
    "secret://6f1a3e2c-0c1d-4f3b-9a57-1b9e6c2d7e10/9m4e2mr0ui3e8a215n4g\n";

/// `secret-get --format=json ID`: the content, key to value (`jujuc/secret-get.go`).
pub(crate) const SECRET_GET: &str = "{\"password\":\"old\",\"username\":\"admin\"}\n";

/// `secret-get --format=json ID --peek` (or `--refresh`) after a new revision.
pub(crate) const SECRET_GET_LATEST: &str = "{\"password\":\"new\",\"username\":\"admin\"}\n";

/// `secret-info-get --format=json ID`: `metadataDisplay` keyed by the bare id
/// (`jujuc/secret-info-get.go`; values of `TestSecretInfoGetURI`).
pub(crate) const SECRET_INFO_GET: &str = concat!(
    r#"{"9m4e2mr0ui3e8a215n4g":{"revision":666,"label":"label","owner":"application","#,
    r#""description":"description","rotation":"hourly"}}"#,
    "\n"
);

/// `secret-info-get --format=json ID` of a secret with no label (`label` has no
/// `omitempty`), an expiry and a next rotation (Go's `time.Time`, RFC 3339 with
/// nanoseconds), and a grant.
pub(crate) const SECRET_INFO_GET_FULL: &str = concat!(
    r#"{"9m4e2mr0ui3e8a215n4g":{"revision":2,"label":"","owner":"unit","#,
    r#""rotation":"weekly","expiry":"2026-11-18T11:06:40.123456789Z","#,
    r#""rotates":"2026-11-25T11:06:40Z","#,
    r#""access":[{"target":"application-gitlab","scope":"relation-key","role":"view"}]}}"#,
    "\n"
);

/// `secret-ids --format=json`: bare ids (`jujuc/secret-ids.go`, `TestSecretIds`).
pub(crate) const SECRET_IDS: &str = "[\"9m4e2mr0ui3e8a215n4g\"]\n";

/// `secret-ids --format=json` when the charm owns no secret: a nil slice.
pub(crate) const SECRET_IDS_NONE: &str = "null\n";

/// `storage-list --format=json data` (`jujuc/storage-list.go`).
pub(crate) const STORAGE_LIST: &str = "[\"data/0\",\"data/3\"]\n";

/// `storage-list --format=json logs` without instances: an empty, non-nil slice.
pub(crate) const STORAGE_LIST_NONE: &str = "[]\n";

/// `storage-get --format=json -s data/0`: a Go map of `kind` and `location`
/// (`jujuc/storage-get.go`).
pub(crate) const STORAGE_GET: &str = "{\"kind\":\"filesystem\",\"location\":\"/srv/data/0\"}\n";

/// `storage-get --format=json -s disks/1` of block storage.
pub(crate) const STORAGE_GET_BLOCK: &str = "{\"kind\":\"block\",\"location\":\"/dev/sdb\"}\n";

/// `resource-get NAME`: the path alone, without a newline (`fmt.Fprintf(ctx.Stdout,
/// "%s", filePath)`, `jujuc/resource-get.go`).
pub(crate) const RESOURCE_GET: &str =
    "/var/lib/juju/agents/unit-probe-0/resources/model-file/model.bin";

/// `opened-ports --format=json`: `PortRange.String()` per range, sorted
/// (`jujuc/opened-ports.go`).
pub(crate) const OPENED_PORTS: &str = "[\"22/tcp\",\"80/tcp\",\"icmp\"]\n";

/// `opened-ports --format=json --endpoints`: each range with the endpoints it
/// applies to, `*` for all.
pub(crate) const OPENED_PORTS_ENDPOINTS: &str =
    "[\"80/tcp (*)\",\"8000-8999/udp (db, website)\"]\n";

/// `goal-state --format=json` (`goalStateTestResultJson` of `jujuc/goal-state_test.go`;
/// `since` is `common.FormatTime(t, true)`: UTC, a space before the time).
pub(crate) const GOAL_STATE: &str = concat!(
    r#"{"units":{"mysql/0":{"status":"active","since":"2200-11-05 15:29:12Z"}},"#,
    r#""relations":{"db":{"mysql/0":{"status":"active","since":"2200-11-05 15:29:12Z"}},"#,
    r#""server":{"wordpress/0":{"status":"active","since":"2200-11-05 15:29:12Z"}}}}"#,
    "\n"
);

/// `goal-state --format=json` of a scaling application: units dying and waiting,
/// one without a `since`, and a related application's own entry.
pub(crate) const GOAL_STATE_SCALING: &str = concat!(
    r#"{"units":{"probe/0":{"status":"active","since":"2026-11-25 04:00:00Z"},"#,
    r#""probe/1":{"status":"waiting"},"probe/2":{"status":"dying","since":"2026-11-25 04:01:00Z"}},"#,
    r#""relations":{"db":{"pg":{"status":"joined","since":"2026-11-25 04:00:00Z"},"#,
    r#""pg/0":{"status":"active","since":"2026-11-25 04:00:00Z"}}}}"#,
    "\n"
);

/// `credential-get --format=json`: `params.CloudSpec` (`rpc/params/cloud.go`), whose
/// `omitempty` fields are left out when empty or false.
pub(crate) const CREDENTIAL_GET: &str = concat!(
    r#"{"type":"openstack","name":"cloud","region":"r1","endpoint":"https://keystone","#,
    r#""credential":{"auth-type":"userpass","attrs":{"password":"p","username":"u"}},"#,
    r#""is-controller-cloud":true}"#,
    "\n"
);

/// `credential-get --format=json` of the controller's LXD cloud, with CA
/// certificates and redacted attributes: every field at once.
pub(crate) const CREDENTIAL_GET_LXD: &str = concat!(
    r#"{"type":"lxd","name":"localhost","region":"default","endpoint":"https://10.0.0.1:8443","#,
    r#""credential":{"auth-type":"certificate","redacted":["client-key"]},"#,
    r#""cacertificates":["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"],"#,
    r#""skip-tls-verify":true,"is-controller-cloud":true}"#,
    "\n"
);

/// `unit-get --format=json public-address` (`jujuc/unit-get.go`).
pub(crate) const UNIT_GET: &str = "\"203.0.113.7\"\n";

/// `state-get --format=json KEY` (`jujuc/state-get.go`).
pub(crate) const STATE_GET: &str = "\"{\\\"n\\\": 1}\"\n";

/// `state-get --format=json KEY` of a key never set: Juju 3 writes the zero string.
pub(crate) const STATE_GET_MISSING: &str = "\"\"\n";

/// `state-get --format=json KEY` of a key never set, as Juju 4 writes it.
pub(crate) const STATE_GET_NULL: &str = "null\n";

/// Every fixture of a tool whose output is JSON, with the tool's name.
pub(crate) const JSON_OUTPUTS: &[(&str, &str)] = &[
    ("network-get", NETWORK_GET),
    ("network-get", NETWORK_GET_BOTH_SPELLINGS),
    ("network-get", NETWORK_GET_LEGACY),
    ("network-get", NETWORK_GET_NO_ADDRESSES),
    ("status-get", STATUS_GET_UNIT),
    ("status-get", STATUS_GET_APP),
    ("status-get", STATUS_GET_NOT_IMPLEMENTED),
    ("is-leader", IS_LEADER),
    ("config-get", CONFIG_GET),
    ("config-get", CONFIG_GET_NONE),
    ("action-get", ACTION_GET),
    ("relation-ids", RELATION_IDS),
    ("relation-ids", RELATION_IDS_NONE),
    ("relation-list", RELATION_LIST),
    ("relation-list", RELATION_LIST_APP),
    ("relation-get", RELATION_GET_UNIT),
    ("relation-get", RELATION_GET_APP),
    ("relation-model-get", RELATION_MODEL_GET),
    ("secret-get", SECRET_GET),
    ("secret-get", SECRET_GET_LATEST),
    ("secret-info-get", SECRET_INFO_GET),
    ("secret-info-get", SECRET_INFO_GET_FULL),
    ("secret-ids", SECRET_IDS),
    ("secret-ids", SECRET_IDS_NONE),
    ("storage-list", STORAGE_LIST),
    ("storage-list", STORAGE_LIST_NONE),
    ("storage-get", STORAGE_GET),
    ("storage-get", STORAGE_GET_BLOCK),
    ("opened-ports", OPENED_PORTS),
    ("opened-ports", OPENED_PORTS_ENDPOINTS),
    ("goal-state", GOAL_STATE),
    ("goal-state", GOAL_STATE_SCALING),
    ("credential-get", CREDENTIAL_GET),
    ("credential-get", CREDENTIAL_GET_LXD),
    ("unit-get", UNIT_GET),
    ("state-get", STATE_GET),
    ("state-get", STATE_GET_MISSING),
    ("state-get", STATE_GET_NULL),
];
