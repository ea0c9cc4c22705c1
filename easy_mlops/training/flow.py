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
import warnings

import numpy as np
from joblib import effective_n_jobs

from ._fit_runner import run_fits
from ._row_columns import warn_unordered_dates
from ._splitting import describe_split
from .baseline import check_quality, score_baseline
from .budget import TimeBudget, batch_seconds, final_fit_seconds
from .comparison import Comparison
from .ensemble import voting_model
from .exceptions import TimeBudgetWarning, user_stacklevel
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
    >>> backend = SklearnBackend(resolve_settings({}, {"cv_folds": 3}))
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
        budget = TimeBudget(backend.config.get("time_budget"))
        problem_type, reason = resolve_problem_type(backend, y)
        classes = check_target(y, problem_type)
        if backend.comparing:
            compared = Comparison(backend).run(
                X, y, sample_weight, problem_type, budget
            )
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
                folds=compared.folds,
                threads=compared.threads,
                members=compared.members,
                budget=budget,
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
            budget=budget,
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
        folds=(),
        threads=None,
        members=None,
        budget=None,
    ):
        """The hold-out fit, the folds (unless ``cv`` is given) and the refit
        of ``backend``, evaluated beside the baseline, as one record.

        ``cv``, ``leaderboard``, ``warnings``, ``folds`` and ``threads`` come
        from a comparison, whose folds were scored already; the record keeps
        the threads of the comparison's batch, the larger one.  With
        ``members`` (an ensemble's ``(backend, weight)`` pairs) each member is
        fitted, and the models are their voting ensemble.  Under a limited
        ``budget``, folds run in batches while it allows, after the final fits.
        """
        budget = TimeBudget(None) if budget is None else budget
        if members is not None:
            members = _affordable(members, leaderboard, y.shape[0], budget, backend)
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
        fitters = [(backend,)] if members is None else [(m,) for m, _ in members]
        jobs = (
            [("refit", X, y, sample_weight, None, None, *f) for f in fitters]
            if refit
            else []
        )
        if has_holdout or not refit:
            holdout = (split.X_train, split.y_train, split.sample_weight_train)
            jobs += [("holdout", *holdout, None, None, *f) for f in fitters]
        if members is None:
            jobs = [job[:6] for job in jobs]
        run_folds = cv is None and not backend.own_cross_validation
        rows = backend.inputs.rows
        if run_folds:
            folds, cv_note = cv_folds(
                backend.config, y, problem_type=problem_type, rows=rows
            )
        # A comparison's folds (given) were scored already: only the baseline
        # reads them.
        fold_jobs = (
            [("fold", X, y, sample_weight, tr, te) for tr, te in folds]
            if run_folds
            else []
        )
        outcomes = _run_within(backend, jobs, fold_jobs, problem_type, budget)
        by_role = {o.role: o for o in outcomes if o.role != "fold"}
        if members is not None:
            fitted_on = {"refit": (X, y)}
            if "holdout" in by_role:
                fitted_on["holdout"] = holdout[:2]
            by_role = {
                role: _vote(outcomes, members, role, problem_type, *data)
                for role, data in fitted_on.items()
                if role in by_role
            }
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
        # An ensemble's columns are read from its first member's pipeline.
        first = getattr(by_role["refit" if refit else "holdout"], "first", final)

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
        skipped += budget.skipped
        targets = (split.y_train, split.sample_weight_train)
        targets += (split.y_test, split.sample_weight_test)
        baseline = score_baseline(
            problem_type,
            holdout=targets if has_holdout else None,
            y=y,
            sample_weight=sample_weight,
            folds=folds,
            scoring=backend.config.get("scoring"),
        )
        baseline["warning"] = check_quality(
            metrics, cv.scores, baseline, scoring=cv.scoring, problem_type=problem_type
        )
        overrun = check_budget(budget)
        inputs = backend.inputs
        treatment, reasons = None, {}
        if backend.preprocessing is not None and inputs.feature_names is not None:
            treatment, reasons = column_treatment(first, inputs.feature_names, X)
        if rows.kind == "shuffled":
            warn_unordered_dates(treatment)
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
                *([f"TimeBudgetWarning: {overrun}"] if overrun else []),
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
            baseline=baseline,
            split=describe_split(
                rows,
                problem_type=problem_type,
                n_test=_num_rows(split.y_test) if has_holdout else 0,
                n_folds=len(cv.scores),
                # A comparison's folds, made inside the hold-out's training
                # rows (unless those were too few): no fold tests every row.
                inside_holdout=has_holdout
                and bool(leaderboard)
                and sum(len(test) for _, test in folds) < y.shape[0],
            ),
            holdout=holdout,
            threads=threads or outcomes[0].threads,
            ensemble_weights=(
                {m.config["model_type"]: w for m, w in members} if members else {}
            ),
        )


