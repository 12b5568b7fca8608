//! `useradd`, `usermod`, `userdel`, `groupadd`, `groupdel` and `getent` on the
//! simulated machine's users and groups. This machine's own users and groups count as
//! existing (read from /etc/passwd and /etc/group, which are never written).

use std::fmt::Write as _;

use super::{Machine, Reply, User, has, value, words};

/// The first id given to a simulated user or group.
const FIRST_ID: u32 = 2000;

/// Options of useradd and usermod that take a value.
const VALUED: &[&str] = &[
    "-b",
    "--base-dir",
    "-c",
    "--comment",
    "-d",
    "--home-dir",
    "-e",
    "--expiredate",
    "-f",
    "--inactive",
    "-g",
    "--gid",
    "-G",
    "--groups",
    "-k",
    "--skel",
    "-K",
    "--key",
    "-p",
    "--password",
    "-R",
    "--root",
    "-P",
    "--prefix",
    "-s",
    "--shell",
    "-u",
    "--uid",
    "-Z",
    "--selinux-user",
    "--login",
];

/// `-aG` as `-a -G`: bundled short options, split.
fn unbundle(args: &[String]) -> Vec<String> {
    let mut split = Vec::new();
    for arg in args {
        match arg.strip_prefix('-') {
            Some(letters)
                if letters.len() > 1 && letters.chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                split.extend(letters.chars().map(|letter| format!("-{letter}")));
            }
            _ => split.push(arg.clone()),
        }
    }
    split
}

/// The names in this machine's `/etc/passwd` or `/etc/group`.
fn host_entries(file: &str) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn host_has(file: &str, name: &str) -> bool {
    host_entries(file)
        .iter()
        .any(|line| line.split(':').next() == Some(name))
}

fn user_exists(machine: &Machine, name: &str) -> bool {
    machine.users.contains_key(name) || host_has("/etc/passwd", name)
}

fn group_exists(machine: &Machine, name: &str) -> bool {
    machine.groups.contains_key(name) || host_has("/etc/group", name)
}

fn next_id(machine: &Machine) -> u32 {
    let used = machine
        .users
        .values()
        .map(|user| user.uid)
        .chain(machine.groups.values().copied());
    used.max().map_or(FIRST_ID, |id| id + 1)
}

