//! `systemctl` and `service` on the simulated machine's units.

use std::fmt::Write as _;

use super::{Machine, Reply, Service, has, value, words};

/// systemctl's options that take a value.
const VALUED: &[&str] = &[
    "-p",
    "--property",
    "-t",
    "--type",
    "--state",
    "-n",
    "--lines",
    "-o",
    "--output",
    "-H",
    "--host",
    "-M",
    "--machine",
    "--signal",
    "-s",
    "--kill-whom",
];

/// `tinyproxy.service` is kept as `tinyproxy`; other unit types keep their suffix.
fn unit_key(unit: &str) -> &str {
    unit.strip_suffix(".service").unwrap_or(unit)
}

/// `tinyproxy` is shown as `tinyproxy.service`.
fn unit_name(unit: &str) -> String {
    if unit.contains('.') {
        unit.to_owned()
    } else {
        format!("{unit}.service")
    }
}

fn state(machine: &Machine, unit: &str) -> Service {
    machine
        .services
        .get(unit_key(unit))
        .cloned()
        .unwrap_or_default()
}

/// `systemctl [OPTIONS] VERB [UNIT...]`.
pub(super) fn systemctl(args: &[String], machine: &mut Machine) -> Reply {
    let (words, options) = words(args, VALUED);
    let quiet = has(&options, &["-q", "--quiet"]);
    let now = has(&options, &["--now"]);
    let Some((verb, units)) = words.split_first() else {
        return Reply::ok("");
    };
    let mut reply = Reply::default();
    match *verb {
        "start"
        | "restart"
        | "reload-or-restart"
        | "try-reload-or-restart"
        | "try-restart"
        | "reload"
        | "condrestart"
        | "force-reload" => {
            for unit in units {
                let current = state(machine, unit);
                if current.masked {
                    let _ = writeln!(
                        reply.stderr,
                        "Failed to {verb} {}: Unit {} is masked.",
                        unit_name(unit),
                        unit_name(unit)
                    );
                    reply.code = 1;
                    continue;
                }
                let starts = match *verb {
                    "try-restart" | "condrestart" | "try-reload-or-restart" => current.active,
                    "reload" | "force-reload" if !current.active => {
                        let _ = writeln!(
                            reply.stderr,
                            "Failed to {verb} {}: Unit {} is not active.",
                            unit_name(unit),
                            unit_name(unit)
                        );
                        reply.code = 1;
                        continue;
                    }
                    _ => true,
                };
                machine
                    .services
                    .entry(unit_key(unit).to_owned())
                    .or_default()
                    .active |= starts;
            }
        }
        "stop" | "kill" => {
            for unit in units {
                machine
                    .services
                    .entry(unit_key(unit).to_owned())
                    .or_default()
                    .active = false;
            }
        }
        "enable" | "disable" | "mask" | "unmask" => {
            for unit in units {
                let service = machine
                    .services
                    .entry(unit_key(unit).to_owned())
                    .or_default();
                match *verb {
                    "enable" => {
                        service.enabled = true;
                        service.active |= now && !service.masked;
                    }
                    "disable" => {
                        service.enabled = false;
                        service.active &= !now;
                    }
                    "mask" => {
                        service.masked = true;
                        service.active &= !now;
                    }
                    _ => service.masked = false,
                }
            }
        }
        "is-active" | "is-failed" | "is-enabled" => {
            let mut any = false;
            for unit in units {
                let current = state(machine, unit);
                let (word, yes) = match *verb {
                    "is-enabled" if current.masked => ("masked", false),
                    "is-enabled" if current.enabled => ("enabled", true),
                    "is-enabled" => ("disabled", false),
                    _ if current.active => ("active", *verb == "is-active"),
                    _ => ("inactive", false),
                };
                any |= yes;
                if !quiet {
                    let _ = writeln!(reply.stdout, "{word}");
                }
            }
            reply.code = match (*verb, any) {
                (_, true) => 0,
                ("is-active", false) => 3,
                _ => 1,
            };
        }
        "status" => {
            let mut all = true;
            for unit in units {
                let current = state(machine, unit);
                all &= current.active;
                let _ = write!(
                    reply.stdout,
                    "● {} - {} (cargo charm sim)\n     Loaded: loaded ({}; {})\n     Active: {}\n\n",
                    unit_name(unit),
                    unit_key(unit),
                    unit_name(unit),
                    if current.enabled {
                        "enabled"
                    } else {
                        "disabled"
                    },
                    if current.active {
                        "active (running)"
                    } else {
                        "inactive (dead)"
                    },
                );
            }
            reply.code = if all { 0 } else { 3 };
        }
        "show" => {
            let wanted: Vec<&str> = value(&options, &["-p", "--property"])
                .map(|properties| properties.split(',').collect())
                .unwrap_or_default();
            let only_value = has(&options, &["--value"]);
            for (index, unit) in units.iter().enumerate() {
                if index > 0 {
                    reply.stdout.push('\n');
                }
                let current = state(machine, unit);
                let pick = |yes: bool, then: &str, otherwise: &str| {
                    let text = if yes { then } else { otherwise };
                    text.to_owned()
                };
                let file_state = if current.masked {
                    "masked"
                } else if current.enabled {
                    "enabled"
                } else {
                    "disabled"
                };
                let properties = [
                    ("Id", unit_name(unit)),
                    ("LoadState", pick(current.masked, "masked", "loaded")),
                    ("ActiveState", pick(current.active, "active", "inactive")),
                    ("SubState", pick(current.active, "running", "dead")),
                    ("UnitFileState", file_state.to_owned()),
                ];
                for (name, text) in properties {
                    if wanted.is_empty() || wanted.contains(&name) {
                        if only_value {
                            let _ = writeln!(reply.stdout, "{text}");
                        } else {
                            let _ = writeln!(reply.stdout, "{name}={text}");
                        }
                    }
                }
            }
        }
        _ => {}
    }
    reply
}

