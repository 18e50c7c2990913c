"""deploy/container, deploy/compose and deploy/kubernetes, checked without a container
engine (none runs here): the files parse and hold what they must, every file they name
exists, the runtime image installs every library the daemon links, and the arguments each
one gives the daemon start a real daemon (paths moved into a scratch root, the listen
address moved to loopback) that answers /healthz and /readyz. Building the images and
running them is left to a machine with Docker or a cluster."""

import http.client
import shlex
import signal
import subprocess
import urllib.parse

import pytest
import yaml

from tests.support.daemon import daemon_binary, env_without_omega
from tests.support.deploy_kit import (
    DEPLOY,
    apt_packages,
    daemon_flags,
    dockerfile_stages,
    flag_values,
    in_every_debian_image,
    packages_linked_by,
)
from tests.support.paths import EXAMPLES, REPO
from tests.support.redis_server import free_port
from tests.support.redis_users import DEV_PASSWORDS, READER, SHIPPED_USERS, WRITER
from tests.support.waiting import wait_until

DOCKERFILE = DEPLOY / "container" / "Dockerfile"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
KUBERNETES = DEPLOY / "kubernetes"


def stages():
    return dockerfile_stages(DOCKERFILE)


def instruction(stage, name):
    return [rest for ins, rest in stages()[stage] if ins == name]


def exec_form(text):
    return yaml.safe_load(text)  # a JSON array, as Docker's exec form is


def compose():
    return yaml.safe_load(COMPOSE.read_text())