/// Runs `name` (one of this module's commands).
pub(super) fn run(name: &str, args: &[String], machine: &mut Machine) -> Reply {
    let args = unbundle(args);
    let (words, options) = words(&args, VALUED);
    let target = words.last().copied();
    match (name, target) {
        ("getent", _) => getent(&words, machine),
        (_, None) => Reply::fail(2, format!("Usage: {name} [options] NAME")),
        ("useradd", Some(user)) => {
            if user_exists(machine, user) {
                return Reply::fail(9, format!("useradd: user '{user}' already exists"));
            }
            let uid = next_id(machine);
            let group = match value(&options, &["-g", "--gid"]) {
                Some(group) => group.to_owned(),
                None if has(&options, &["-N", "--no-user-group"]) => "users".to_owned(),
                None => {
                    machine.groups.entry(user.to_owned()).or_insert(uid);
                    user.to_owned()
                }
            };
            let groups = value(&options, &["-G", "--groups"])
                .map(|groups| groups.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
            let user_record = User {
                uid,
                group,
                home: value(&options, &["-d", "--home-dir"])
                    .map_or_else(|| format!("/home/{user}"), str::to_owned),
                shell: value(&options, &["-s", "--shell"])
                    .map_or_else(|| "/bin/sh".to_owned(), str::to_owned),
                groups,
                system: has(&options, &["-r", "--system"]),
            };
            machine.users.insert(user.to_owned(), user_record);
            Reply::ok("")
        }
        ("usermod", Some(user)) => {
            if !user_exists(machine, user) {
                return Reply::fail(6, format!("usermod: user '{user}' does not exist"));
            }
            // This machine's own users are not recorded: the call is.
            if let Some(record) = machine.users.get_mut(user) {
                if let Some(groups) = value(&options, &["-G", "--groups"]) {
                    if !has(&options, &["-a", "--append"]) {
                        record.groups.clear();
                    }
                    record.groups.extend(groups.split(',').map(str::to_owned));
                }
                if let Some(group) = value(&options, &["-g", "--gid"]) {
                    group.clone_into(&mut record.group);
                }
                if let Some(shell) = value(&options, &["-s", "--shell"]) {
                    shell.clone_into(&mut record.shell);
                }
                if let Some(home) = value(&options, &["-d", "--home"]) {
                    home.clone_into(&mut record.home);
                }
            }
            Reply::ok("")
        }
        ("userdel", Some(user)) => {
            if !user_exists(machine, user) {
                return Reply::fail(6, format!("userdel: user '{user}' does not exist"));
            }
            machine.users.remove(user);
            Reply::ok("")
        }
        ("groupadd", Some(group)) => {
            if group_exists(machine, group) {
                if has(&options, &["-f", "--force"]) {
                    return Reply::ok("");
                }
                return Reply::fail(9, format!("groupadd: group '{group}' already exists"));
            }
            let gid = next_id(machine);
            machine.groups.insert(group.to_owned(), gid);
            Reply::ok("")
        }
        ("groupdel", Some(group)) => {
            if !group_exists(machine, group) {
                return Reply::fail(6, format!("groupdel: group '{group}' does not exist"));
            }
            machine.groups.remove(group);
            Reply::ok("")
        }
        _ => Reply::ok(""),
    }
}

/// `getent passwd|group [NAME...]`: exit 2 when a name is not found.
fn getent(words: &[&str], machine: &Machine) -> Reply {
    let Some((database, keys)) = words.split_first() else {
        return Reply::fail(1, "Usage: getent [OPTION...] database [key ...]");
    };
    let mut lines: Vec<(String, String)> = match *database {
        "passwd" => machine
            .users
            .iter()
            .map(|(name, user)| {
                let gid = machine.groups.get(&user.group).copied().unwrap_or(100);
                (
                    name.clone(),
                    format!("{name}:x:{}:{gid}::{}:{}", user.uid, user.home, user.shell),
                )
            })
            .collect(),
        "group" => machine
            .groups
            .iter()
            .map(|(name, gid)| {
                let members: Vec<&str> = machine
                    .users
                    .iter()
                    .filter(|(_, user)| user.groups.contains(name))
                    .map(|(user, _)| user.as_str())
                    .collect();
                (
                    name.clone(),
                    format!("{name}:x:{gid}:{}", members.join(",")),
                )
            })
            .collect(),
        other => return Reply::fail(1, format!("Unknown database: {other}")),
    };
    let file = if *database == "passwd" {
        "/etc/passwd"
    } else {
        "/etc/group"
    };
    for line in host_entries(file) {
        let name = line.split(':').next().unwrap_or_default().to_owned();
        if !lines.iter().any(|(known, _)| *known == name) {
            lines.push((name, line));
        }
    }
    let mut reply = Reply::default();
    if keys.is_empty() {
        for (_, line) in &lines {
            let _ = writeln!(reply.stdout, "{line}");
        }
        return reply;
    }
    for key in keys {
        match lines.iter().find(|(name, _)| name.as_str() == *key) {
            Some((_, line)) => {
                let _ = writeln!(reply.stdout, "{line}");
            }
            None => reply.code = 2,
        }
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(machine: &mut Machine, name: &str, words: &[&str]) -> Reply {
        let args: Vec<String> = words.iter().map(|word| (*word).to_owned()).collect();
        run(name, &args, machine)
    }

    #[test]
    fn users_and_groups() {
        let mut machine = Machine::default();
        assert_eq!(
            call(&mut machine, "getent", &["passwd", "sim-user"]).code,
            2
        );
        assert_eq!(
            call(
                &mut machine,
                "useradd",
                &["--system", "-s", "/bin/false", "sim-user"]
            )
            .code,
            0
        );
        assert_eq!(call(&mut machine, "useradd", &["sim-user"]).code, 9);
        assert_eq!(call(&mut machine, "groupadd", &["sim-group"]).code, 0);
        assert_eq!(
            call(&mut machine, "usermod", &["-aG", "sim-group", "sim-user"]).code,
            0
        );
        assert_eq!(
            call(&mut machine, "getent", &["passwd", "sim-user"]).stdout,
            "sim-user:x:2000:2000::/home/sim-user:/bin/false\n"
        );
        assert_eq!(
            call(&mut machine, "getent", &["group", "sim-group"]).stdout,
            "sim-group:x:2001:sim-user\n"
        );
        assert_eq!(
            call(&mut machine, "usermod", &["-aG", "x", "nobody-here"]).code,
            6
        );
        assert_eq!(call(&mut machine, "userdel", &["sim-user"]).code, 0);
        assert!(!machine.users.contains_key("sim-user"));
    }
}
