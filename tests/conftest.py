import shutil
import sys
from pathlib import Path

import pytest

from jiceng.standard import Standard, current

REPO = Path(__file__).resolve().parents[1]
# the generated corpus of broken packages is shared by the validator tests
sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "broken"))


@pytest.fixture(scope="session")
def standard() -> Standard:
    return current()


@pytest.fixture
def schemas_copy(tmp_path) -> Path:
    """A private copy of schemas/ that a test may break."""
    dst = tmp_path / "schemas"
    shutil.copytree(REPO / "schemas", dst)
    return dst


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's chromium and chromium-driver) driven by selenium; skipped on a
    machine without them, a failure in CI, where scripts/setup.sh installs them."""
    import os

    def skip_or_fail(reason: str) -> None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"the browser tests must run in CI: {reason}")
        pytest.skip(reason)

    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail("selenium is not installed")
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        skip_or_fail("chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
