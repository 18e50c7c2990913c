"""End to end, the issue's "done when": an asyncio agent and a bound pydantic model follow a
patch made through the real omega-settingsd, with typed values; a patch the writer accepts
but the team's model refuses leaves the model on its last good version, saying why."""

import asyncio
import threading

import pytest
from async_helpers import in_thread
from omega_config import AsyncBaseAgent, ConfigKey
from pydantic import HttpUrl, SecretStr

from examples.omega_settings import OMEGASettings

pytestmark = pytest.mark.anyio


class Planner(AsyncBaseAgent):
    required = [ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY, ConfigKey.MONGO_URI]

    async def on_start(self):
        self.settings = self.cfg.bind(OMEGASettings)  # before changes flow: validated first
        self.seen = asyncio.Queue()
        self.loop_thread = threading.get_ident()

    async def on_config_change(self, version, changed):
        assert threading.get_ident() == self.loop_thread
        model = self.settings.model  # one consistent, validated version
        await self.seen.put((version, changed, self.settings.version, model, self.settings.error))

    async def on_stop(self):
        self.settings.close()


async def test_an_asyncio_agent_and_a_pydantic_model_follow_a_patch_with_typed_values(
    settingsd, redis_server, asyncio_only, no_blocking
):
    async with Planner(redis_url=redis_server.url) as agent:
        settings = agent.settings
        assert settings.REQUEST_TIMEOUT == 30 and settings.LOG_LEVEL == "INFO"
        assert isinstance(settings.SECRET_KEY, SecretStr)

        r = await in_thread(settingsd.patch, {"LOG_LEVEL": "debug", "REQUEST_TIMEOUT": 45, "LLM_TEMPERATURE": 1})
        assert r.status == 200, r
        patched = int(r.json["version"])
        version, changed, model_version, model, error = await asyncio.wait_for(agent.seen.get(), 15)
        assert (version, changed) == (patched, ("LLM_TEMPERATURE", "LOG_LEVEL", "REQUEST_TIMEOUT"))
        assert model_version == patched and error is None
        assert model.REQUEST_TIMEOUT == 45 and type(model.REQUEST_TIMEOUT) is int
        assert model.LOG_LEVEL == "DEBUG"  # the writer stored it upper case
        assert model.LLM_TEMPERATURE == 1.0 and type(model.LLM_TEMPERATURE) is float  # 1 in JSON
        assert agent.cfg.llm_temperature == 1 and type(agent.cfg.llm_temperature) is int  # the raw cache

        # The writer's schema says "format: uri"; only the model knows an HttpUrl is http(s).
        r = await in_thread(settingsd.patch, {"ALERT_WEBHOOK_URL": "javascript:alert(1)", "REQUEST_TIMEOUT": 60})
        assert r.status == 200, r
        refused = int(r.json["version"])
        version, changed, model_version, model, error = await asyncio.wait_for(agent.seen.get(), 15)
        assert (version, changed) == (refused, ("ALERT_WEBHOOK_URL", "REQUEST_TIMEOUT"))
        assert model_version == patched and model.REQUEST_TIMEOUT == 45  # the last good model
        assert error.version == refused and [e["loc"] for e in error.errors] == [["ALERT_WEBHOOK_URL"]]
        assert agent.cfg.status.model_errors == (str(error),)

        r = await in_thread(settingsd.patch, {"ALERT_WEBHOOK_URL": "https://alerts.example/omega"})
        assert r.status == 200, r
        version, changed, model_version, model, error = await asyncio.wait_for(agent.seen.get(), 15)
        assert model_version == version == int(r.json["version"]) and error is None
        assert model.REQUEST_TIMEOUT == 60 and isinstance(model.ALERT_WEBHOOK_URL, HttpUrl)
        assert agent.cfg.status.model_errors == ()
