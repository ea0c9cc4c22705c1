"""The backend contract: every backend keeps the hooks' signatures."""

import inspect

import numpy as np
import pytest

from easy_mlops.training import BaseTrainingBackend, EstimatorBackend, registry
from easy_mlops.training.base import FLOW_HOOKS, HOOKS
from easy_mlops.training.estimator_backend import EXTENSION_POINTS

ALL_HOOKS = {**HOOKS, **FLOW_HOOKS}


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


@pytest.mark.parametrize(
    "backend",
    sorted(
        {
            # Backends broken on purpose to test check_backend are left out.
            *(
                cls
                for cls in all_subclasses(BaseTrainingBackend)
                if not cls.__module__.endswith("test_estimator_checks")
            ),
            *map(registry.get_backend, registry.available_backends()),
        },
        key=lambda cls: cls.__qualname__,
    ),
    ids=lambda cls: cls.__qualname__,
)
def test_hooks_keep_the_contract_signatures(backend):
    for hook, signature in ALL_HOOKS.items():
        if signature is None:
            # A property; a cached_property is a property too.
            assert not callable(getattr(backend, hook)), hook
            continue
        expected = inspect.signature(getattr(BaseTrainingBackend, hook))
        actual = inspect.signature(getattr(backend, hook))
        assert list(actual.parameters) == list(expected.parameters), (
            f"{backend.__qualname__}.{hook}{actual} breaks the contract {expected}"
        )
    if issubclass(backend, EstimatorBackend):
        for point in EXTENSION_POINTS:
            expected = inspect.signature(getattr(EstimatorBackend, point))
            assert inspect.signature(getattr(backend, point)) == expected, point


def test_train_is_the_one_required_method():
    assert BaseTrainingBackend.__abstractmethods__ == frozenset({"train"})


def test_registered_backends_have_their_names():
    for name in registry.available_backends():
        assert registry.get_backend(name).name == name


def test_hooks_table_is_the_base_class_signatures():
    # The tables in base are the one home of the contract: they must say
    # what the base class really takes.
    for hook, signature in ALL_HOOKS.items():
        method = getattr(BaseTrainingBackend, hook)
        if signature is None:
            assert isinstance(method, property)
            continue
        full = inspect.signature(method)
        without_self = full.replace(parameters=list(full.parameters.values())[1:])
        assert str(without_self) == signature, hook


def test_every_public_method_is_a_hook_or_the_config_check():
    public = {
        name
        for name, value in vars(BaseTrainingBackend).items()
        if not name.startswith("_")
        and (callable(value) or isinstance(value, (property, classmethod)))
    }
    assert public - set(ALL_HOOKS) == {"check_config", "configured"}
    assert set(ALL_HOOKS) <= public
    assert not set(HOOKS) & set(FLOW_HOOKS)


def test_extension_points_table_is_the_estimator_backend_signatures():
    for point, signature in EXTENSION_POINTS.items():
        full = inspect.signature(getattr(EstimatorBackend, point))
        without_self = full.replace(parameters=list(full.parameters.values())[1:])
        assert str(without_self) == signature, point


@pytest.mark.parametrize(
    "hook, flag",
    [
        ("detect_problem_type", "own_problem_type_detection"),
        ("cross_validate", "own_cross_validation"),
    ],
)
def test_built_in_backends_declare_the_steps_they_replace(hook, flag):
    for name in registry.available_backends():
        backend = registry.get_backend(name)
        if getattr(backend, hook) is not getattr(BaseTrainingBackend, hook):
            assert getattr(backend, flag) is not getattr(BaseTrainingBackend, flag)


def test_a_plugin_written_against_the_old_contract_fits_saves_and_loads(tmp_path):
    from _old_plugin import OldStylePlugin
    from sklearn.datasets import make_classification
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    from easy_mlops import ModelTrainer, load_model
    from easy_mlops.utils import check_backend

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    ModelTrainer.register_backend(OldStylePlugin, overwrite=True)
    try:
        trainer = ModelTrainer(backend="old_style_plugin", cv_folds=3).fit(X, y)
        result = trainer.training_result_
        # The hold-out is the default split: the same rows scikit-learn picks.
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.2, shuffle=True, stratify=y, random_state=42
        )
        from sklearn.linear_model import LogisticRegression

        expected = accuracy_score(
            y_test, LogisticRegression().fit(X_train, y_train).predict(X_test)
        )
        assert result.metrics["accuracy"] == pytest.approx(expected)
        assert len(result.cv_scores) == 3
        path = tmp_path / "old.easymlops"
        trainer.save_model(path)
        loaded = load_model(path)
        np.testing.assert_array_equal(loaded.predict(X), trainer.predict(X))
        check_backend(OldStylePlugin)
    finally:
        registry._BACKENDS.pop("old_style_plugin", None)
