#!/usr/bin/env python3
"""Rust charms against Python ops, side by side, in one run.

    python3 bench/bench.py [--rounds N] [--harness-runs N] [--cold-build]

Builds examples/tinyproxy in release mode, installs ops==3.9.0 (with its
testing extra) from PyPI into bench/.venv, lays out both charms in temporary
charm directories with the same recording hook-tool executables and the same
fake workload commands on PATH, and runs every hook of a lifecycle for both
frameworks, interleaved (Rust, Python, Rust, Python, ...). It prints a table
and writes BENCHMARKS.md. Nothing here is part of `cargo test`.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV = BENCH / ".venv"
OPS = "ops[testing]==3.9.0"
MEASURE = ROOT / "target" / "bench-measure" / "release" / "measure"

HOOK_TOOL = """#!/bin/sh
tool=$(basename "$0")
echo "$tool" >> "$BENCH_CALLS"
case "$tool" in
  is-leader) echo true ;;
  config-get) printf '%s\\n' "$BENCH_CONFIG" ;;
  action-get) echo '{}' ;;
  status-get) echo '{"status": "unknown", "message": "", "status-data": {}}' ;;
  state-get) echo null ;;
esac
exit 0
"""

# The workload's commands: apt-get "installs" tinyproxy by creating it.
APT_GET = """#!/bin/sh
if [ "$1" = install ]; then
  printf '#!/bin/sh\\necho "tinyproxy 1.11.0"\\n' > "$BENCH_BIN/tinyproxy"
  chmod +x "$BENCH_BIN/tinyproxy"
