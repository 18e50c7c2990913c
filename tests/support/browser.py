"""A real headless Chromium driven by Selenium (Debian's chromium and chromium-driver, from
scripts/install-deps.sh), for the web console's tests, and the folder their screenshots go to.
"""

import os
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.support.paths import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

# Screenshots for a person to look at; tests/output/ is ignored by git.
OUTPUT = REPO / "tests" / "output" / "console"


def require_chromium():
    """Skips (only) when the browser is not installed here."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.skip(
            f"needs Debian's chromium and chromium-driver ({', '.join(missing)} not found); "
            "scripts/install-deps.sh installs them"
        )


def start_chromium(profile_dir):
    """Headless, its own profile, and none of Chromium's own calls home (updates, sync,
    translation), so every request it makes is one the page made."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in [
        "--headless=new",
        "--no-sandbox",  # the tests may run as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1360,1000",
        "--force-device-scale-factor=1",
        "--no-first-run",
        "--disable-sync",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-features=Translate,OptimizationHints,MediaRouter",
        f"--user-data-dir={profile_dir}",
    ]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver
