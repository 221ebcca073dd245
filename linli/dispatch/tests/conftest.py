import pytest

from linli.dispatch import sample, selectors


@pytest.fixture(autouse=True)
def _fresh_models():
    selectors.forget_loaded()
    yield
    selectors.forget_loaded()


@pytest.fixture
def sample_csv(tmp_path):
    path = tmp_path / "messages.csv"
    sample.write_csv(path, 400, seed=3)
    return path


@pytest.fixture(autouse=True)
def _english():
    """The tests match messages in English; another test on the same worker may have left Chinese active."""
    from django.utils import translation

    with translation.override("en"):
        yield
