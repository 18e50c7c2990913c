"""GET /config/schema: the settings schema in use, byte for byte the file the daemon loaded."""

import json


def test_get_config_schema_is_the_schema_file(daemon):
    r = daemon.request("GET", "/config/schema", token=None)
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    assert r.body == daemon.schema_path.read_text()
    assert json.loads(r.body)["properties"]["LOG_LEVEL"]["type"] == "string"


def test_schema_needs_a_credential_with_read_auth_admin(make_daemon):
    d = make_daemon(args=["--read-auth", "admin"])
    assert d.request("GET", "/config/schema", token=None).status == 401
    assert d.request("GET", "/config/schema").status == 200
    for path in ["/config/diff?from=1", "/config/blame", "/config/readers"]:
        assert d.request("GET", path, token=None).status == 401, path
        assert d.request("GET", path).status == 200, path
