#!/usr/bin/env python3
"""The httpbin charm of examples/httpbin, written with Python's ops 3.9.

Same handlers, same Pebble layer, same hook-tool calls as the Rust charm (which
ports ops's httpbin-demo and adds the website endpoint and the restart action),
so the benchmark compares the frameworks, not the charms.
"""

import logging
import os

import ops

logger = logging.getLogger(__name__)

SERVICE = "httpbin"
COMMAND = "gunicorn -b 0.0.0.0:80 httpbin:app -k gevent"
PORT = 80
LEVELS = ("debug", "info", "warning", "error", "critical")


def _redirect_pebble_sockets():
    """Under `cargo charm sim`, the containers' sockets are not in /charm/containers.

    ops has no setting for this; the Rust runtime reads OPS_RUNTIME_CONTAINERS_DIR,
    and so does this charm, by wrapping the backend's client factory.
    """
    directory = os.environ.get("OPS_RUNTIME_CONTAINERS_DIR")
    if not directory:
        return
    original = ops.model._ModelBackend.get_pebble

    def get_pebble(self, socket_path):
        if socket_path.startswith("/charm/containers/"):
            socket_path = os.path.join(directory, socket_path[len("/charm/containers/"):])
        return original(self, socket_path)

    ops.model._ModelBackend.get_pebble = get_pebble


def layer(log_level: str) -> ops.pebble.LayerDict:
    return {
        "summary": "httpbin layer",
        "description": "pebble config layer for httpbin",
        "services": {
            SERVICE: {
                "override": "replace",
                "summary": "httpbin",
                "command": COMMAND,
                "startup": "enabled",
                "environment": {"GUNICORN_CMD_ARGS": f"--log-level {log_level}"},
            }
        },
    }


class HttpbinCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on["httpbin"].pebble_ready, self._on_pebble_ready)
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on["website"].relation_joined, self._on_website_joined)
        framework.observe(self.on.restart_action, self._on_restart)
        framework.observe(self.on.collect_unit_status, self._on_collect_status)

    def _log_level(self):
        level = str(self.model.config["log-level"]).lower()
        return level if level in LEVELS else None

    def _on_pebble_ready(self, event: ops.PebbleReadyEvent):
        level = self._log_level()
        if level is None:
            return
        container = event.workload
        container.add_layer(SERVICE, layer(level), combine=True)
        container.replan()
        logger.debug("Added updated layer '%s' to Pebble plan", SERVICE)

    def _on_config_changed(self, event):
        level = self._log_level()
        if level is None:
            return
        container = self.unit.get_container("httpbin")
        try:
            container.add_layer(SERVICE, layer(level), combine=True)
            container.replan()
            logger.debug("Added updated layer '%s' to Pebble plan", SERVICE)
        except ops.pebble.ConnectionError as e:
            logger.info("Unable to connect to Pebble, will retry on pebble-ready: %s", e)

    def _on_website_joined(self, event: ops.RelationJoinedEvent):
        binding = self.model.get_binding(event.relation)
        address = binding.network.ingress_address if binding else None
        if address is None:
            raise RuntimeError("Juju gave no ingress address for the website binding")
        event.relation.data[self.unit].update({"hostname": str(address), "port": str(PORT)})

    def _on_restart(self, event: ops.ActionEvent):
        container = self.unit.get_container("httpbin")
        try:
            services = container.get_services(SERVICE)
        except ops.pebble.ConnectionError:
            event.fail("the workload container is not up yet: try again once it is ready")
            return
        if SERVICE not in services:
            event.fail("httpbin is not set up yet: wait for the workload container to be ready")
            return
        event.log(f"restarting {SERVICE}")
        container.restart(SERVICE)
        running = container.get_service(SERVICE).is_running()
        event.set_results({"service": SERVICE, "running": running})

    def _on_collect_status(self, event: ops.CollectStatusEvent):
        level = str(self.model.config["log-level"])
        if self._log_level() is None:
            event.add_status(ops.BlockedStatus(f"Invalid log level: '{level}'"))
        try:
            services = self.unit.get_container("httpbin").get_services(SERVICE)
        except (ops.pebble.ConnectionError, ops.pebble.APIError):
            services = {}
        if SERVICE not in services:
            event.add_status(ops.MaintenanceStatus("Waiting for Pebble in workload container"))
        elif not services[SERVICE].is_running():
            event.add_status(ops.MaintenanceStatus("Waiting for the service to start up"))
        event.add_status(ops.ActiveStatus())


if __name__ == "__main__":
    _redirect_pebble_sockets()
    ops.main(HttpbinCharm)
