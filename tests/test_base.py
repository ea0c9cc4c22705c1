"""The backend contract: every backend keeps the hooks' signatures."""

import inspect

import pytest

from easy_mlops.training import BaseTrainingBackend, EstimatorBackend, registry
from easy_mlops.utils.estimator_checks import CONTRACT_HOOKS as HOOKS


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
    for hook in HOOKS:
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