def kube(kind):
    docs = [d for f in sorted(KUBERNETES.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"one {kind} expected in {KUBERNETES}"
    return found[0]


def run_as_deployed(args, root, redis_url):
    """Starts the daemon with `args` as a deployment gives them, every absolute path moved
    under `root`, --listen moved to a loopback port; returns (process, port)."""
    port = free_port()
    moved = []
    for arg in args:
        if arg.startswith("/"):
            arg = str(root) + arg
        moved.append(arg)
    values = flag_values(moved)
    moved[moved.index("--listen") + 1] = f"127.0.0.1:{port}"
    env = {**env_without_omega(), "OMEGA_REDIS_URL": redis_url}
    proc = subprocess.Popen([daemon_binary(), *moved], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def answers(path):
        if proc.poll() is not None:
            raise AssertionError(f"the daemon exited {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            return conn.getresponse().status == 200
        except OSError:
            return False

    try:
        wait_until(lambda: answers("/healthz"), what="/healthz")
        wait_until(lambda: answers("/readyz"), what="/readyz")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    return values


def lay_out(root, env_path, schema_path, token_path, tokens):
    for path, text in (
        (env_path, (EXAMPLES / "omega.env").read_text()),
        (schema_path, (EXAMPLES / "omega.schema.json").read_text()),
        (token_path, tokens),
    ):
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


# -- Dockerfile -----------------------------------------------------------------------------


def test_every_stage_is_debian_12():
    for name, lines in stages().items():
        assert lines[0][1].split()[0] == "debian:12-slim", name


def test_files_the_dockerfile_copies_exist():
    for stage, lines in stages().items():
        for ins, rest in lines:
            if ins == "COPY" and not rest.startswith("--from"):
                for source in rest.split()[:-1]:
                    assert (REPO / source).exists(), f"{stage}: COPY {source}"


def test_runtime_stage_installs_every_library_the_daemon_links():
    missing = packages_linked_by(daemon_binary()) - apt_packages(stages()["runtime"]) - in_every_debian_image()
    assert not missing, f"deploy/container/Dockerfile runtime stage lacks {missing}"


def test_runtime_stage_is_non_root_with_a_health_check_on_the_port_it_listens_on():
    user = instruction("runtime", "USER")
    assert user and user[-1] not in ("root", "0")
    args = exec_form(instruction("runtime", "CMD")[0])
    assert set(flag_values(args)) <= daemon_flags()
    port = flag_values(args)["--listen"].rsplit(":", 1)[1]
    assert instruction("runtime", "EXPOSE") == [port]
    assert f"http://127.0.0.1:{port}/healthz" in instruction("runtime", "HEALTHCHECK")[0]
    entry = exec_form(instruction("runtime", "ENTRYPOINT")[0])
    assert any(rest.endswith(" " + entry[0]) for rest in instruction("runtime", "COPY"))


def test_image_arguments_start_a_daemon(tmp_path, redis_server):
    args = exec_form(instruction("runtime", "CMD")[0])
    v = flag_values(args)
    lay_out(tmp_path, v["--env"], v["--schema"], v["--admin-token-file"], "admin:" + "t" * 40 + "\n")
    run_as_deployed(args, tmp_path, redis_server.url)


# -- compose --------------------------------------------------------------------------------


def test_compose_files_exist_and_builds_name_real_stages():
    c = compose()
    assert {"redis", "settingsd", "reader"} <= set(c["services"])
    for name, service in c["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).exists(), f"{name}: {source}"
        if "build" in service:
            assert (
                COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]
            ).resolve() == DOCKERFILE
            assert service["build"]["target"] in stages()
    for secret in c["secrets"].values():
        assert (COMPOSE.parent / secret["file"]).exists()


def test_compose_redis_loads_the_users_file_and_the_urls_use_its_users():
    c = compose()
    redis = c["services"]["redis"]
    acl_target = redis["command"][redis["command"].index("--aclfile") + 1]
    mounts = {v.split(":")[1]: (COMPOSE.parent / v.split(":")[0]).resolve() for v in redis["volumes"]}
    assert mounts[acl_target] == SHIPPED_USERS
    writer = urllib.parse.urlsplit(c["services"]["settingsd"]["environment"]["OMEGA_REDIS_URL"])
    reader = urllib.parse.urlsplit(c["services"]["reader"]["environment"]["REDIS_URL"])
    assert (writer.username, writer.password) == (WRITER, DEV_PASSWORDS[WRITER])
    assert (reader.username, reader.password) == (READER, DEV_PASSWORDS[READER])
    assert writer.hostname == reader.hostname == "redis"
    check = redis["healthcheck"]["test"]
    assert check[check.index("--user") + 1] == READER and check[check.index("--pass") + 1] == DEV_PASSWORDS[READER]


def test_compose_publishes_the_listen_port_on_loopback_only(tmp_path, redis_server):
    c = compose()
    settingsd = c["services"]["settingsd"]
    v = flag_values(settingsd["command"])
    host, _published, container = settingsd["ports"][0].split(":")
    assert host == "127.0.0.1" and container == v["--listen"].rsplit(":", 1)[1]
    mounts = {m.split(":")[1] for m in settingsd["volumes"]}
    assert v["--schema"] in mounts
    assert v["--admin-token-file"] == "/run/secrets/" + settingsd["secrets"][0]
    seed = c["services"]["seed-env"]["entrypoint"][-1]
    assert seed.endswith(f"|| cp /seed/omega.env {v['--env']}") and seed.startswith(f"[ -e {v['--env']} ]")
    tokens = (COMPOSE.parent / c["secrets"][settingsd["secrets"][0]]["file"]).read_text()
    lay_out(tmp_path, v["--env"], v["--schema"], v["--admin-token-file"], tokens)
    run_as_deployed(settingsd["command"], tmp_path, redis_server.url)


# -- Kubernetes -----------------------------------------------------------------------------


def test_kubernetes_writer_is_one_replica_replaced_not_rolled():
    spec = kube("Deployment")["spec"]
    assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate"


def test_kubernetes_probes_service_and_ports_agree():
    deployment, service = kube("Deployment"), kube("Service")
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    v = flag_values(container["args"])
    assert set(v) <= daemon_flags()
    port = int(v["--listen"].rsplit(":", 1)[1])
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert named["http"] == port
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    # An operator must reach the API while it is not ready (audit down, write conflict).
    assert service["spec"]["publishNotReadyAddresses"] is True
    assert service["metadata"]["name"] in v["--allowed-host"].split(",")


def test_kubernetes_volumes_secret_and_claim_agree():
    deployment, secret, claim = kube("Deployment"), kube("Secret"), kube("PersistentVolumeClaim")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    v = flag_values(container["args"])
    volumes = {vol["name"]: vol for vol in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    # The .env on the claim, writable; the schema on the ConfigMap; the token from the Secret.
    env_dir, _, _env_name = v["--env"].rpartition("/")
    assert volumes[mounts[env_dir]]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert not next(m for m in container["volumeMounts"] if m["mountPath"] == env_dir).get("readOnly")
    schema_dir, _, schema_name = v["--schema"].rpartition("/")
    config_map = volumes[mounts[schema_dir]]["configMap"]["name"]
    token_dir, _, token_name = v["--admin-token-file"].rpartition("/")
    items = volumes[mounts[token_dir]]["secret"]
    assert items["secretName"] == secret["metadata"]["name"]
    assert {i["path"]: i["key"] for i in items["items"]}[token_name] in secret["stringData"]
    ref = container["env"][0]["valueFrom"]["secretKeyRef"]
    assert container["env"][0]["name"] == "OMEGA_REDIS_URL" and ref["key"] in secret["stringData"]
    # The ConfigMap is made by the command in deployment.yaml's header, with these file names.
    header = (KUBERNETES / "deployment.yaml").read_text()
    assert f"create configmap {config_map}" in header and f"--from-file={schema_name}=" in header
    seed = pod["initContainers"][0]["command"][-1]  # "[ -e ENV ] || cp SEED ENV": never overwrites
    source, target = seed.split("|| cp ")[1].split()
    assert seed.startswith(f"[ -e {v['--env']} ]") and target == v["--env"]
    assert volumes[mounts[source.rpartition("/")[0]]]["configMap"]["name"] == config_map
    assert f"--from-file={source.rpartition('/')[2]}=" in header
    assert pod["securityContext"]["runAsUser"] == image_uid()


def image_uid():
    useradd = next(r for r in instruction("runtime", "RUN") if "useradd" in r)
    words = shlex.split(useradd[useradd.index("useradd") :])
    return int(words[words.index("--uid") + 1])


def test_kubernetes_arguments_start_a_daemon(tmp_path, redis_server):
    container = kube("Deployment")["spec"]["template"]["spec"]["containers"][0]
    v = flag_values(container["args"])
    lay_out(tmp_path, v["--env"], v["--schema"], v["--admin-token-file"], kube("Secret")["stringData"]["admin-tokens"])
    run_as_deployed(container["args"], tmp_path, redis_server.url)


@pytest.mark.parametrize("path", sorted(KUBERNETES.glob("*.yaml")), ids=lambda p: p.name)
def test_kubernetes_objects_have_the_required_fields(path):
    for doc in yaml.safe_load_all(path.read_text()):
        assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"]
        assert doc["metadata"]["namespace"] == "omega"
