"""Rollbacks are counted under their own metric, not as patches."""

from helpers import metric


def test_rollback_has_its_own_counter(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    assert daemon.request("POST", "/config/rollback", {"version": 1}).status == 200
    assert metric(daemon, 'omega_settingsd_rollbacks_total{outcome="applied"}') == 1
    assert metric(daemon, 'omega_settingsd_patches_total{outcome="applied"}') == 1