fi
if [ "$1" = remove ]; then rm -f "$BENCH_BIN/tinyproxy"; fi
"""

HOOK_TOOLS = [
    "juju-log", "status-set", "status-get", "is-leader", "config-get", "application-version-set",
    "action-get", "action-set", "action-log", "action-fail", "relation-ids", "relation-list",
    "relation-get", "relation-set", "state-get", "state-set", "state-delete", "goal-state",
    "opened-ports", "open-port", "close-port", "storage-list", "network-get",
]

# (label, dispatch path, config, extra environment)
SEQUENCE = [
    ("install", "hooks/install", {"slug": "example"}, {}),
    ("leader-elected", "hooks/leader-elected", {"slug": "example"}, {}),
    ("config-changed (invalid slug)", "hooks/config-changed", {"slug": "foo_bar"}, {}),
    ("config-changed (valid, not running)", "hooks/update-status", {"slug": "proxy"}, {}),
    ("update-status", "hooks/update-status", {"slug": "proxy"}, {}),
    ("describe (action)", "actions/describe", {"slug": "proxy"},
     {"JUJU_ACTION_NAME": "describe", "JUJU_ACTION_UUID": "1", "JUJU_HOOK_NAME": ""}),
    ("stop", "hooks/stop", {"slug": "proxy"}, {}),
    ("remove", "hooks/remove", {"slug": "proxy"}, {}),
]


def sh(*args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


def setup_venv():
    python = VENV / "bin" / "python3"
    if not python.exists():
        print("creating bench/.venv and installing", OPS, "from PyPI", file=sys.stderr)
        sh(sys.executable, "-m", "venv", str(VENV))
        sh(str(python), "-m", "pip", "install", "--quiet", OPS)
    return python


def build_rust():
    print("building bench/measure and examples/tinyproxy (release)", file=sys.stderr)
    sh("cargo", "build", "--release", "--quiet", "--manifest-path", str(BENCH / "measure" / "Cargo.toml"),
       "--target-dir", str(ROOT / "target" / "bench-measure"), cwd=ROOT)
    sh("cargo", "build", "--release", "--quiet", "-p", "tinyproxy", "--bin", "tinyproxy", cwd=ROOT)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "tinyproxy"


def write_exe(path, text):
    path.write_text(text)
    path.chmod(0o755)


def split_metadata(python, charmcraft, dest):
    """metadata.yaml, config.yaml and actions.yaml from charmcraft.yaml, for ops."""
    code = (
        "import sys, yaml\n"
        "data = yaml.safe_load(open(sys.argv[1]))\n"
        "config = data.pop('config', None); actions = data.pop('actions', None)\n"
        "for k in ('type', 'base', 'platforms', 'parts', 'bases'): data.pop(k, None)\n"
        "yaml.safe_dump(data, open(sys.argv[2] + '/metadata.yaml', 'w'))\n"
        "config and yaml.safe_dump(config, open(sys.argv[2] + '/config.yaml', 'w'))\n"
        "actions and yaml.safe_dump(actions, open(sys.argv[2] + '/actions.yaml', 'w'))\n"
    )
    sh(str(python), "-c", code, str(charmcraft), str(dest))


class Charm:
    """One charm laid out as Juju would: a charm directory with `dispatch`."""

    def __init__(self, name, work, make_dispatch):
        self.name = name
        self.dir = work / name / "charm"
        self.bin = work / name / "bin"
        self.calls = work / name / "calls"
        self.dir.mkdir(parents=True)
        self.bin.mkdir(parents=True)
        for tool in HOOK_TOOLS:
            write_exe(self.bin / tool, HOOK_TOOL)
        write_exe(self.bin / "apt-get", APT_GET)
        make_dispatch(self.dir)

    def run(self, dispatch_path, config, extra):
        env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "HOME": str(self.dir),
            "BENCH_CALLS": str(self.calls),
            "BENCH_BIN": str(self.bin),
            "BENCH_CONFIG": json.dumps(config),
            "JUJU_DISPATCH_PATH": dispatch_path,
            "JUJU_HOOK_NAME": dispatch_path.split("/", 1)[1],
            "JUJU_UNIT_NAME": "tinyproxy/0",
            "JUJU_MODEL_NAME": "bench",
            "JUJU_MODEL_UUID": "00000000-0000-4000-8000-000000000000",
            "JUJU_VERSION": "3.6.4",
            "JUJU_CHARM_DIR": str(self.dir),
        }
        env.update(extra)
        self.calls.write_text("")
        # Timed and measured by a small helper process: measured from this Python
        # process, the child's peak RSS would include this process's pages.
        out = subprocess.run([str(MEASURE), "./dispatch"], cwd=self.dir, env=env, check=True,
                             capture_output=True, text=True).stdout
        m = json.loads(out)
        if m["code"] != 0:
            raise SystemExit(f"{self.name} failed {dispatch_path} (exit {m['code']})")
        wall, cpu, rss = m["wall"], m["cpu"], m["rss_kib"]
        calls = len(self.calls.read_text().splitlines())
        return {"wall": wall, "cpu": cpu, "rss": rss, "calls": calls}


def median(values):
    return statistics.median(values) if values else float("nan")


def harness_rust(runs):
    out = subprocess.run(
        ["cargo", "run", "--release", "--quiet", "-p", "tinyproxy", "--example", "harness_bench", "--", str(runs)],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return float(out.strip())


def harness_python(python, runs):
    code = f"""
import sys, time
sys.path.insert(0, {str(BENCH / 'python-tinyproxy' / 'src')!r})
from ops import testing
import charm
ctx = testing.Context(charm.TinyproxyCharm)
state = testing.State(config={{"slug": "foo_bar"}})
ctx.run(ctx.on.config_changed(), state)
start = time.perf_counter()
for _ in range({runs}):
    out = ctx.run(ctx.on.config_changed(), state)
