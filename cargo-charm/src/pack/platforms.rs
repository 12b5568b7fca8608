//! Which `.charm` files a build makes: one per platform (or legacy `bases` entry) of
//! charmcraft.yaml that the binary's architecture serves, named and given manifest
//! bases the way charmcraft names and gives them.

use ops_metadata::CharmMetadata;

use crate::check::JUJU_ARCHITECTURES;

/// A base the packed charm runs on, as manifest.yaml lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunBase {
    /// The OS, such as `ubuntu`.
    pub(crate) name: String,
    /// The release, such as `24.04`.
    pub(crate) channel: String,
    /// Juju architectures, such as `amd64`.
    pub(crate) architectures: Vec<String>,
}

/// One `.charm` to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedCharm {
    /// `<name>_<platform>.charm`.
    pub(crate) file_name: String,
    /// Its manifest bases.
    pub(crate) bases: Vec<RunBase>,
}

/// Why no charm can be planned.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PlanError {
    /// Neither `platforms` nor `bases`.
    #[error(
        "charmcraft.yaml declares no `platforms`; add, for example, `base: ubuntu@24.04` and \
         `platforms: {{amd64: }}`"
    )]
    NoPlatforms,
    /// A platform names no base, and there is no top-level `base`.
    #[error(
        "platform `{0}` does not say which Ubuntu release it is for; add a top-level `base` \
         (such as `base: ubuntu@24.04`) or name the platform `ubuntu@24.04:{0}`"
    )]
    NoBase(String),
    /// A base or platform that does not parse.
    #[error("{0}")]
    Invalid(String),
    /// No platform is for the binary's architecture.
    #[error(
        "no platform in charmcraft.yaml is for {arch}, the architecture the charm is built for \
         ({triple}); it declares {declared}. Build for one of those with `--target`, or add an \
         `{arch}` platform"
    )]
    NoneForArch {
        /// The binary's Juju architecture.
        arch: String,
        /// The target triple.
        triple: String,
        /// What the charm declares.
        declared: String,
    },
}

/// The charms to write for a binary built for Juju architecture `arch` (`triple` is
/// only for messages).
pub(crate) fn plan(
    metadata: &CharmMetadata,
    arch: &str,
    triple: &str,
) -> Result<Vec<PlannedCharm>, PlanError> {
    let mut planned = Vec::new();
    let mut declared = Vec::new();
    if !metadata.platforms.is_empty() {
        for (label, platform) in &metadata.platforms {
            let (base, platform_arch) = match platform.build_for.as_slice() {
                [] => parse_target(label)?,
                [single] => parse_target(single)?,
                [..] => {
                    return Err(PlanError::Invalid(format!(
                        "platform `{label}` builds for several targets; a charm platform \
                         builds for one"
                    )));
                }
            };
            let base = match base.or(metadata.base.as_deref()) {
                Some(base) => parse_base(base)?,
                None => return Err(PlanError::NoBase(label.clone())),
            };
            check_arch(platform_arch, &format!("platform `{label}`"))?;
            declared.push(format!("`{label}`"));
            if platform_arch != arch {
                continue;
            }
            planned.push(PlannedCharm {
                file_name: format!("{}_{}.charm", metadata.name, label.replace(':', "-")),
                bases: vec![RunBase {
                    name: base.0.to_owned(),
                    channel: base.1.to_owned(),
                    architectures: vec![arch.to_owned()],
                }],
            });
        }
    } else if !metadata.bases.is_empty() {
        for (index, entry) in metadata.bases.iter().enumerate() {
            let mut bases = Vec::new();
            let mut serves = true;
            for run_on in entry.run_on() {
                for run_arch in &run_on.architectures {
                    check_arch(run_arch, &format!("`bases[{index}]`"))?;
                }
                let architectures = match run_on.architectures.as_slice() {
                    [] => vec![arch.to_owned()],
                    [single] if single == arch => vec![arch.to_owned()],
                    list if list.iter().any(|a| a == arch) => {
                        return Err(PlanError::Invalid(format!(
                            "`bases[{index}]` runs on {}, but one binary serves one \
                             architecture; split it into one entry per architecture",
                            list.join(" and ")
                        )));
                    }
                    _ => {
                        serves = false;
                        run_on.architectures.clone()
                    }
                };
                bases.push(RunBase {
                    name: run_on.name.clone(),
                    channel: run_on.channel.clone(),
                    architectures,
                });
            }
            let label: Vec<String> = bases
                .iter()
                .map(|base| {
                    let mut parts = vec![base.name.clone(), base.channel.clone()];
                    parts.extend(base.architectures.iter().cloned());
                    parts.join("-")
                })
                .collect();
            declared.push(format!("`{}`", label.join("_")));
            if serves && !bases.is_empty() {
                planned.push(PlannedCharm {
                    file_name: format!("{}_{}.charm", metadata.name, label.join("_")),
                    bases,
                });
            }
        }
    } else {
        return Err(PlanError::NoPlatforms);
    }
    if planned.is_empty() {
        return Err(PlanError::NoneForArch {
            arch: arch.to_owned(),
            triple: triple.to_owned(),
            declared: declared.join(", "),
        });
    }
    Ok(planned)
}