def check_budget(budget):
    """Warn when a fit ran well past its budget; return the note, or None.

    "Well past" is more than 10 % over: the first batch and the final fits
    always run, and no fit's time is known before it ends, so a budget
    smaller than they take cannot be kept.
    """
    if not budget.limited or budget.spent() <= OVERRUN * budget.seconds:
        return None
    note = (
        f"The fit took {budget.spent():.1f} s, more than its time_budget of "
        f"{budget.seconds:g} s: the fits that always run (the first batch of "
        "folds and the final fits) took longer than the budget, or a batch "
        "took longer than its estimate. What the budget left out is in "
        "training_result_.skipped."
    )
    warnings.warn(note, TimeBudgetWarning, stacklevel=user_stacklevel())
    return note


#: How far past its budget a fit may run before a TimeBudgetWarning.
OVERRUN = 1.1


class _Voted:
    """A voting ensemble built from a role's member fits, and the first member."""

    def __init__(self, model, first):
        self.model, self.first = model, first


def _vote(outcomes, members, role, problem_type, X, y):
    """The voting ensemble of the members' fits of one role (their job order)."""
    fitted = [o for o in outcomes if o.role == role]
    pairs = [(o.model_type, o.model) for o in fitted]
    weights = [weight for _, weight in members]
    return _Voted(voting_model(pairs, weights, problem_type, X, y), fitted[0].model)


def _run_within(backend, jobs, fold_jobs, problem_type, budget):
    """Run the final fits and the folds; under a budget, the folds in batches.

    The first batch holds the final fits and enough folds to fill ``n_jobs``
    workers; each further batch of ``n_jobs`` folds starts only when the
    budget allows it, judged by the slowest fold so far.
    """
    if not budget.limited or not fold_jobs:
        return run_fits(backend, jobs + fold_jobs, problem_type)
    n_jobs = effective_n_jobs(backend.config["n_jobs"])
    first = max(1, n_jobs - len(jobs))
    outcomes = run_fits(backend, jobs + fold_jobs[:first], problem_type)
    done = first
    while done < len(fold_jobs):
        per_row = [
            o.fit_seconds_per_row
            for o in outcomes
            if o.role == "fold" and np.isfinite(o.fit_seconds_per_row)
        ]
        slowest = max(per_row, default=0.0) * max(len(job[4]) for job in fold_jobs)
        if not budget.allows(slowest):
            budget.skip(
                f"cross-validation: folds {done + 1} to {len(fold_jobs)} not run"
            )
            break
        outcomes += run_fits(backend, fold_jobs[done : done + n_jobs], problem_type)
        done += n_jobs
    return outcomes


def _affordable(members, leaderboard, n_rows, budget, backend):
    """The members whose final fits the budget allows, heaviest weight first.

    When the budget allows no member's final fits, the member whose final
    fits cost least stays alone, so that a model is always trained.  The
    weights of those kept are scaled to sum to one.
    """
    if not budget.limited:
        return members

    per_row = {row["model_type"]: row["fit_seconds_per_row"] for row in leaderboard}
    n_jobs = effective_n_jobs(backend.config["n_jobs"])

    def final_fits(member):
        return final_fit_seconds(
            per_row[member.config["model_type"]], backend.config["test_size"], n_rows
        )

    ordered = sorted(members, key=lambda member: -member[1])
    kept, fits = [], []
    for member, weight in ordered:
        if budget.allows(batch_seconds([*fits, *final_fits(member)], n_jobs)):
            kept.append((member, weight))
            fits += final_fits(member)
    if not kept:
        kept = [min(ordered, key=lambda member: sum(final_fits(member[0])))]
    for member, _ in ordered:
        if all(member is not k for k, _ in kept):
            budget.skip(f"ensemble member {member.config['model_type']}: not refit")
    scale = sum(weight for _, weight in kept)
    return [(member, weight / scale) for member, weight in kept]


def _n_features(X):
    shape = getattr(X, "shape", None)
    return int(shape[1]) if shape is not None and len(shape) == 2 else None


def _num_rows(y):
    return None if y is None else int(y.shape[0])
