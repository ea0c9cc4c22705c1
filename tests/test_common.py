"""scikit-learn's estimator checks over every ModelTrainer configuration."""

from unittest import SkipTest

import pytest
from sklearn.utils._test_common.instance_generator import (
    _get_check_estimator_ids,
    _get_expected_failed_checks,
)
from sklearn.utils.estimator_checks import (
    _check_name,
    estimator_checks_generator,
    parametrize_with_checks,
)

from easy_mlops import ModelTrainer
from easy_mlops.training.label_encoding import unwrap
from easy_mlops.training.steps import candidate_problem_types

# Few trees and folds keep the checks quick; the configurations still cover
# every problem-type mode and catalogue family.
FEW_TREES = {"model_params": {"n_estimators": 10}}

CONFIGURATIONS = [
    ModelTrainer(FEW_TREES, cv_folds=3),
    ModelTrainer(FEW_TREES, problem_type="classification", cv_folds=3),
    ModelTrainer(FEW_TREES, problem_type="regression", cv_folds=3),
    ModelTrainer(model_type="logistic_regression", cv_folds=3),
    ModelTrainer(model_type="linear_regression", cv_folds=3),
    ModelTrainer(
        {"model_params": {"max_iter": 10}},
        model_type="hist_gradient_boosting",
        cv_folds=3,
    ),
    ModelTrainer(FEW_TREES, refit=False, cv_folds=3),
    # The network's fits are the slow ones: no cross-validation (the
    # configurations above check that path, which no backend changes), so a
    # check's fit is the hold-out fit and the refit.
    ModelTrainer(
        {"backend": "neural_network", "hidden_layer_sizes": [20], "max_iter": 300},
        problem_type="classification",
        cv_folds=0,
    ),
    ModelTrainer(
        {"backend": "neural_network", "hidden_layer_sizes": [20], "max_iter": 300},
        problem_type="regression",
        cv_folds=0,
    ),
]


def _bare_failure(estimator, check_name):
    """The exception ``check_name`` raises on ``estimator``, or None if it passes."""
    for instance, check in estimator_checks_generator(estimator, mark=None):
        if _check_name(check) != check_name:
            continue
        try:
            check(instance)
        except SkipTest:
            pass
        except Exception as error:
            return type(error)
    return None


# repr of a wrapped estimator -> its expected failures; trainers share estimators.
_FAILURES = {}


def _failures_of(estimator):
    """The checks scikit-learn lists for ``estimator`` that it does fail.

    scikit-learn's list holds checks its test instances may fail; some pass
    for the estimator as the trainer builds it (LogisticRegression's
    sample-weight equivalence, the forest's one-label check).  Only the ones
    that fail are kept, with scikit-learn's reason and the exception raised.
    """
    key = repr(estimator)
    if key not in _FAILURES:
        _FAILURES[key] = {}
        for check_name, reason in _get_expected_failed_checks(estimator).items():
            error = _bare_failure(estimator, check_name)
            if error is not None:
                _FAILURES[key][check_name] = (reason, error)
    return _FAILURES[key]


def expected_failed_checks(trainer):
    """Checks the trainer must fail, as ``{check_name: (reason, exception)}``.

    A check is expected to fail when scikit-learn's own list names it for an
    estimator the trainer wraps and that estimator, built as the trainer
    builds it, fails it too; the reason is scikit-learn's.
    """
    backend = trainer._make_backend()
    failures = {}
    for problem_type in candidate_problem_types(backend):
        failures.update(_failures_of(backend.build_estimator(problem_type)))
    return failures


def _marked_checks(trainer, expected):
    """scikit-learn's checks of ``trainer``, the ``expected`` failures marked.

    An expected failure is strict (a pass fails the test, so no check that
    passes is excused) and must raise the expected exception (any other
    error fails the test).
    """
    for estimator, check in estimator_checks_generator(trainer, mark=None):
        marks = ()
        if _check_name(check) in expected:
            reason, error = expected[_check_name(check)]
            marks = pytest.mark.xfail(reason=reason, raises=error, strict=True)
        yield pytest.param(estimator, check, marks=marks)


@pytest.mark.parametrize(
    "estimator, check",
    [
        param
        for trainer in CONFIGURATIONS
        for param in _marked_checks(trainer, expected_failed_checks(trainer))
    ],
    ids=_get_check_estimator_ids,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_expected_failures_are_the_sample_weight_checks_of_the_forest():
    """What the README says of ``check_estimator(ModelTrainer())``."""
    for trainer in CONFIGURATIONS[:3]:  # the forests: auto, classifier, regressor
        failures = expected_failed_checks(trainer)
        assert set(failures) == {
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weight_equivalence_on_sparse_data",
        }
        assert {error for _, error in failures.values()} == {AssertionError}
    assert expected_failed_checks(CONFIGURATIONS[3]) == {}  # logistic regression
    assert expected_failed_checks(CONFIGURATIONS[4]) == {}  # linear regression


# Third-party estimators are not in scikit-learn's lists: a check may fail for
# the trainer only where a bare estimator it wraps fails that very check too,
# with the same exception type.
THIRD_PARTY = {
    "lightgbm": ModelTrainer(
        {
            "backend": "lightgbm",
            "model_params": {"n_estimators": 10, "min_child_samples": 1},
        },
        cv_folds=2,
    ),
    "xgboost": ModelTrainer(
        {"model_type": "xgboost", "model_params": {"n_estimators": 10}}, cv_folds=2
    ),
}


def _wrapped_estimators(trainer):
    backend = trainer._make_backend()
    for problem_type in candidate_problem_types(backend):
        yield unwrap(backend.build_estimator(problem_type))


@parametrize_with_checks(list(THIRD_PARTY.values()))
def test_third_party_backends(estimator, check):
    (package,) = [name for name, config in THIRD_PARTY.items() if config is estimator]
    pytest.importorskip(package, reason=f"easy-mlops[{package}] is not installed")
    try:
        check(estimator)
    except SkipTest:
        raise
    except Exception as trainer_error:
        for bare in _wrapped_estimators(estimator):
            try:
                check(bare)
            except Exception as bare_error:
                if type(bare_error) is type(trainer_error):
                    pytest.xfail(
                        f"{type(bare).__name__} itself fails this check: "
                        f"{type(bare_error).__name__}: {str(bare_error)[:200]}"
                    )
        raise trainer_error
