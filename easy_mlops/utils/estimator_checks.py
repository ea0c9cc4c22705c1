"""Contract checks for training backends, to run in a plugin's own tests.

A package that ships a backend (through the ``easy_mlops.backends`` entry
point or ``ModelTrainer.register_backend``) calls :func:`check_backend` in its
test suite, as scikit-learn estimators call ``check_estimator``::

    from easy_mlops.utils import check_backend

    def test_my_backend():
        check_backend(MyBackend)
"""

# License: BSD 3 clause

import inspect
import tempfile
import warnings
from pathlib import Path

import numpy as np

__all__ = ["check_backend"]


def check_backend(backend_class, *, config=None):
    """Check that a backend class honours the training-backend contract.

    The checks: the class is a ``BaseTrainingBackend`` with a name; it
    overrides only the hooks in :data:`easy_mlops.training.base.HOOKS` and
    :data:`~easy_mlops.training.base.FLOW_HOOKS` (and, for an
    ``EstimatorBackend``, its
    :data:`~easy_mlops.training.estimator_backend.EXTENSION_POINTS`), each with
    the contract's signature, and none of the flow's other methods, private
    ones included; a backend that overrides
    ``detect_problem_type`` or ``cross_validate`` declares it
    (``own_problem_type_detection``, ``own_cross_validation``); an unknown
    config key is refused before any work (unless the backend takes any key);
    for each problem type it trains, a small fit, ``predict``, a save and a
    load in the same file give the same predictions; and a fit on very small
    data still succeeds.  The class is registered under its name for the
    checks and the registry is restored afterwards.

    Parameters
    ----------
    backend_class : type
        The backend to check (a subclass of ``BaseTrainingBackend``).
    config : mapping, default=None
        Keys the backend needs besides the shared ones (e.g. the functions of
        a callable backend).

    Raises
    ------
    AssertionError
        Naming the check that failed and why.

    Examples
    --------
    >>> from easy_mlops.training import SklearnBackend
    >>> from easy_mlops.utils import check_backend
    >>> check_backend(SklearnBackend, config={"model_params": {"n_estimators": 5}})

    A backend is saved with the model, so its class must be importable from
    its module (defined at module level, not inside a function).
    """
    from ..training import BaseTrainingBackend, EstimatorBackend, registry
    from ..training.base import FLOW_HOOKS, HOOKS
    from ..training.estimator_backend import EXTENSION_POINTS

    config = dict(config or {})
    assert isinstance(backend_class, type) and issubclass(
        backend_class, BaseTrainingBackend
    ), f"{backend_class!r} is not a subclass of BaseTrainingBackend."
    name = backend_class.name
    assert isinstance(name, str) and name, (
        f"{backend_class.__qualname__}.name must be a non-empty string."
    )
    hooks = {**HOOKS, **FLOW_HOOKS}
    _check_overrides(backend_class, BaseTrainingBackend, hooks)
    _check_signatures(backend_class, BaseTrainingBackend, hooks)
    if issubclass(backend_class, EstimatorBackend):
        overridable = {**hooks, **EXTENSION_POINTS}
        _check_overrides(backend_class, EstimatorBackend, overridable)
        _check_signatures(backend_class, EstimatorBackend, EXTENSION_POINTS)
    _check_declarations(backend_class, BaseTrainingBackend)
    saved = dict(registry._BACKENDS)
    registered = saved.get(name)
    assert registered in (None, backend_class), (
        f"Another backend, {registered.__qualname__}, is registered as {name!r}."
    )
    registry._BACKENDS[name] = backend_class
    try:
        _check_unknown_key(backend_class, config)
        for problem_type in _problem_types(backend_class, config):
            _check_round_trip(name, config, problem_type)
            _check_small_data(name, config, problem_type)
    finally:
        registry._BACKENDS.clear()
        registry._BACKENDS.update(saved)


def _check_overrides(backend_class, base, hooks):
    """Only hooks are overridden: the flow's own methods, private ones
    included, stay the flow's."""
    for name, value in vars(base).items():
        if name.startswith("__") or name in hooks:
            continue
        if not (callable(value) or isinstance(value, (property, classmethod))):
            continue
        owner = next(c for c in backend_class.__mro__ if name in vars(c))
        instead = " (check_backend_config for a config check)"
        assert owner is base, (
            f"{owner.__qualname__}.{name} overrides a method of the backend flow, "
            f"which is not a hook. Override one of {sorted(hooks)} instead"
            f"{instead if name == 'check_config' else ''}."
        )


