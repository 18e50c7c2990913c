"""A sample OMEGA reader (the `reader` stage of deploy/container/Dockerfile, run by
deploy/compose): prints LOG_LEVEL now and after every update until SIGTERM. REDIS_URL,
as the omega-reader user, comes from the environment."""

import signal
import threading

from omega_config import create_config_manager


def main() -> None:
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with create_config_manager() as cfg:
        print(f"version {cfg.version}: LOG_LEVEL={cfg.get('LOG_LEVEL')}", flush=True)

        def show(version, changed):
            print(f"version {version}: changed {','.join(changed)}; LOG_LEVEL={cfg.get('LOG_LEVEL')}", flush=True)

        cfg.on_reload(show)
        while not stopped.wait(1.0):
            pass


if __name__ == "__main__":
    main()
