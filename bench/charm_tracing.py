#!/usr/bin/env python3
"""What charm tracing costs a hook, and a charm's binary.

    python3 bench/charm_tracing.py [--runs N]

Builds bench/charm-tracing in release mode twice, without and with
ops-runtime's `tracing` feature, then runs its update-status hook as Juju runs
it (the JUJU_* environment, fake hook tools on PATH that answer from canned
output: is-leader, config-get, status-set) N times in each case:

- feature off: the runtime records nothing;
- feature on, not related: no destination, the spans are recorded in memory
  and dropped;
- feature on, related: the spans go to an OTLP/HTTP collector on 127.0.0.1
  (this script's, answering 200) at the end of each hook;
- feature on, related, collector down: a closed port, the spans buffered.

The cases interleave run by run. It prints the median wall time per hook, the
time added over the feature off, and the size of each binary, as the Markdown
of BENCHMARKS.md's "Charm tracing" section. Not part of `cargo test`.
"""

import argparse
import http.server
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATE = ROOT / "bench" / "charm-tracing"
TARGET = ROOT / "target" / "bench-charm-tracing"

TOOL = """#!/bin/sh
tool=$(basename "$0")
[ -f "$FAKE_JUJU/responses/$tool" ] && cat "$FAKE_JUJU/responses/$tool"
exit 0
"""
TOOLS = ["is-leader", "config-get", "status-set", "juju-log", "status-get"]


def build(feature: bool) -> Path:
    """The charm's release binary, with or without the `tracing` feature."""
    target = TARGET / ("on" if feature else "off")
    lock = CRATE / "Cargo.lock"
    # The workspace's versions of every dependency.
    shutil.copy(ROOT / "Cargo.lock", lock)
    try:
        command = ["cargo", "build", "--release", "--quiet", "--manifest-path",
                   str(CRATE / "Cargo.toml"), "--target-dir", str(target)]
        if feature:
            command += ["--features", "tracing"]
        subprocess.run(command, check=True)
    finally:
        lock.unlink(missing_ok=True)
    return target / "release" / "charm-tracing-bench"


class Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP collector that takes every request."""

    received = 0

    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        Collector.received += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Unit:
    """A charm directory and fake hook tools for one case."""

    def __init__(self, base: Path, name: str, binary: Path, collector: str):
        self.dir = base / name
        self.binary = binary
        for sub in ("bin", "responses", "charm"):
            (self.dir / sub).mkdir(parents=True)
        for tool in TOOLS:
            path = self.dir / "bin" / tool
            path.write_text(TOOL)
            path.chmod(0o755)
        (self.dir / "responses" / "is-leader").write_text("true")
        (self.dir / "responses" / "config-get").write_text(
            json.dumps({"collector": collector}))
        self.env = {
            "PATH": f"{self.dir / 'bin'}:/usr/bin:/bin",
            "FAKE_JUJU": str(self.dir),
            "JUJU_DISPATCH_PATH": "hooks/update-status",
            "JUJU_HOOK_NAME": "update-status",
            "JUJU_UNIT_NAME": "bench/0",
            "JUJU_MODEL_NAME": "bench",
            "JUJU_MODEL_UUID": "6f1a3e2c-0c1d-4f3b-9a57-1b9e6c2d7e10",
            "JUJU_VERSION": "3.6.4",
            "JUJU_CHARM_DIR": str(self.dir / "charm"),
        }

    def run(self) -> float:
        start = time.perf_counter()
        subprocess.run([str(self.binary)], env=self.env, check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    print("building the charm without and with `tracing` ...", file=sys.stderr)
    off = build(False)
    on = build(True)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    collector = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    down = f"http://127.0.0.1:{closed_port()}/v1/traces"

    with tempfile.TemporaryDirectory(prefix="ops-charm-tracing-") as base:
        base = Path(base)
        cases = [
            ("feature off", Unit(base, "off", off, collector)),
            ("feature on, not related", Unit(base, "unrelated", on, "")),
            ("feature on, related", Unit(base, "related", on, collector)),
            ("feature on, related, collector down (refused)",
             Unit(base, "down", on, down)),
        ]
        times = {name: [] for name, _ in cases}
        for _ in range(3):  # warm the page cache
            for _, unit in cases:
                unit.run()
        for _ in range(args.runs):
            for name, unit in cases:
                times[name].append(unit.run())
        buffered = (base / "down" / "charm" / ".ops-tracing" / "buffer").stat().st_size
    server.shutdown()

    medians = {name: statistics.median(t) for name, t in times.items()}
    baseline = medians["feature off"]
    print(f"Produced by `python3 bench/charm_tracing.py --runs {args.runs}` on "
          f"{platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}.\n")
    print("| case | median per hook | added over feature off |")
    print("|---|---|---|")
    for name, _ in cases:
        added = medians[name] - baseline
        print(f"| {name} | {ms(medians[name])} | "
              f"{'' if name == 'feature off' else ('+' if added >= 0 else '') + ms(added)} |")
    print(f"\nThe collector received {Collector.received} requests; the down case's buffer "
          f"held {buffered} bytes at the end (bounded at 4 MiB).\n")
    size_off, size_on = off.stat().st_size, on.stat().st_size
    print("| binary (release, as the workspace's profile) | size |")
    print("|---|---|")
    print(f"| feature off | {size_off / 2**20:.2f} MiB ({size_off} bytes) |")
    print(f"| feature on | {size_on / 2**20:.2f} MiB ({size_on} bytes) |")
    print(f"| cost of the feature | +{(size_on - size_off) / 2**20:.2f} MiB "
          f"(+{(size_on - size_off) / size_off * 100:.0f}%) |")


if __name__ == "__main__":
    main()
