import pytest

from tests.studio.server import Studio


@pytest.fixture
def studio(tmp_path):
    server = Studio(tmp_path / "studio").start()
    yield server
    server.stop()
