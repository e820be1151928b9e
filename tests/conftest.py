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