/// `ubuntu@22.04:amd64` or `amd64`, as `(base, arch)`.
fn parse_target(text: &str) -> Result<(Option<&str>, &str), PlanError> {
    match text.rsplit_once(':') {
        Some((base, arch)) => Ok((Some(base), arch)),
        None => Ok((None, text)),
    }
}

/// `ubuntu@22.04` as `("ubuntu", "22.04")`.
fn parse_base(text: &str) -> Result<(&str, &str), PlanError> {
    text.split_once('@')
        .filter(|(name, channel)| !name.is_empty() && !channel.is_empty())
        .ok_or_else(|| {
            PlanError::Invalid(format!(
                "`{text}` is not a base; write it as `<os>@<release>`, such as `ubuntu@24.04`"
            ))
        })
}

fn check_arch(arch: &str, what: &str) -> Result<(), PlanError> {
    if arch == "all" {
        return Err(PlanError::Invalid(format!(
            "{what} builds for `all`, but a compiled charm runs only on the architecture it was \
             built for; name one, such as `amd64`"
        )));
    }
    if !JUJU_ARCHITECTURES.contains(&arch) {
        return Err(PlanError::Invalid(format!(
            "{what} names the architecture `{arch}`, which Juju does not know; use one of {}",
            JUJU_ARCHITECTURES.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(yaml: &str) -> CharmMetadata {
        CharmMetadata::from_yaml_str("charmcraft.yaml", yaml).unwrap()
    }

    fn one(yaml: &str) -> PlannedCharm {
        let mut planned = plan(&metadata(yaml), "amd64", "x86_64-unknown-linux-gnu").unwrap();
        assert_eq!(planned.len(), 1, "{planned:?}");
        planned.remove(0)
    }

    fn ubuntu(channel: &str) -> Vec<RunBase> {
        vec![RunBase {
            name: "ubuntu".into(),
            channel: channel.into(),
            architectures: vec!["amd64".into()],
        }]
    }

    #[test]
    fn shorthand_platform_with_a_base() {
        let charm = one("name: demo\nbase: ubuntu@22.04\nplatforms:\n  amd64:\n  arm64:\n");
        assert_eq!(charm.file_name, "demo_amd64.charm");
        assert_eq!(charm.bases, ubuntu("22.04"));
    }

    #[test]
    fn platform_names_carrying_the_base() {
        let planned = plan(
            &metadata("name: demo\nplatforms:\n  ubuntu@22.04:amd64:\n  ubuntu@24.04:amd64:\n"),
            "amd64",
            "x86_64-unknown-linux-gnu",
        )
        .unwrap();
        let names: Vec<&str> = planned.iter().map(|c| c.file_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "demo_ubuntu@22.04-amd64.charm",
                "demo_ubuntu@24.04-amd64.charm"
            ]
        );
        assert_eq!(planned[1].bases, ubuntu("24.04"));
    }

    #[test]
    fn platforms_with_build_for() {
        let charm = one(
            "name: demo\nplatforms:\n  jammy:\n    build-on: [ubuntu@22.04:amd64]\n    \
             build-for: [ubuntu@22.04:amd64]\n",
        );
        assert_eq!(charm.file_name, "demo_jammy.charm");
        assert_eq!(charm.bases, ubuntu("22.04"));
    }

    #[test]
    fn legacy_bases() {
        let charm = one(
            "name: demo\nbases:\n  - build-on:\n      - name: ubuntu\n        channel: \"22.04\"\n    \
             run-on:\n      - name: ubuntu\n        channel: \"22.04\"\n        architectures: \
             [amd64]\n",
        );
        assert_eq!(charm.file_name, "demo_ubuntu-22.04-amd64.charm");
        assert_eq!(charm.bases, ubuntu("22.04"));
    }

    #[test]
    fn mistakes() {
        let error = |yaml: &str| {
            plan(&metadata(yaml), "amd64", "x86_64-unknown-linux-gnu")
                .unwrap_err()
                .to_string()
        };
        assert!(error("name: demo\n").contains("declares no `platforms`"));
        assert!(error("name: demo\nplatforms:\n  amd64:\n").contains("add a top-level `base`"));
        assert_eq!(
            error("name: demo\nbase: ubuntu@22.04\nplatforms:\n  arm64:\n"),
            "no platform in charmcraft.yaml is for amd64, the architecture the charm is built for \
             (x86_64-unknown-linux-gnu); it declares `arm64`. Build for one of those with \
             `--target`, or add an `amd64` platform"
        );
        assert!(
            error("name: demo\nbase: ubuntu@22.04\nplatforms:\n  all:\n")
                .contains("builds for `all`")
        );
        assert!(error("name: demo\nbase: ubuntu\nplatforms:\n  amd64:\n").contains("not a base"));
    }
}
