"""Backends contributed by installed packages through entry points."""

import sys
import textwrap

import pytest

from easy_mlops import ModelTrainer
from easy_mlops.training import EasyMLOpsWarning, registry


@pytest.fixture
def plugin_site(tmp_path, monkeypatch):
    """A throw-away distribution with one good and one broken backend plugin."""
    (tmp_path / "toy_plugin.py").write_text(
        textwrap.dedent("""
        from sklearn.dummy import DummyClassifier, DummyRegressor
        from easy_mlops.training import EstimatorBackend

        class ToyBackend(EstimatorBackend):
            name = "toy"

            def build_estimator(self, problem_type):
                if problem_type == "classification":
                    return DummyClassifier()
                return DummyRegressor()
    """)
    )
    dist_info = tmp_path / "toy_plugin-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: toy-plugin\nVersion: 0.1\n"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\n"
        "toy = toy_plugin:ToyBackend\n"
        "broken = toy_plugin_missing:Backend\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    saved = dict(registry._BACKENDS)
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    yield
    registry._BACKENDS.clear()
    registry._BACKENDS.update(saved)
    sys.modules.pop("toy_plugin", None)


def test_plugins_load_lazily_and_a_broken_one_only_warns(plugin_site):
    assert "toy" not in registry._BACKENDS
    with pytest.warns(EasyMLOpsWarning, match="plugin 'broken'.*toy_plugin_missing"):
        names = ModelTrainer.available_backends()
    assert "toy" in names and "broken" not in names and "sklearn" in names
    trainer = ModelTrainer(backend="toy", cv_folds=0).fit(
        [[0], [1], [2], [3]] * 5, [0, 1] * 10
    )
    assert trainer.training_result_.model_name == "DummyClassifier"


def test_first_lookup_loads_plugins(plugin_site):
    with pytest.warns(EasyMLOpsWarning):
        assert registry.get_backend("toy").__name__ == "ToyBackend"


def test_builtins_are_listed():
    assert {
        "callable",
        "deep_learning",
        "lightgbm",
        "neural_network",
        "nlp",
        "sklearn",
    } <= set(ModelTrainer.available_backends())
