//! `apt-get`, `apt`, `apt-cache`, `dpkg` and `dpkg-query` on the simulated machine's
//! package list.

use std::fmt::Write as _;

use super::{Machine, Reply, architecture, has, value, words};

/// The version a package is installed at when the call does not pin one.
pub(super) const DEFAULT_VERSION: &str = "1.0-1sim";

/// apt-get's options that take a value.
const APT_VALUED: &[&str] = &[
    "-o",
    "--option",
    "-t",
    "--target-release",
    "-c",
    "--config-file",
];

/// `pkg`, `pkg:amd64`, `pkg=1.2-1`, `pkg/jammy-updates` or `./pkg_1.2-1_amd64.deb`:
/// the name and the version, if one is given.
fn package(word: &str) -> (String, Option<String>) {
    if let Some(file) = word.strip_suffix(".deb") {
        let file = file.rsplit('/').next().unwrap_or(file);
        let mut parts = file.split('_');
        let name = parts.next().unwrap_or(file).to_owned();
        return (name, parts.next().map(str::to_owned));
    }
    let (name, version) = match word.split_once('=') {
        Some((name, version)) => (name, Some(version.to_owned())),
        None => (word, None),
    };
    let name = name.split(['/', ':']).next().unwrap_or(name);
    (name.to_owned(), version)
}

/// `apt-get` (and `apt`): install and remove change the package list.
pub(super) fn apt_get(args: &[String], machine: &mut Machine) -> Reply {
    let (words, _) = words(args, APT_VALUED);
    let Some((command, packages)) = words.split_first() else {
        return Reply::fail(100, "E: No command given (cargo charm sim's fake apt-get)");
    };
    match *command {
        "update" => Reply::ok("Reading package lists... Done\n"),
        "install" | "reinstall" => {
            let mut stdout = String::new();
            for word in packages {
                let (package, version) = package(word);
                let version = version.unwrap_or_else(|| DEFAULT_VERSION.to_owned());
                let _ = writeln!(stdout, "Setting up {package} ({version}) ...");
                machine.packages.insert(package, version);
            }
            Reply::ok(stdout)
        }
        "remove" | "purge" | "autoremove" => {
            let mut stdout = String::new();
            for word in packages {
                let (package, _) = package(word);
                if let Some(version) = machine.packages.remove(&package) {
                    let _ = writeln!(stdout, "Removing {package} ({version}) ...");
                } else {
                    let _ = writeln!(
                        stdout,
                        "Package '{package}' is not installed, so not removed"
                    );
                }
            }
            Reply::ok(stdout)
        }
        _ => Reply::ok(""),
    }
}

/// `apt-cache policy|show PKG...`.
pub(super) fn apt_cache(args: &[String], machine: &Machine) -> Reply {
    let (words, _) = words(args, APT_VALUED);
    let Some((command, packages)) = words.split_first() else {
        return Reply::fail(
            100,
            "E: No command given (cargo charm sim's fake apt-cache)",
        );
    };
    let mut stdout = String::new();
    match *command {
        "policy" => {
            for package in packages {
                let installed = machine.packages.get(*package);
                let candidate = installed.map_or(DEFAULT_VERSION, String::as_str);
                let marker = if installed.is_some() { "***" } else { "   " };
                let _ = write!(
                    stdout,
                    "{package}:\n  Installed: {}\n  Candidate: {candidate}\n  Version table:\n \
                     {marker} {candidate} 500\n        500 file:/cargo-charm-sim sim/main {} \
                     Packages\n",
                    installed.map_or("(none)", String::as_str),
                    architecture(),
                );
                if installed.is_some() {
                    stdout.push_str("        100 /var/lib/dpkg/status\n");
                }
            }
        }
        "show" => {
            for package in packages {
                let (package, version) = package_and_version(package, machine);
                let _ = write!(
                    stdout,
                    "Package: {package}\nArchitecture: {}\nVersion: {version}\nPriority: \
                     optional\nSection: sim\nMaintainer: cargo charm sim\nDescription: \
                     {package}, as cargo charm sim's fake APT knows it\n\n",
                    architecture()
                );
            }
        }
        _ => {}
    }
    Reply::ok(stdout)
}

fn package_and_version(word: &str, machine: &Machine) -> (String, String) {
    let (package, version) = package(word);
    let version = version
        .or_else(|| machine.packages.get(&package).cloned())
        .unwrap_or_else(|| DEFAULT_VERSION.to_owned());
    (package, version)
}

/// `dpkg`: the queries as `dpkg-query`, plus `-i`, `-r`, `-P` and
/// `--print-architecture`.
pub(super) fn dpkg(args: &[String], machine: &mut Machine) -> Reply {
    let (words, options) = words(args, &[]);
    if has(&options, &["--print-architecture"]) {
        return Reply::ok(format!("{}\n", architecture()));
    }
    if has(&options, &["-i", "--install"]) {
        for word in &words {
            let (package, version) = package(word);
            machine.packages.insert(
                package,
                version.unwrap_or_else(|| DEFAULT_VERSION.to_owned()),
            );
        }
        return Reply::ok("");
    }
    if has(&options, &["-r", "--remove", "-P", "--purge"]) {
        for word in &words {
            machine.packages.remove(&package(word).0);
        }
        return Reply::ok("");
    }
    query(&words, &options, machine)
}

/// `dpkg-query -W|-s|-l`.
pub(super) fn dpkg_query(args: &[String], machine: &Machine) -> Reply {
    let (words, options) = words(args, &["-f", "--showformat"]);
    query(&words, &options, machine)
}

fn not_found(package: &str) -> String {
    format!("dpkg-query: no packages found matching {package}\n")
}

