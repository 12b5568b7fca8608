#!/usr/bin/env python3
"""The tinyproxy charm of examples/tinyproxy, written with Python's ops 3.9.

Same handlers, same hook-tool calls and the same workload commands as the Rust
charm, so the benchmark compares the frameworks, not the charms.
"""

import logging
import os
import shutil
import signal
import subprocess
import time

import ops

logger = logging.getLogger(__name__)

PORT = 8000
CONFIG_FILE = "/etc/tinyproxy/tinyproxy.conf"
PID_FILE = "/var/run/tinyproxy.pid"


class InvalidSlug(ValueError):
    pass


def parse_slug(slug: str) -> str:
    if slug and all(c.islower() or c.isdigit() or c == "-" for c in slug) and slug.isascii():
        return slug
    raise InvalidSlug(f"Invalid slug: '{slug}'. Slug must match the regex [a-z0-9-]+")


def run(*args: str) -> str:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout


def is_installed() -> bool:
    return shutil.which("tinyproxy") is not None


def pid():
    try:
        with open(PID_FILE) as f:
            value = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return value if os.path.exists(f"/proc/{value}") else None


def wait_for(done, failure):
    for _ in range(3):
        if done():
            return
        time.sleep(1)
    if not done():
        raise RuntimeError(f"tinyproxy {failure} within the expected time")


class TinyproxyCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.start, self._on_configure)
        framework.observe(self.on.config_changed, self._on_configure)
        framework.observe(self.on.stop, self._on_stop)
        framework.observe(self.on.remove, self._on_remove)
        framework.observe(self.on.describe_action, self._on_describe)
        framework.observe(self.on["website"].relation_joined, self._on_website_joined)
        framework.observe(self.on.collect_unit_status, self._on_collect_status)

    def _slug(self):
        try:
            return parse_slug(str(self.config.get("slug", "")))
        except InvalidSlug as e:
            return e

    def _on_install(self, event):
        if not is_installed():
            run("apt-get", "update")
            run("apt-get", "install", "-y", "tinyproxy-bin=1.11.0-1")
            version = run("tinyproxy", "-v").strip().removeprefix("tinyproxy").strip()
            self.unit.set_workload_version(version)

    def _on_configure(self, event):
        slug = self._slug()
        if isinstance(slug, InvalidSlug):
            logger.warning("skipping handler `configure`: %s", slug)
            return
        if not is_installed():
            return
        wanted = (
            f'PidFile "{PID_FILE}"\nPort {PORT}\nTimeout 600\nReverseOnly Yes\n'
            f'ReversePath "/{slug}/" "http://www.example.com/"\n'
        )
        try:
            with open(CONFIG_FILE) as f:
                changed = f.read() != wanted
        except OSError:
            changed = True
        if changed:
            os.makedirs(os.path.dirname(CONFIG_FILE), exist_ok=True)
            with open(CONFIG_FILE, "w") as f:
                f.write(wanted)
        if pid() is None:
            run("tinyproxy")
            wait_for(lambda: pid() is not None, "was not running")
        elif changed:
            logger.info("Config changed while tinyproxy is running. Updating tinyproxy config")
            os.kill(pid(), signal.SIGUSR1)

    def _on_stop(self, event):
        p = pid()
        if p:
            os.kill(p, signal.SIGTERM)
        wait_for(lambda: pid() is None, "was still running")

    def _on_remove(self, event):
        run("apt-get", "remove", "-y", "tinyproxy-bin")
        for path in (PID_FILE, CONFIG_FILE):
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
        try:
            os.rmdir(os.path.dirname(CONFIG_FILE))
        except OSError:
            pass

    def _on_website_joined(self, event: ops.RelationJoinedEvent):
        binding = self.model.get_binding(event.relation)
        address = binding.network.ingress_address if binding else None
        if address is None:
            raise RuntimeError("Juju gave no ingress address for the website binding")
        event.relation.data[self.unit].update({"hostname": str(address), "port": str(PORT)})

    def _on_describe(self, event: ops.ActionEvent):
        include_config = bool(event.params.get("include-config", False))
        if not is_installed():
            event.fail("tinyproxy is not installed")
            return
        slug = self._slug()
        if isinstance(slug, InvalidSlug):
            event.fail(f"invalid config: {slug}")
            return
        event.log("collecting tinyproxy's state")
        results = {
            "proxy": {"slug": slug, "port": PORT},
            "workload": {
                "running": "true" if pid() else "false",
                "version": run("tinyproxy", "-v").strip().removeprefix("tinyproxy").strip(),
            },
        }
        if include_config:
            try:
                with open(CONFIG_FILE) as f:
                    results["config"] = f.read()
            except OSError:
                pass
        event.set_results(results)

    def _on_collect_status(self, event: ops.CollectStatusEvent):
        slug = self._slug()
        if isinstance(slug, InvalidSlug):
            event.add_status(ops.BlockedStatus(str(slug)))
        if not is_installed():
            event.add_status(ops.MaintenanceStatus("Waiting for tinyproxy to be installed"))
        if pid() is None:
            event.add_status(ops.MaintenanceStatus("Waiting for tinyproxy to start"))
        event.add_status(ops.ActiveStatus())


if __name__ == "__main__":
    ops.main(TinyproxyCharm)
