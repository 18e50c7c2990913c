"""Lists and maps through the real daemon: .env (JSON text) -> snapshot (JSON arrays and
objects) -> PATCH (JSON values) -> .env again, which pydantic-settings must read back as the
very settings the snapshot holds. The schema is generated from a pydantic model at test time."""

import json

import pytest
from helpers import World, published
from settings_models import AgentSettings, ServiceSettings, read_with_pydantic

ENV = "# a team's service\nAPI_KEY=key-0123456789\nTAGS='[\"blue\"]'\nWEIGHTS='{\"cpu\": 1}'\n"


@pytest.fixture
def service(make_daemon):
    return make_daemon(env_text=ENV, schema_text=json.dumps(ServiceSettings.model_json_schema()))


def settings_of(daemon):
    settings, error = read_with_pydantic(ServiceSettings, daemon.env_path)
    assert error is None, error
    return settings


def test_lists_and_maps_are_published_as_json(service, redis_server):
    snapshot, _, _ = published(redis_server)
    assert snapshot["TAGS"] == ["blue"]
    assert snapshot["WEIGHTS"] == {"cpu": 1}
    assert snapshot["PALETTE"] == ["red"]  # a default, through $ref
    assert snapshot["COLOR"] == "red"
    assert ServiceSettings.model_validate(snapshot) == settings_of(service)
    assert service.config()["config"]["TAGS"] == ["blue"]


def test_patched_lists_and_maps_read_back_identically_in_pydantic(service, redis_server):
    tricky = ["it's", "C:\\dir", "${HOME}", "#not-a-comment", 'say "hi"', "tab\there", "\u00e9\u6f22", "a b"]
    r = service.patch(
        {
            "TAGS": tricky,
            "WEIGHTS": {"z": 0.30000000000000004, "a": "2.5", "m": 1e-7},
            "PORTS": ["443", 8443],
            "PALETTE": ["green", "red"],
            "LIMITS": {"b": [1, 2], "a": []},
            "COLOR": "green",
        }
    )
    assert r.status == 200, r.body
    assert set(r.json["changed"]) == {"TAGS", "WEIGHTS", "PORTS", "PALETTE", "LIMITS", "COLOR"}
    snapshot, _, _ = published(redis_server)
    assert snapshot["TAGS"] == tricky
    assert list(snapshot["WEIGHTS"].items()) == [("z", 0.30000000000000004), ("a", 2.5), ("m", 1e-7)]
    assert snapshot["PORTS"] == [443, 8443]
    assert snapshot["LIMITS"] == {"b": [1, 2], "a": []}
    # pydantic-settings, reading the file the daemon wrote, gets what readers got.
    settings = settings_of(service)
    assert tricky == settings.TAGS
    assert ServiceSettings.model_validate(snapshot) == settings
    # The .env keeps its other lines and holds compact JSON text.
    text = service.env_path.read_text()
    assert text.startswith("# a team's service\nAPI_KEY=key-0123456789\n")
    assert "PORTS=[443,8443]\n" in text

    # A JSON string holding JSON text is taken like the .env text; a restart reads it all back.
    r = service.patch({"TAGS": '["x"]'})
    assert r.status == 200, r.body
    service.stop()
    service.start()
    assert service.config()["config"]["TAGS"] == ["x"]
    assert published(redis_server)[0]["WEIGHTS"] == snapshot["WEIGHTS"]


@pytest.mark.parametrize(
    "updates,key,message",
    [
        ({"TAGS": ["ok", 5]}, "TAGS", "[1]: must be a string"),
        ({"TAGS": "a,b"}, "TAGS", "written as JSON text"),
        ({"TAGS": {"a": "b"}}, "TAGS", "must be an array"),
        ({"WEIGHTS": {"cpu": "fast"}}, "WEIGHTS", '["cpu"]: must be a finite number'),
        ({"PORTS": [80, "80"]}, "PORTS", "[1]: repeats an earlier item"),
        ({"PORTS": [70000]}, "PORTS", "[0]: must be <= 65535"),
        ({"PALETTE": ["blue"]}, "PALETTE", '[0]: must be one of "red", "green"'),
        ({"LIMITS": {"a": [1, "x"]}}, "LIMITS", '["a"][1]: must be an integer'),
        ({"COLOR": ["red"]}, "COLOR", "must be a string"),
    ],
)
def test_bad_nested_values_change_nothing(service, redis_server, spy, updates, key, message):
    world = World(service, redis_server, spy)
    before = world.capture()
    r = service.patch(updates)
    assert r.status == 422, r.body
    assert r.json["error"] == "validation_failed"
    assert [d["key"] for d in r.json["details"]] == [key]
    assert message in r.json["details"][0]["message"], r.json
    world.assert_unchanged(before)


def test_a_secret_inside_a_map_is_masked_everywhere(make_daemon, redis_server, spy):
    secret = "sk-NEVER-LEAK-0123456789"
    d = make_daemon(env_text="STOP_WORDS='[\"stop\"]'\n", schema_text=json.dumps(AgentSettings.model_json_schema()))
    r = d.patch({"PROVIDER_KEYS": {"openai": secret}, "FALLBACK_TOKENS": [secret + "-2"]})
    assert r.status == 200, r.body
    assert published(redis_server)[0]["PROVIDER_KEYS"] == {"openai": secret}  # readers need it
    assert d.config()["config"]["PROVIDER_KEYS"] == "**********"
    assert d.config()["config"]["FALLBACK_TOKENS"] == "**********"
    bad = d.patch({"PROVIDER_KEYS": {"openai": 5, secret: secret}})
    assert bad.status == 422
    history = d.request("GET", "/config/history", token=None).body
    messages = spy.drain()
    d.stop()
    for where, text in {
        "error": bad.body,
        "history": history,
        "audit": d.audit_path.read_text(),
        "log": d.log(),
        "channel": "\n".join(messages),
    }.items():
        assert secret not in text, f"secret in {where}"
