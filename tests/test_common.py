"""scikit-learn's estimator checks over every ModelTrainer configuration."""

from sklearn.utils._test_common.instance_generator import _get_expected_failed_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from easy_mlops import ModelTrainer

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
]


def expected_failed_checks(trainer):
    """The checks scikit-learn itself expects to fail for the wrapped estimators.

    The reasons are scikit-learn's; nothing is added here.
    """
    backend = trainer._make_backend()
    failures = {}
    for problem_type in backend._candidate_problem_types():
        failures.update(
            _get_expected_failed_checks(backend.build_estimator(problem_type))
        )
    return failures


@parametrize_with_checks(CONFIGURATIONS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
