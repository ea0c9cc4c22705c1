"""The training flow of ``EstimatorBackend``: one run, one record.

:class:`TrainingFlow` resolves the problem type, checks the target, splits
off the hold-out, runs the hold-out fit, the cross-validation folds and the
refit as one parallel batch (:mod:`easy_mlops.training._fit_runner`),
evaluates, and builds the run's :class:`TrainingRunResult` once, complete.
A comparison (``model_type`` a list or ``"compare"``) runs its candidates'
folds first (:class:`easy_mlops.training.comparison.Comparison`) and hands
the winner, its folds and the leaderboard to the same final step.

The flow calls only a backend's documented hooks and the two extension
points of ``EstimatorBackend``: ``build_estimator`` and
``cross_validate_trained``.
"""

# License: BSD 3 clause

import time

from ._fit_runner import run_fits
from .comparison import Comparison
from .metrics import summarize_cv
from .preprocessing import column_treatment
from .result import HoldoutRecord, TrainingRunResult
from .steps import (
    check_target,
    collect_cv,
    cv_folds,
    holdout_outputs,
    resolve_problem_type,
    scoring_name,
)

__all__ = ["TrainingFlow"]


class TrainingFlow:
    """One training run of an estimator backend.

    Parameters
    ----------
    backend : EstimatorBackend
        The configured backend; its ``preprocessing`` and ``inputs`` (what
        the trainer knows of the data) are read for the record.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from easy_mlops.training import SklearnBackend
    >>> from easy_mlops.training.flow import TrainingFlow
    >>> from easy_mlops.training.settings import resolve_settings
    >>> X, y = load_iris(return_X_y=True)
    >>> backend = SklearnBackend(resolve_settings(cv_folds=3))
    >>> result = TrainingFlow(backend).run(X, y)
    >>> result.problem_type, len(result.cv_scores)
    ('classification', 3)
    """

    def __init__(self, backend):
        self.backend = backend

    def run(self, X, y, sample_weight=None):
        """Train, evaluate and refit; return the complete run record."""
        start = time.perf_counter()
        backend = self.backend
        problem_type, reason = resolve_problem_type(backend, y)
        classes = check_target(y, problem_type)
        if backend.comparing:
            compared = Comparison(backend).run(X, y, sample_weight, problem_type)
            return self.finish(
                compared.winner,
                X,
                y,
                sample_weight,
                problem_type=problem_type,
                reason=reason,
                classes=classes,
                start=start,
                cv=compared.cv,
                leaderboard=compared.leaderboard,
                warnings=compared.warnings,
            )
        return self.finish(
            backend,
            X,
            y,
            sample_weight,
            problem_type=problem_type,
            reason=reason,
            classes=classes,
            start=start,
        )

    def finish(
        self,
        backend,
        X,
        y,
        sample_weight,
        *,
        problem_type,
        reason,
        classes,
        start,
        cv=None,
        leaderboard=(),
        warnings=(),
    ):
        """The hold-out fit, the folds (unless ``cv`` is given) and the refit
        of ``backend``, evaluated, as one record.

        ``cv``, ``leaderboard`` and ``warnings`` come from a comparison, whose
        folds were scored already.
        """
        if sample_weight is not None and not backend.accepts_sample_weight(
            problem_type
        ):
            raise TypeError(
                f"Backend {backend.name!r} with model_type "
                f"{backend.config['model_type']!r} does not accept sample_weight; "
                "fit without it or choose another model_type."
            )
        split = backend.split_data(X, y, sample_weight, problem_type=problem_type)
        skipped = [split.note] if split.note else []
        refit = backend.config["refit"]
        has_holdout = split.X_test is not None

        # The hold-out fit, the folds and the refit are independent: one batch,
        # the refit (on most rows, so the longest) first so no worker idles
        # waiting for it at the end.
        jobs = [("refit", X, y, sample_weight, None, None)] if refit else []
        if has_holdout or not refit:
            holdout = (split.X_train, split.y_train, split.sample_weight_train)
            jobs.append(("holdout", *holdout, None, None))
        run_folds = cv is None and not backend.own_cross_validation
        folds, cv_note = (
            cv_folds(backend.config, y, problem_type=problem_type)
            if run_folds
            else ([], None)
        )
        jobs += [("fold", X, y, sample_weight, train, test) for train, test in folds]
        outcomes = run_fits(backend, jobs, problem_type)
        by_role = {o.role: o for o in outcomes if o.role != "fold"}
        if run_folds:
            cv = collect_cv(
                outcomes, cv_note, scoring_name(backend.config, problem_type)
            )
        elif cv is None:
            trained = by_role["holdout" if "holdout" in by_role else "refit"].model
            cv = backend.cross_validate_trained(
                trained, X, y, sample_weight, problem_type=problem_type
            )
        final = by_role["refit" if refit else "holdout"].model

        metrics, holdout = {}, None
        if has_holdout:
            holdout_model = by_role["holdout"].model
            metrics.update(
                backend.evaluate(
                    holdout_model,
                    split.X_test,
                    split.y_test,
                    split.sample_weight_test,
                    problem_type=problem_type,
                )
            )
            outputs = holdout_outputs(
                backend, holdout_model, split.X_test, problem_type=problem_type
            )
            holdout = HoldoutRecord(split.y_test, *outputs, split.X_test, holdout_model)
        metrics.update(summarize_cv(cv.scores))
        metrics.update(cv.extra_metrics)
        if cv.note:
            skipped.append(cv.note)
        inputs = backend.inputs
        treatment, reasons = None, {}
        if backend.preprocessing is not None and inputs.feature_names is not None:
            treatment, reasons = column_treatment(final, inputs.feature_names, X)
        return TrainingRunResult(
            model=final,
            metrics=metrics,
            problem_type=problem_type,
            model_name=backend.model_name(final),
            n_samples=y.shape[0],
            n_features=_n_features(X),
            backend=backend.name,
            model_type=backend.config["model_type"],
            n_train=_num_rows(split.y_train),
            n_test=_num_rows(split.y_test) if has_holdout else 0,
            cv_scores=list(cv.scores),
            cv_errors=list(cv.errors),
            scoring=cv.scoring if (cv.scores or cv.extra_metrics) else "",
            refit=refit,
            problem_type_reason=inputs.problem_type_reason or reason,
            skipped=skipped,
            warnings=[
                *warnings,
                *(
                    f"{o.role}: {c.__name__}: {m}"
                    for o in outcomes
                    for c, m in o.warnings
                ),
            ],
            classes=classes,
            fit_seconds=time.perf_counter() - start,
            preprocessing=(
                "" if backend.preprocessing is None else backend.preprocessing.reason
            ),
            column_treatment=treatment,
            column_reasons=reasons,
            target_name=inputs.target_name,
            leaderboard=list(leaderboard),
            holdout=holdout,
        )


def _n_features(X):
    shape = getattr(X, "shape", None)
    return int(shape[1]) if shape is not None and len(shape) == 2 else None


def _num_rows(y):
    return None if y is None else int(y.shape[0])
