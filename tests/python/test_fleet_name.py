"""Reader guarantee 12 from Python: a manager names its connections after the service, host,
pid, applied version and state, so the writer's fleet view can list it."""

import os
import socket

from tests.support.waiting import wait_until


def names(redis_server):
    return [c["name"] for c in redis_server.client().client_list()]


def test_manager_is_visible_in_client_list(writer, open_manager, redis_server):
    writer.publish({"LOG_LEVEL": "INFO"})
    cfg = open_manager(service_name="planner-agent", poll_interval_ms=200)
    prefix = f"omega:planner-agent:{socket.gethostname()}:{os.getpid()}:"
    wait_until(lambda: prefix + "v1:READY" in names(redis_server), what="the reader's name")
    assert prefix + "sub" in names(redis_server)
    writer.update(LOG_LEVEL="DEBUG")
    wait_until(lambda: prefix + "v2:READY" in names(redis_server), what="the name following version 2")
    cfg.close()