/// `service NAME VERB` and `service --status-all`.
pub(super) fn service(args: &[String], machine: &mut Machine) -> Reply {
    if args.first().is_some_and(|arg| arg == "--status-all") {
        let mut stdout = String::new();
        for (name, current) in &machine.services {
            let _ = writeln!(
                stdout,
                " [ {} ]  {name}",
                if current.active { "+" } else { "-" }
            );
        }
        return Reply::ok(stdout);
    }
    match args {
        [unit, verb, ..] => systemctl(&[verb.clone(), unit.clone()], machine),
        _ => Reply::fail(
            1,
            "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(machine: &mut Machine, words: &[&str]) -> Reply {
        let args: Vec<String> = words.iter().map(|word| (*word).to_owned()).collect();
        systemctl(&args, machine)
    }

    #[test]
    fn units_start_stop_and_answer() {
        let mut machine = Machine::default();
        let inactive = run(&mut machine, &["is-active", "tinyproxy"]);
        assert_eq!((inactive.stdout.as_str(), inactive.code), ("inactive\n", 3));
        assert_eq!(run(&mut machine, &["reload", "tinyproxy"]).code, 1);
        assert_eq!(
            run(&mut machine, &["enable", "--now", "tinyproxy.service"]).code,
            0
        );
        let active = run(&mut machine, &["is-active", "--quiet", "tinyproxy"]);
        assert_eq!((active.stdout.as_str(), active.code), ("", 0));
        assert_eq!(
            run(&mut machine, &["is-enabled", "tinyproxy"]).stdout,
            "enabled\n"
        );
        assert_eq!(
            run(
                &mut machine,
                &["show", "tinyproxy", "--property=ActiveState,SubState"]
            )
            .stdout,
            "ActiveState=active\nSubState=running\n"
        );
        assert_eq!(run(&mut machine, &["reload", "tinyproxy"]).code, 0);
        assert_eq!(
            service(&["tinyproxy".into(), "stop".into()], &mut machine).code,
            0
        );
        assert_eq!(run(&mut machine, &["status", "tinyproxy"]).code, 3);
        assert_eq!(run(&mut machine, &["mask", "tinyproxy"]).code, 0);
        assert_eq!(run(&mut machine, &["start", "tinyproxy"]).code, 1);
        assert!(!machine.services["tinyproxy"].active);
    }
}
