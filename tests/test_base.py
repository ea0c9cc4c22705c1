"""The backend contract: every backend keeps the hooks' signatures."""

import inspect

import pytest

from easy_mlops.training import BaseTrainingBackend, EstimatorBackend, registry
from easy_mlops.training.base import HOOKS


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
    for hook, signature in HOOKS.items():
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
        expected = inspect.signature(EstimatorBackend.build_estimator)
        assert inspect.signature(backend.build_estimator) == expected


def test_train_is_the_one_required_method():
    assert BaseTrainingBackend.__abstractmethods__ == frozenset({"train"})


def test_registered_backends_have_their_names():
    for name in registry.available_backends():
        assert registry.get_backend(name).name == name


def test_hooks_table_is_the_base_class_signatures():
    # The table in base.HOOKS is the one home of the contract: it must say
    # what the base class really takes.
    for hook, signature in HOOKS.items():
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
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }
    assert public - set(HOOKS) == {"check_config"}
    assert set(HOOKS) <= public


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
