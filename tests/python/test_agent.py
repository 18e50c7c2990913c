"""BaseAgent (live config, fail-fast contract) and AgentSettings (static DNA)."""
import dataclasses
import logging
import queue

import pytest

from binding_support import wait_until
from omega_config import (
    AgentSettings,
    BaseAgent,
    ConfigKey,
    ConfigTypeError,
    MissingConfigError,
)

BASE = {"REDIS_URL": "redis://cache:6379/0", "SECRET_KEY": "s" * 40, "LOG_LEVEL": "INFO"}


class Planner(BaseAgent):
    required = [ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY, "MONGO_URI", "PLANNER_MODEL"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.started = False
        self.changes = queue.Queue()

    def on_start(self):
        self.started = True

    def on_config_change(self, changed):
        self.changes.put(changed)


def test_agent_fails_fast_naming_every_missing_key(redis_server, writer):
    writer.publish(BASE)
    agent = Planner(redis_url=redis_server.url)
    with pytest.raises(MissingConfigError) as info:
        agent.start()
    assert info.value.keys == ("MONGO_URI", "PLANNER_MODEL")
    assert "MONGO_URI" in str(info.value) and "PLANNER_MODEL" in str(info.value)
    assert not agent.started and not agent.running
    with pytest.raises(RuntimeError):
        agent.cfg  # the manager it opened was closed again


def test_agent_runs_with_live_config_and_log_level(redis_server, writer):
    writer.publish({**BASE, "MONGO_URI": "mongodb://m", "PLANNER_MODEL": "small"})
    logging.getLogger().setLevel(logging.WARNING)
    with Planner(redis_url=redis_server.url) as agent:
        assert agent.started and agent.running
        assert agent.cfg.planner_model == "small"
        assert logging.getLogger().level == logging.INFO
        writer.update(PLANNER_MODEL="large", LOG_LEVEL="DEBUG")
        assert agent.changes.get(timeout=15) == ("LOG_LEVEL", "PLANNER_MODEL")
        assert agent.cfg.planner_model == "large"
        wait_until(lambda: logging.getLogger().level == logging.DEBUG, what="DEBUG")
        cfg = agent.cfg
    assert not agent.running
    assert cfg.closed  # the agent owned it


def test_agent_leaves_a_shared_manager_open(writer, open_manager):
    writer.publish({**BASE, "MONGO_URI": "mongodb://m", "PLANNER_MODEL": "small"})
    cfg = open_manager()
    with Planner(cfg):
        pass
    assert not cfg.closed
    assert cfg.planner_model == "small"


class PlannerSettings(AgentSettings):
    env_prefix = "PLANNER_"
    agent_name: str
    max_steps: int = 20
    verbose: bool = False
    temperature: float = 0.5


def test_agent_settings_from_env_file_and_environment(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("# planner DNA\nPLANNER_AGENT_NAME='planner-1'\nexport PLANNER_MAX_STEPS=50\n"
                        "PLANNER_VERBOSE=yes  # inline comment\n")
    monkeypatch.setenv("PLANNER_MAX_STEPS", "70")  # the environment wins over the file
    s = PlannerSettings.load(env_file)
    assert s == PlannerSettings(agent_name="planner-1", max_steps=70, verbose=True, temperature=0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.max_steps = 1


def test_agent_settings_name_every_problem(tmp_path):
    with pytest.raises(MissingConfigError) as info:
        PlannerSettings.load(None, environ={})
    assert info.value.keys == ("PLANNER_AGENT_NAME",)
    with pytest.raises(ConfigTypeError) as info:
        PlannerSettings.load(None, environ={"PLANNER_AGENT_NAME": "a", "PLANNER_MAX_STEPS": "many",
                                            "PLANNER_VERBOSE": "perhaps"})
    assert "PLANNER_MAX_STEPS" in str(info.value) and "PLANNER_VERBOSE" in str(info.value)


def test_agent_settings_are_read_once(monkeypatch):
    monkeypatch.setenv("PLANNER_AGENT_NAME", "first")
    s = PlannerSettings.load(None)
    monkeypatch.setenv("PLANNER_AGENT_NAME", "second")
    assert s.agent_name == "first"
    assert PlannerSettings.load(None).agent_name == "second"


def test_agent_without_a_contract_starts_and_stops(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    agent = BaseAgent(cfg).start()
    assert agent.running and agent.cfg.secret_key == "s" * 40
    agent.stop()
    agent.stop()  # idempotent
    assert not agent.running and not cfg.closed
