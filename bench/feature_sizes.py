#!/usr/bin/env python3
"""What each relation interface costs a charm binary, in bytes.

    python3 bench/feature_sizes.py [--keep]

For each feature of ops-interfaces, generates a minimal charm (under
target/feature-sizes/) that binds that feature's component to an endpoint of
its interface, and builds it in release mode with the workspace's release
profile (thin LTO, debug info stripped, as `cargo charm pack` builds). The
baseline is the same charm with no component. It prints a table of each
binary's size and its difference from the baseline, and writes the table into
BENCHMARKS.md between the `feature-sizes` markers (bench/bench.py keeps it).
Nothing here is part of `cargo test`.

A feature's cost depends on what the charm calls: each charm here binds the
component and nothing more, so the figures are what binding it costs (its
event handling, wire format and dependencies), the floor of a real charm's
cost.
"""

import argparse
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "feature-sizes"
TARGET = WORK / "target"

# (feature, component type, endpoint, role, interface); `None`: the baseline,
# "pebble": the baseline that also replans its container (the Pebble client).
VARIANTS = [
    (None, None, None, None, None),
    ("pebble", None, None, None, None),
    ("database", "database::DatabaseRequirer", "database", "requires", "postgresql_client"),
    ("ingress", "ingress::IngressRequirer", "ingress", "requires", "ingress"),
    ("http", "http::HttpProvider", "website", "provides", "http"),
    ("juju-info", "juju_info::JujuInfoRequirer", "juju-info", "requires", "juju-info"),
    ("prometheus-scrape", "prometheus_scrape::MetricsEndpointProvider", "metrics-endpoint",
     "provides", "prometheus_scrape"),
    ("loki-push-api", "loki_push_api::LogForwarder", "logging", "requires", "loki_push_api"),
    ("grafana-dashboard", "grafana_dashboard::GrafanaDashboardProvider", "grafana-dashboard",
     "provides", "grafana_dashboard"),
    ("tracing", "tracing::TracingEndpointRequirer", "tracing", "requires", "tracing"),
    ("tls-certificates", "tls_certificates::TlsCertificatesRequirer", "certificates",
     "requires", "tls-certificates"),
]

PROFILE = """
[profile.release]
opt-level = 3
lto = "thin"
codegen-units = 4
strip = "debuginfo"
"""


def features_of_ops_interfaces():
    text = (ROOT / "ops-interfaces" / "Cargo.toml").read_text()
    section = text.split("[features]", 1)[1].split("\n[", 1)[0]
    return {line.split("=", 1)[0].strip() for line in section.splitlines() if "=" in line}


def component_exists(path):
    module, name = path.split("::")
    src = ROOT / "ops-interfaces" / "src"
    sources = [src / f"{module}.rs", *sorted((src / module).glob("*.rs"))]
    pattern = re.compile(rf"\bimpl Component for {name}\b")
    return any(f.exists() and pattern.search(f.read_text()) for f in sources)


def brings_pebble(feature):
    """Whether the feature turns on ops-runtime's Pebble client."""
    text = (ROOT / "ops-interfaces" / "Cargo.toml").read_text()
    line = re.search(rf"^{re.escape(feature)}\s*=\s*\[(.*)\]", text, re.M)
    return bool(line) and "ops-runtime/pebble" in line.group(1)


def write_charm(name, feature, component, endpoint, role, interface):
    crate = WORK / name
    (crate / "src").mkdir(parents=True, exist_ok=True)
    interfaces = ""
    if component:
        interfaces = (
            f'ops-interfaces = {{ path = "{ROOT / "ops-interfaces"}", '
            f'features = ["{feature}"] }}\n'
        )
    (crate / "Cargo.toml").write_text(
        f'[package]\nname = "size-{name}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
        f'[dependencies]\nops-runtime = {{ path = "{ROOT / "ops-runtime"}" }}\n{interfaces}'
        f"{PROFILE}\n[workspace]\n"
    )
    meta = "name: size\ntype: charm\ncontainers:\n  app: {}\n"
    if component:
        meta += f"{role}:\n  {endpoint}:\n    interface: {interface}\n"
    (crate / "charmcraft.yaml").write_text(meta)
    replan = ""
    if feature == "pebble":
        replan = "        cx.container(Self::CONTAINER_APP).replan()?;\n"
    if component:
        field = f"    part: ops_interfaces::{component},\n"
        binding = f'#[charm(components(part: ops_interfaces::{component} = "{endpoint}"))]'
    else:
        field = ""
        binding = "#[charm]"
    (crate / "src" / "main.rs").write_text(
        "//! A minimal charm for bench/feature_sizes.py.\n"
        "use ops_runtime::{charm, CharmError, HookContext, Status};\n\n"
        f"#[derive(Default)]\nstruct Size {{\n{field}}}\n\n"
        f"{binding}\nimpl Size {{\n"
        "    #[on(start)]\n"
        "    fn start(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {\n"
        f"{replan}"
        "        cx.set_unit_status(Status::active(\"\"))?;\n        Ok(())\n    }\n}\n\n"
        "fn main() {\n    ops_runtime::main::<Size>();\n}\n"
    )
    return crate


def build(crate):
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--manifest-path", str(crate / "Cargo.toml")],
        check=True, env=env,
    )
    name = f"size-{crate.name}"
    return (TARGET / "release" / name).stat().st_size


def kib(n):
    return f"{n / 1024:,.0f} KiB"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    known = features_of_ops_interfaces()
    rows = []
    sizes = {}
    for feature, component, endpoint, role, interface in VARIANTS:
        name = feature or "baseline"
        if component and (feature not in known or not component_exists(component)):
            print(f"{name}: not in ops-interfaces here, left out", file=sys.stderr)
            continue
        crate = write_charm(name, feature, component, endpoint, role, interface)
        size = build(crate)
        sizes[name] = size
        rows.append((name, component, size))
        print(f"{name}: {size} bytes", file=sys.stderr)
    lines = [
        "| feature | component bound | binary | added |",
        "|---|---|---|---|",
    ]
    for name, component, size in rows:
        bound = f"`{component.split('::')[1]}`" if component else (
            "none; the charm replans its container" if name == "pebble" else "none")
        if name == "baseline":
            added = ""
        elif component and brings_pebble(name):
            added = (f"+{kib(size - sizes['baseline'])}: the Pebble client and "
                     f"+{kib(size - sizes['pebble'])} over the `pebble` row")
        else:
            added = f"+{kib(size - sizes['baseline'])}"
        lines.append(f"| {name} | {bound} | {kib(size)} | {added} |")
    table = "\n".join(lines)
    print(table)
    section = (
        "<!-- feature-sizes -->\n"
        "## Binary size of each relation interface\n\n"
        f"Produced by `python3 bench/feature_sizes.py` on {platform.machine()}, "
        f"{platform.system()} {platform.release()}: a minimal charm (one `start` handler "
        "that sets a status) built in release mode with the workspace's release profile, "
        "with no component (the baseline) and with one ops-interfaces component bound to "
        "an endpoint of its interface (the component's feature on, nothing else). The "
        "`pebble` row replans the charm's container: the Pebble client's cost, which every "
        "Kubernetes charm that talks to its workload already pays, and which a component "
        "that configures Pebble (`LogForwarder` adds log targets) brings with it; such a "
        "component's row says what it adds over that. What a real charm adds depends on what it calls; these "
        "are the cost of binding the component.\n\n"
        f"{table}\n"
        "<!-- /feature-sizes -->\n"
    )
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    pattern = re.compile(r"<!-- feature-sizes -->.*?<!-- /feature-sizes -->\n", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    main()