def _check_declarations(backend_class, base):
    """A replaced step is declared, not inferred from the override."""
    for hook, flag in (
        ("detect_problem_type", "own_problem_type_detection"),
        ("cross_validate", "own_cross_validation"),
    ):
        replaced = getattr(backend_class, hook) is not getattr(base, hook)
        declared = getattr(backend_class, flag) is not getattr(base, flag)
        assert declared or not replaced, (
            f"{backend_class.__qualname__} overrides {hook} but does not declare "
            f"{flag} = True, so the flow does not call it. Set the class "
            f"attribute {flag} = True (or a property of the config)."
        )


def _check_signatures(backend_class, base, hooks):
    for hook, signature in hooks.items():
        if signature is None:  # a property
            continue
        expected = list(inspect.signature(getattr(base, hook)).parameters)
        actual = list(inspect.signature(getattr(backend_class, hook)).parameters)
        assert actual == expected, (
            f"{backend_class.__qualname__}.{hook} takes {actual}; the contract "
            f"is {expected}."
        )


def _settings(config, **overrides):
    from ..training.settings import resolve_settings

    return resolve_settings(config, overrides)


def _check_unknown_key(backend_class, config):
    if backend_class.config_keys is None:
        return
    key = "no_such_key_for_check_backend"
    backend = backend_class(_settings({**config, key: 1}))
    try:
        backend.check_config()
    except ValueError as exc:
        assert key in str(exc), (
            f"{backend_class.__qualname__}.check_config refused an unknown key "
            f"without naming it: {exc}"
        )
        return
    raise AssertionError(
        f"{backend_class.__qualname__}.check_config accepted the unknown config "
        f"key {key!r}; refuse keys outside config_keys."
    )


def _problem_types(backend_class, config):
    types = tuple(backend_class(_settings(config)).supported_problem_types())
    assert types and set(types) <= {"classification", "regression"}, (
        f"{backend_class.__qualname__}.supported_problem_types() returned {types}."
    )
    return types


def _data(problem_type, n_samples):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, 4))
    if problem_type == "classification":
        y = np.where(X[:, 0] + 0.3 * rng.normal(size=n_samples) > 0, "yes", "no")
    else:
        y = 3.0 * X[:, 0] + X[:, 1] + 0.1 * rng.normal(size=n_samples)
    return X, y


def _check_round_trip(name, config, problem_type):
    from ..training import ModelSaveError, ModelTrainer, load_model

    X, y = _data(problem_type, 60)
    trainer = ModelTrainer(config, backend=name, problem_type=problem_type)
    trainer.set_params(cv_folds=2)
    _fit(trainer, X, y, f"a {problem_type} fit on 60 rows")
    predictions = np.asarray(trainer.predict(X))
    assert predictions.shape == (60,), (
        f"Backend {name!r} predicted shape {predictions.shape} for 60 rows."
    )
    if problem_type == "classification":
        unknown = set(predictions.tolist()) - {"yes", "no"}
        assert not unknown, f"Backend {name!r} predicted unseen labels {unknown}."
    assert trainer.training_result_.problem_type == problem_type
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = trainer.save_model(Path(folder) / "check.easymlops")
        except ModelSaveError as exc:
            raise AssertionError(
                f"Backend {name!r}: a trained model cannot be saved ({exc}). "
                "Define the backend class at module level so it can be imported."
            ) from None
        loaded = load_model(path)
        again = np.asarray(loaded.predict(X))
    assert np.array_equal(again, predictions), (
        f"Backend {name!r}: a saved and loaded model predicts differently."
    )


def _check_small_data(name, config, problem_type):
    from ..training import ModelTrainer

    X, y = _data(problem_type, 8)
    if problem_type == "classification":
        y = np.array(["yes", "no"] * 4)
    trainer = ModelTrainer(config, backend=name, problem_type=problem_type)
    _fit(trainer, X, y, f"a {problem_type} fit on 8 rows")
    assert np.asarray(trainer.predict(X)).shape == (8,), (
        f"Backend {name!r} cannot predict after a fit on 8 rows."
    )


def _fit(trainer, X, y, what):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            trainer.fit(X, y)
        except Exception as exc:
            raise AssertionError(
                f"Backend {trainer.backend!r} failed {what}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
