"""The sample reader image (the `reader` stage of deploy/container/Dockerfile) installs every
library the installed package's core links, and the sample it runs is the one in the kit.
(No container engine here: building the image is left to a machine with Docker.)"""

import omega_config._core

from tests.support.deploy_kit import DEPLOY, apt_packages, dockerfile_stages, in_every_debian_image, packages_linked_by


def test_reader_stage_installs_every_library_the_core_links():
    stage = dockerfile_stages(DEPLOY / "container" / "Dockerfile")["reader"]
    missing = packages_linked_by(omega_config._core.__file__) - apt_packages(stage) - in_every_debian_image()
    assert not missing, f"deploy/container/Dockerfile reader stage lacks {missing}"


def test_reader_stage_runs_the_kit_sample_reader():
    stage = dockerfile_stages(DEPLOY / "container" / "Dockerfile")["reader"]
    copies = [rest.split() for ins, rest in stage if ins == "COPY" and not rest.startswith("--from")]
    assert ["deploy/container/sample_reader.py", "/opt/reader/sample_reader.py"] in copies
    assert any("/opt/reader/sample_reader.py" in rest for ins, rest in stage if ins == "CMD")
