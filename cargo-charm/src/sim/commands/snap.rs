//! `snap` on the simulated machine's snaps.

use std::fmt::Write as _;

use super::{Machine, Reply, Snap, has, value, words};

/// snap's options that take a value.
const VALUED: &[&str] = &["--channel", "--revision", "--cohort", "--name"];

/// `snap VERB [OPTIONS] [NAME...]`.
pub(super) fn snap(args: &[String], machine: &mut Machine) -> Reply {
    let (words, options) = words(args, VALUED);
    let Some((verb, names)) = words.split_first() else {
        return Reply::ok("");
    };
    let channel = value(&options, &["--channel"])
        .map(str::to_owned)
        .or_else(|| {
            ["stable", "candidate", "beta", "edge"]
                .into_iter()
                .find(|risk| options.iter().any(|(name, _)| *name == format!("--{risk}")))
                .map(|risk| format!("latest/{risk}"))
        });
    let mut reply = Reply::default();
    match *verb {
        "install" => {
            for name in names {
                let snap = Snap {
                    channel: channel
                        .clone()
                        .unwrap_or_else(|| "latest/stable".to_owned()),
                    classic: has(&options, &["--classic"]),
                    config: Default::default(),
                    active: true,
                };
                let _ = writeln!(
                    reply.stdout,
                    "{name} ({}) 1.0 from cargo-charm-sim installed",
                    snap.channel
                );
                machine.snaps.insert((*name).to_owned(), snap);
            }
        }
        "refresh" => {
            for name in names {
                let Some(snap) = machine.snaps.get_mut(*name) else {
                    let _ = writeln!(reply.stderr, "error: snap \"{name}\" is not installed");
                    reply.code = 1;
                    continue;
                };
                if let Some(channel) = &channel {
                    snap.channel.clone_from(channel);
                }
                let _ = writeln!(
                    reply.stdout,
                    "{name} ({}) 1.0 from cargo-charm-sim refreshed",
                    snap.channel
                );
            }
        }
        "remove" => {
            for name in names {
                if machine.snaps.remove(*name).is_some() {
                    let _ = writeln!(reply.stdout, "{name} removed");
                } else {
                    let _ = writeln!(reply.stdout, "snap \"{name}\" is not installed");
                }
            }
        }
        "list" => {
            let listed: Vec<(&String, &Snap)> = machine
                .snaps
                .iter()
                .filter(|(name, _)| names.is_empty() || names.contains(&name.as_str()))
                .collect();
            if listed.is_empty() {
                if names.is_empty() {
                    reply.stderr =
                        "No snaps are installed yet. Try 'snap install hello-world'.\n".to_owned();
                } else {
                    reply = Reply::fail(1, "error: no matching snaps installed");
                }
            } else {
                reply
                    .stdout
                    .push_str("Name  Version  Rev  Tracking  Publisher  Notes\n");
                for (name, snap) in listed {
                    let notes = if snap.classic { "classic" } else { "-" };
                    let _ = writeln!(
                        reply.stdout,
                        "{name}  1.0  1  {}  cargo-charm-sim  {notes}",
                        snap.channel
                    );
                }
            }
        }
        "start" | "stop" | "restart" => {
            for name in names {
                let snap_name = name.split('.').next().unwrap_or(*name);
                let Some(snap) = machine.snaps.get_mut(snap_name) else {
                    let _ = writeln!(reply.stderr, "error: snap \"{snap_name}\" not found");
                    reply.code = 1;
                    continue;
                };
                snap.active = *verb != "stop";
            }
            if reply.code == 0 {
                reply.stdout = match *verb {
                    "start" => "Started.\n",
                    "stop" => "Stopped.\n",
                    _ => "Restarted.\n",
                }
                .to_owned();
            }
        }
        "services" => {
            reply.stdout.push_str("Service  Startup  Current  Notes\n");
            for (name, snap) in &machine.snaps {
                if names.is_empty() || names.contains(&name.as_str()) {
                    let current = if snap.active { "active" } else { "inactive" };
                    let _ = writeln!(reply.stdout, "{name}.{name}  enabled  {current}  -");
                }
            }
        }
        "set" | "unset" | "get" => {
            let Some((name, keys)) = names.split_first() else {
                return Reply::fail(
                    1,
                    format!("error: the required argument `<snap>` was not provided (snap {verb})"),
                );
            };
            let Some(snap) = machine.snaps.get_mut(*name) else {
                return Reply::fail(1, format!("error: snap \"{name}\" not found"));
            };
            match *verb {
                "set" => {
                    for pair in keys {
                        if let Some((key, text)) = pair.split_once('=') {
                            snap.config.insert(key.to_owned(), text.to_owned());
                        }
                    }
                }
                "unset" => {
                    for key in keys {
                        snap.config.remove(*key);
                    }
                }
                _ => match keys {
                    [key] => match snap.config.get(*key) {
                        Some(text) => reply.stdout = format!("{text}\n"),
                        None => {
                            reply = Reply::fail(
                                1,
                                format!(
                                    "error: snap \"{name}\" has no \"{key}\" configuration option"
                                ),
                            );
                        }
                    },
                    _ => {
                        reply.stdout.push_str("Key  Value\n");
                        for (key, text) in &snap.config {
                            let _ = writeln!(reply.stdout, "{key}  {text}");
                        }
                    }
                },
            }
        }
        _ => {}
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(machine: &mut Machine, words: &[&str]) -> Reply {
        let args: Vec<String> = words.iter().map(|word| (*word).to_owned()).collect();
        snap(&args, machine)
    }

    #[test]
    fn install_configure_list_remove() {
        let mut machine = Machine::default();
        assert_eq!(run(&mut machine, &["list", "charmed-mysql"]).code, 1);
        assert_eq!(
            run(
                &mut machine,
                &["install", "charmed-mysql", "--channel=8.0/stable"]
            )
            .code,
            0
        );
        assert_eq!(machine.snaps["charmed-mysql"].channel, "8.0/stable");
        assert_eq!(
            run(&mut machine, &["set", "charmed-mysql", "port=3306"]).code,
            0
        );
        assert_eq!(
            run(&mut machine, &["get", "charmed-mysql", "port"]).stdout,
            "3306\n"
        );
        assert_eq!(run(&mut machine, &["stop", "charmed-mysql.mysqld"]).code, 0);
        assert!(!machine.snaps["charmed-mysql"].active);
        assert!(
            run(&mut machine, &["list"])
                .stdout
                .contains("charmed-mysql  1.0  1  8.0/stable")
        );
        run(&mut machine, &["remove", "charmed-mysql"]);
        assert!(machine.snaps.is_empty());
    }
}