fn query(words: &[&str], options: &[(&str, Option<&str>)], machine: &Machine) -> Reply {
    let mut reply = Reply::default();
    if has(options, &["-s", "--status"]) {
        for package in words {
            match machine.packages.get(*package) {
                Some(version) => {
                    let _ = write!(
                        reply.stdout,
                        "Package: {package}\nStatus: install ok installed\nArchitecture: \
                         {}\nVersion: {version}\n\n",
                        architecture()
                    );
                }
                None => {
                    let _ = writeln!(
                        reply.stderr,
                        "dpkg-query: package '{package}' is not installed and no information \
                         is available"
                    );
                    reply.code = 1;
                }
            }
        }
        return reply;
    }
    if has(options, &["-W", "--show"]) {
        let format = value(options, &["-f", "--showformat"])
            .map_or_else(|| "${binary:Package}\t${Version}\n".to_owned(), unescape);
        for package in words {
            match machine.packages.get_key_value(*package) {
                Some((name, version)) => reply.stdout.push_str(&show(&format, name, version)),
                None => {
                    reply.stderr.push_str(&not_found(package));
                    reply.code = 1;
                }
            }
        }
        return reply;
    }
    if has(options, &["-l", "--list"]) {
        let listed: Vec<(&String, &String)> = machine
            .packages
            .iter()
            .filter(|(name, _)| words.is_empty() || words.contains(&name.as_str()))
            .collect();
        for package in words {
            if !machine.packages.contains_key(*package) {
                reply.stderr.push_str(&not_found(package));
                reply.code = 1;
            }
        }
        if !listed.is_empty() {
            reply.stdout = listing(&listed);
        }
        return reply;
    }
    reply
}

/// `dpkg -l`'s table.
fn listing(packages: &[(&String, &String)]) -> String {
    let name_width = packages
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0)
        .max(14);
    let version_width = packages
        .iter()
        .map(|(_, version)| version.len())
        .max()
        .unwrap_or(0)
        .max(12);
    let mut text = String::from(
        "Desired=Unknown/Install/Remove/Purge/Hold\n\
         | Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend\n\
         |/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n",
    );
    let _ = writeln!(
        text,
        "||/ {:<name_width$} {:<version_width$} Architecture Description",
        "Name", "Version"
    );
    let _ = writeln!(
        text,
        "+++-{}-{}-============-{}",
        "=".repeat(name_width),
        "=".repeat(version_width),
        "=".repeat(33)
    );
    for (name, version) in packages {
        let _ = writeln!(
            text,
            "ii  {name:<name_width$} {version:<version_width$} {:<12} installed by cargo charm sim",
            architecture()
        );
    }
    text
}

/// `--showformat`'s backslash escapes.
fn unescape(format: &str) -> String {
    let mut text = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => text.push('\n'),
            Some('t') => text.push('\t'),
            Some(other) => text.push(other),
            None => text.push('\\'),
        }
    }
    text
}

/// `format` with `${Field}` (or `${Field;width}`) filled in for an installed package.
fn show(format: &str, name: &str, version: &str) -> String {
    let mut text = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let field = &rest[start + 2..start + end];
        let field = field.split(';').next().unwrap_or(field);
        text.push_str(match field {
            "Package" | "binary:Package" => name,
            "Version" => version,
            "Status" => "install ok installed",
            "db:Status-Abbrev" => "ii ",
            "db:Status-Status" => "installed",
            "db:Status-Want" => "install",
            "Architecture" => architecture(),
            _ => "",
        });
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn install_query_remove() {
        let mut machine = Machine::default();
        let missing = dpkg_query(
            &args(&["-W", "--showformat=${Status}", "tinyproxy"]),
            &machine,
        );
        assert_eq!(missing.code, 1);
        assert_eq!(
            missing.stderr,
            "dpkg-query: no packages found matching tinyproxy\n"
        );
        let installed = apt_get(
            &args(&[
                "-o",
                "Dpkg::Options::=--force-confold",
                "install",
                "-y",
                "tinyproxy=1.11.0-1",
                "curl",
            ]),
            &mut machine,
        );
        assert_eq!(installed.code, 0);
        assert_eq!(machine.packages["tinyproxy"], "1.11.0-1");
        assert_eq!(machine.packages["curl"], DEFAULT_VERSION);
        let version = dpkg_query(&args(&["-W", "-f", "${Version}\\n", "tinyproxy"]), &machine);
        assert_eq!(version.stdout, "1.11.0-1\n");
        let status = dpkg_query(
            &args(&["--show", "--showformat=${Status}", "tinyproxy"]),
            &machine,
        );
        assert_eq!(status.stdout, "install ok installed");
        let listed = dpkg(&args(&["-l", "tinyproxy"]), &mut machine);
        assert_eq!(listed.code, 0);
        assert!(
            listed.stdout.lines().last().is_some_and(
                |line| line.starts_with("ii  tinyproxy ") && line.contains(" 1.11.0-1 ")
            ),
            "{}",
            listed.stdout
        );
        let policy = apt_cache(&args(&["policy", "tinyproxy"]), &machine);
        assert!(
            policy.stdout.contains("  Installed: 1.11.0-1\n"),
            "{}",
            policy.stdout
        );
        apt_get(&args(&["remove", "-y", "tinyproxy"]), &mut machine);
        assert!(!machine.packages.contains_key("tinyproxy"));
        let policy = apt_cache(&args(&["policy", "tinyproxy"]), &machine);
        assert!(
            policy.stdout.contains("  Installed: (none)\n"),
            "{}",
            policy.stdout
        );
        assert_eq!(dpkg(&args(&["-l", "tinyproxy"]), &mut machine).code, 1);
    }
}
