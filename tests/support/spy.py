"""A subscriber on the config channel, to see what a writer published."""

import json
import time
import uuid

from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until


class Spy:
    """A subscriber on the channel, as any reader would have."""

    def __init__(self, redis: RedisServer, channel="config_channel"):
        self.redis = redis
        self.channel = channel
        self.client = redis.client()
        self.pubsub = self.client.pubsub()
        self.pubsub.subscribe(channel)
        while self.pubsub.get_message(timeout=5) is None:
            pass
        self.messages = []

    def drain(self):
        """Everything published up to now: a sentinel published after the daemon's answer
        arrives after any message the daemon published before answering."""
        sentinel = "spy-sentinel-" + uuid.uuid4().hex
        self.redis.client().publish(self.channel, sentinel)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            m = self.pubsub.get_message(timeout=1)
            if m is None or m["type"] != "message":
                continue
            data = m["data"].decode()
            if data == sentinel:
                return self.messages
            if not data.startswith("spy-sentinel-"):
                self.messages.append(data)
        raise AssertionError("the spy never saw its own sentinel")

    def wait_for(self, predicate, timeout=20):
        """The first new message satisfying predicate(json) (for background publications)."""
        seen = len(self.messages)

        def first_match():
            nonlocal seen
            self.drain()
            for raw in self.messages[seen:]:
                msg = json.loads(raw)
                if predicate(msg):
                    return msg
            seen = len(self.messages)
            return None

        try:
            return wait_until(first_match, timeout=timeout, what="a matching message")
        except AssertionError:
            raise AssertionError(f"no matching message; saw {self.messages}") from None

    def close(self):
        self.pubsub.close()
        self.client.close()