print((time.perf_counter() - start) / {runs} * 1e6)
"""
    return float(subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout.strip())


PEBBLE_CALLS = ["system-info", "get-services", "push 1 KiB", "pull 1 KiB", "list (10)", "exec echo"]


def pebble_rust(calls):
    out = subprocess.run(
        ["cargo", "run", "--release", "--quiet", "-p", "ops-runtime", "--example", "pebble_bench", "--", str(calls)],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    figures = {}
    for line in out.splitlines():
        for name in PEBBLE_CALLS:
            if line.startswith(name):
                figures[name] = float(line.split("median")[1].split("µs")[0])
    return figures


def pebble_python(python, calls):
    """ops's Pebble client against the same wire-level server."""
    sh("cargo", "build", "--release", "--quiet", "-p", "ops-runtime", "--example", "pebble_bench", cwd=ROOT)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    server = subprocess.Popen([str(target / "release" / "examples" / "pebble_bench"), "--serve", "300"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        socket = server.stdout.readline().strip()
        code = f"""
import statistics, time, json
import ops.pebble as pebble
c = pebble.Client(socket_path={socket!r})
def measure(call):
    for _ in range(20): call()
    times = []
    for _ in range({calls}):
        t = time.perf_counter(); call(); times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6
print(json.dumps({{
    "system-info": measure(lambda: c.get_system_info()),
    "get-services": measure(lambda: c.get_services()),
    "push 1 KiB": measure(lambda: c.push("/tmp/pushed", b"x" * 1024)),
    "pull 1 KiB": measure(lambda: c.pull("/tmp/pull-me", encoding=None).read()),
    "list (10)": measure(lambda: c.list_files("/tmp/dir")),
    "exec echo": measure(lambda: c.exec(["echo", "hello"]).wait_output()),
}}))
"""
        run = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"ops's Pebble client failed against the test server:\n{run.stderr}")
        return json.loads(run.stdout)
    finally:
        server.kill()
        server.wait()


def build_figures(binary, cold):
    figures = {}
    stripped = Path(tempfile.mkdtemp()) / "tinyproxy"
    shutil.copy(binary, stripped)
    subprocess.run(["strip", str(stripped)], check=False)
    figures["binary size (stripped)"] = f"{stripped.stat().st_size / 1024:.0f} KiB"
    lib = ROOT / "examples" / "tinyproxy" / "src" / "lib.rs"
    os.utime(lib)
    start = time.perf_counter()
    sh("cargo", "build", "--release", "--quiet", "-p", "tinyproxy", "--bin", "tinyproxy", cwd=ROOT)
    figures["incremental release rebuild after touching lib.rs"] = f"{time.perf_counter() - start:.1f} s"
    if cold:
        target = tempfile.mkdtemp()
        start = time.perf_counter()
        sh("cargo", "build", "--release", "--quiet", "-p", "tinyproxy", "--bin", "tinyproxy",
           "--target-dir", target, cwd=ROOT)
        figures["cold release build (all dependencies)"] = f"{time.perf_counter() - start:.1f} s"
        shutil.rmtree(target, ignore_errors=True)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="interleaved runs of each hook per framework")
    parser.add_argument("--harness-runs", type=int, default=200, help="runs of the harness test per framework")
    parser.add_argument("--pebble-calls", type=int, default=300, help="calls of each Pebble request per client")
    parser.add_argument("--cold-build", action="store_true", help="also time a cold release build")
    args = parser.parse_args()

    python = setup_venv()
    binary = build_rust()
    work = Path(tempfile.mkdtemp(prefix="ops-bench-"))

    def rust_dispatch(d):
        shutil.copy(binary, d / "dispatch")

    def python_dispatch(d):
        shutil.copytree(BENCH / "python-tinyproxy" / "src", d / "src")
        split_metadata(python, BENCH / "python-tinyproxy" / "charmcraft.yaml", d)
        write_exe(d / "dispatch", f"#!/bin/sh\nexec {python} ./src/charm.py\n")

    rust = Charm("rust", work, rust_dispatch)
    py = Charm("python", work, python_dispatch)
    results = {label: {"rust": [], "python": []} for label, *_ in SEQUENCE}
    for _ in range(args.rounds):
        for label, path, config, extra in SEQUENCE:
            results[label]["rust"].append(rust.run(path, config, extra))
            results[label]["python"].append(py.run(path, config, extra))

    rows = []
    totals = {"rust": {"wall": 0.0, "cpu": 0.0, "calls": 0}, "python": {"wall": 0.0, "cpu": 0.0, "calls": 0}}
    peak = {"rust": 0, "python": 0}
    for label, *_ in SEQUENCE:
        row = [label]
        for fw in ("rust", "python"):
            runs = results[label][fw]
            wall, cpu = median([r["wall"] for r in runs]), median([r["cpu"] for r in runs])
            rss, calls = max(r["rss"] for r in runs), runs[0]["calls"]
            totals[fw]["wall"] += wall
            totals[fw]["cpu"] += cpu
            totals[fw]["calls"] += calls
            peak[fw] = max(peak[fw], rss)
            row.append((wall, cpu, rss, calls))
        rows.append(row)

    header = "| hook | Rust wall | Python wall | ratio | Rust CPU | Python CPU | Rust RSS | Python RSS | calls Rust/Python |"
    lines = [header, "|" + "---|" * 9]
    for label, r, p in rows:
        lines.append(
            f"| {label} | {r[0]*1e3:.2f} ms | {p[0]*1e3:.1f} ms | {p[0]/r[0]:.0f}x | {r[1]*1e3:.2f} ms | "
            f"{p[1]*1e3:.1f} ms | {r[2]/1024:.1f} MiB | {p[2]/1024:.1f} MiB | {r[3]}/{p[3]} |")
    rt, pt = totals["rust"], totals["python"]
    lines.append(
        f"| **whole sequence** | {rt['wall']*1e3:.1f} ms | {pt['wall']*1e3:.0f} ms | {pt['wall']/rt['wall']:.0f}x | "
        f"{rt['cpu']*1e3:.1f} ms | {pt['cpu']*1e3:.0f} ms | {peak['rust']/1024:.1f} MiB | {peak['python']/1024:.1f} MiB | "
        f"{rt['calls']}/{pt['calls']} |")

    # One hook-tool call, measured alone: the floor every hook pays per call.
    tool_env = dict(os.environ, BENCH_CALLS=str(work / "tool-calls"), BENCH_CONFIG="{}")
    tool_runs = [json.loads(subprocess.run([str(MEASURE), str(rust.bin / "config-get"), "--format=json"],
                                           env=tool_env, check=True, capture_output=True, text=True).stdout)["wall"]
                 for _ in range(50)]
    tool_cost = median(tool_runs)
    own = {fw: totals[fw]["wall"] - totals[fw]["calls"] * tool_cost for fw in ("rust", "python")}

    ratios = [p[0] / r[0] for _, r, p in rows]
    min_ratio, max_ratio = min(ratios), max(ratios)
    harness_r = harness_rust(args.harness_runs)
    harness_p = harness_python(python, args.harness_runs)
    pebble_r = pebble_rust(args.pebble_calls)
    pebble_p = pebble_python(python, args.pebble_calls)
    build = build_figures(binary, args.cold_build)

    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"
    table = "\n".join(lines)
    report = f"""# Benchmarks

Produced by `python3 bench/bench.py` (rounds: {args.rounds}, harness runs: {args.harness_runs}) on {machine}.

## Per hook, as Juju runs it

The tinyproxy charm of `examples/tinyproxy` (Rust, release build) and the same
charm written with Python `ops` 3.9.0 (`bench/python-tinyproxy`), each run as
its charm directory's `dispatch` with the same `JUJU_*` variables, the same
hook-tool executables (shell scripts that record each call) and the same fake
workload commands on `PATH`; the two frameworks alternate run by run. Wall time
and CPU time (user + system of the charm process and its children, hook tools
included) are medians over the rounds; RSS is the peak resident set of the
largest process of the hook (the charm, or one of its hook-tool shells), all
taken by `bench/measure`, a small process that runs `dispatch` and reads
`getrusage`;
"calls" counts hook-tool invocations in one run of the hook.

{table}

### Where the time goes

One hook-tool call (a shell script here, as Juju's are separate executables)
costs {tool_cost*1e3:.2f} ms on its own. Over the whole sequence, the charm's own
time (wall time minus hook-tool calls) is {own['rust']*1e3:.1f} ms for Rust and
{own['python']*1e3:.0f} ms for Python: a ratio of {own['python'] / max(own['rust'], 1e-9):.0f}x once the
hook tools both pay for are taken out. Rust's hooks are bounded below by the
number of hook tools they call; Python's by interpreter start-up and `import ops`.

## Testing harness

The same state-transition test (config-changed with an invalid slug, ending in
Blocked) run repeatedly: `ops_runtime::testing` against `ops.testing` 3.9.0.

| | time per run |
|---|---|
| Rust harness | {harness_r:.1f} µs |
| ops.testing | {harness_p:.0f} µs |
| ratio | {harness_p / harness_r:.0f}x |

## Pebble client

Median latency per call, our blocking client against ops's `pebble.Client`, on
the same wire-level test server (`ops-runtime/examples/pebble_bench.rs`, which
answers from memory and runs `echo` without a process):

| call | ours | ops | ratio |
|---|---|---|---|
""" + "\n".join(f"| {k} | {pebble_r.get(k, float('nan')):.0f} µs | {pebble_p.get(k, float('nan')):.0f} µs | {pebble_p.get(k, 0) / pebble_r.get(k, 1):.1f}x |" for k in PEBBLE_CALLS) + """

## Build and size

| | |
|---|---|
""" + "\n".join(f"| {k} | {v} |" for k, v in build.items()) + f"""

## Against the targets

| target | measured | |
|---|---|---|
| per hook at least 50x faster | {min_ratio:.0f}x to {max_ratio:.0f}x per hook, {pt['wall']/rt['wall']:.0f}x over the sequence; {own['python'] / max(own['rust'], 1e-9):.0f}x on the charms' own time | {"met" if min_ratio >= 50 else "missed"} |
| at most a tenth of the memory | {peak['rust']/1024:.1f} MiB against {peak['python']/1024:.1f} MiB ({peak['python']/max(peak['rust'], 1):.1f}x less) | {"met" if peak['python'] >= 10 * peak['rust'] else "missed"} |
| fewer hook-tool calls than ops | {rt['calls']} against {pt['calls']} | {"met" if rt['calls'] < pt['calls'] else "missed"} |
| harness at least 100x faster | {harness_p / harness_r:.0f}x | {"met" if harness_p >= 100 * harness_r else "missed"} |
| Pebble calls at least 3x faster | {min(pebble_p[k] / pebble_r[k] for k in PEBBLE_CALLS if k in pebble_r and k in pebble_p):.1f}x to {max(pebble_p[k] / pebble_r[k] for k in PEBBLE_CALLS if k in pebble_r and k in pebble_p):.1f}x | {"met" if all(pebble_p[k] >= 3 * pebble_r[k] for k in PEBBLE_CALLS if k in pebble_r and k in pebble_p) else "partly missed"} |

Where the per-hook time goes. A Rust hook's wall time is its own start-up and
work (about {own['rust'] / len(SEQUENCE) * 1e3:.1f} ms per hook here, fake workload commands
such as `apt-get` and `tinyproxy -v` included) plus {tool_cost*1e3:.1f} ms for each
hook-tool call. Every hook makes at least one call (`config-get`, read once for
collect-status), so no hook can go below about {tool_cost*1e3 + 1:.0f} ms against the
~{pt['wall'] / len(SEQUENCE) * 1e3:.0f} ms Python needs to start and import `ops`: the 50x target
holds for the charm's own time but not for hooks dominated by hook tools. With
Juju's real hook tools (one small Go binary, about 1 ms a call) the floor moves
but stays. What would close it: fewer calls (keep the last `config-get` answer
when Juju says config did not change, batch status reads), and a static musl
build (no dynamic loader on each exec). Pebble: our client pays reqwest's
per-request machinery and the blocking face's entry into the runtime on every
call; not yet profiled: whether connections are reused on the Unix socket
(keeping one alive across a hook's calls, or a leaner HTTP/1.1 layer, is the
next step there).

## Not measured yet

The httpbin example (a Kubernetes charm through Pebble, per hook) waits for the
container model and the simulator.
"""
    (ROOT / "BENCHMARKS.md").write_text(report)
    print(table)
    print(f"\none hook-tool call: {tool_cost*1e3:.2f} ms; own time over the sequence: Rust {own['rust']*1e3:.1f} ms, Python {own['python']*1e3:.0f} ms")
    print(f"harness: Rust {harness_r:.1f} µs/run, ops.testing {harness_p:.0f} µs/run")
    for k in PEBBLE_CALLS:
        print(f"pebble {k}: ours {pebble_r.get(k, float('nan')):.0f} µs, ops {pebble_p.get(k, float('nan')):.0f} µs")
    for k, v in build.items():
        print(f"{k}: {v}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
