"""A plain writer that follows only the pattern document: the snapshot and
its version written and announced in one MULTI/SET/SET/PUBLISH/EXEC, no meta."""

import json


class PlainWriter:
    def __init__(self, client, prefix=""):
        self.client = client
        self.prefix = prefix
        self.version = int(client.get(self.name("omega:config:version")) or 0)
        self.values = {}

    def name(self, base):
        return f"{self.prefix}:{base}" if self.prefix else base

    def publish(self, values, changed=None):
        """Writes a whole new snapshot; returns its version."""
        prev, self.version = self.version, self.version + 1
        if changed is None:
            keys = set(values) | set(self.values)
            changed = sorted(k for k in keys if values.get(k, object()) != self.values.get(k, object()))
        message = {"event": "updated", "version": str(self.version), "prev_version": str(prev), "changed": changed}
        with self.client.pipeline(transaction=True) as pipe:  # MULTI ... EXEC
            pipe.set(self.name("omega:config"), json.dumps(values))
            pipe.set(self.name("omega:config:version"), str(self.version))
            pipe.publish(self.name("config_channel"), json.dumps(message))
            pipe.execute()
        self.values = dict(values)
        return self.version

    def update(self, **changes):
        """Publishes the previous snapshot with some keys changed (None removes)."""
        values = dict(self.values)
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        return self.publish(values)

    def close(self):
        self.client.close()
