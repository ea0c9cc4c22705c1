"""Model comparison: several catalogue entries cross-validated on the same folds.

``model_type`` may be a list of catalogue entries, or ``"compare"`` for every
entry of the catalogue that does the problem type, whose package is installed
and whose ``ModelSpec.compared`` is true (not ``"auto"``, one of the others,
nor unregularised ``linear_regression``).  Every candidate's folds run in one
parallel batch on the same folds; the candidates are ranked by their mean
cross-validation score of ``scoring`` (every scikit-learn scorer is "greater
is better"), or, when none is set, of :data:`RANKING_SCORING`, which a
majority-class guess cannot win.  The best one is evaluated on the hold-out
and refit as a single model would be.  ``training_result_.leaderboard``
lists them all.
"""

# License: BSD 3 clause

import importlib.util
import inspect
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from .._suggest import did_you_mean
from ._fit_runner import run_fits
from .budget import run_halving
from .catalogue import check_model_params, takes_any_keyword
from .ensemble import ENSEMBLE, ENSEMBLE_MEMBERS, select_members
from .metrics import RANKING_SCORING
from .result import CrossValidationResult
from .steps import scoring_name, selection_folds

__all__ = [
    "COMPARE",
    "Compared",
    "Comparison",
    "check_candidates",
    "is_comparison",
    "is_ensemble",
]

#: The ``model_type`` that compares every suitable catalogue entry.
COMPARE = "compare"


def ranking_scoring(config, problem_type):
    """The score a comparison ranks by: ``scoring``, else the default.

    Examples
    --------
    >>> from easy_mlops.training.comparison import ranking_scoring
    >>> ranking_scoring({"scoring": None}, "classification")
    'balanced_accuracy'
    """
    scoring = config.get("scoring")
    return RANKING_SCORING[problem_type] if scoring is None else scoring


def is_comparison(model_type):
    """Whether ``model_type`` asks for a comparison (an ensemble is one too)."""
    return model_type in (COMPARE, ENSEMBLE) or isinstance(model_type, (list, tuple))


def is_ensemble(model_type):
    """Whether ``model_type`` asks for an ensemble: ``"ensemble"``, alone or
    in a list of entries."""
    if isinstance(model_type, (list, tuple)):
        return ENSEMBLE in model_type
    return model_type == ENSEMBLE


def check_candidates(backend):
    """Check a comparison's ``model_type`` before any work.

    Raises
    ------
    ValueError
        An empty list, a duplicate, an unknown entry (with a did-you-mean),
        ``"compare"`` inside a list, or a backend without a catalogue.
    """
    model_type = backend.config["model_type"]
    catalogue = getattr(backend, "model_types", None) or {}
    if not catalogue:
        raise ValueError(
            f"Backend {backend.name!r} has no model catalogue, so model_type "
            f"{model_type!r} cannot compare or ensemble models. Give one model_type."
        )
    if model_type in (COMPARE, ENSEMBLE):
        return
    entries = list(model_type)
    if entries == [ENSEMBLE]:
        raise ValueError(
            "model_type lists only 'ensemble'; list the catalogue entries to "
            "ensemble with it, or give model_type='ensemble' for the whole "
            f"portfolio. Entries: {', '.join(sorted(catalogue))}."
        )
    entries = [e for e in entries if e != ENSEMBLE or entries.count(e) > 1]
    if not entries:
        raise ValueError(
            "model_type is an empty list; give the catalogue entries to compare, "
            f"or 'compare' for all of them. Entries: {', '.join(sorted(catalogue))}."
        )
    duplicates = sorted({e for e in entries if entries.count(e) > 1}, key=str)
    if duplicates:
        raise ValueError(
            f"model_type lists {duplicates} more than once; give each entry once."
        )
    for entry in entries:
        if not isinstance(entry, str) or entry not in catalogue:
            raise ValueError(
                f"Unknown model_type {entry!r} in the list for backend "
                f"{backend.name!r}.{did_you_mean(entry, catalogue)} Valid model types: "
                f"{', '.join(sorted(catalogue))}."
            )


def candidate_entries(backend, problem_type=None):
    """The entries a comparison trains, and the skipped ones with why.

    Returns
    -------
    entries : list of str
    skipped : dict of str to str
    """
    model_type = backend.config["model_type"]
    catalogue = backend.model_types
    listed = model_type not in (COMPARE, ENSEMBLE)
    # "compare" is one configuration per family; the portfolio's further
    # configurations are for an ensemble, or for a comparison under a budget.
    portfolio = model_type == ENSEMBLE or backend.config.get("time_budget")
    names = (
        [n for n in model_type if n != ENSEMBLE]
        if listed
        else [
            n
            for n, spec in catalogue.items()
            if spec.compared and (portfolio or not spec.portfolio_only)
        ]
    )
    entries, skipped = [], {}
    for name in names:
        spec = catalogue[name]
        if problem_type is not None and problem_type not in spec.problem_types:
            if listed:  # "compare" means the entries that do the problem type
                skipped[name] = f"does {' and '.join(spec.problem_types)} only"
        elif not listed and not _installed(spec, problem_type):
            skipped[name] = f'not installed (pip install "easy-mlops[{spec.extra}]")'
        else:
            entries.append(name)
    return entries, skipped


def accepted_params(spec, model_params):
    """The parameters of ``model_params`` an entry's estimators take."""
    accepted = {}
    for kind in spec.problem_types:
        try:
            estimator_class = spec.estimator_class(kind)
        except ImportError:
            continue
        if takes_any_keyword(estimator_class):
            return dict(model_params)
        parameters = inspect.signature(estimator_class.__init__).parameters
        accepted.update(
            {name: value for name, value in model_params.items() if name in parameters}
        )
    return accepted


def check_shared_params(backend):
    """Refuse ``model_params`` that no candidate of a comparison takes."""
    check_model_params(backend.config.get("model_params"))
    model_params = backend.config.get("model_params") or {}
    entries, _ = candidate_entries(backend)
    used = set()
    for entry in entries:
        used |= set(accepted_params(backend.model_types[entry], model_params))
    unused = sorted(set(model_params) - used)
    if unused:
        raise ValueError(
            f"model_params {unused} are taken by none of the compared model types "
            f"{entries}; remove them or add a model_type that takes them."
        )


def _installed(spec, problem_type):
    kinds = [problem_type] if problem_type else list(spec.problem_types)
    for kind in kinds:
        path = spec.classifier if kind == "classification" else spec.regressor
        if importlib.util.find_spec(path.partition(":")[0].split(".")[0]) is None:
            return False
    return True


@dataclass
class Compared:
    """What a comparison hands the flow's final step.

    Attributes
    ----------
    winner : EstimatorBackend
        The best candidate's backend, to evaluate on the hold-out and refit.
    cv : CrossValidationResult
        The winner's folds, already scored.
    leaderboard : list of dict
        Every candidate, best first (see ``TrainingRunResult.leaderboard``).
    warnings : list of str
        The warnings raised by the candidates' folds.
    folds : list of (ndarray, ndarray)
        The folds every candidate was scored on.
    threads : dict
        How the candidates' folds used the cores (see
        ``TrainingRunResult.threads``).
    members : list of (EstimatorBackend, float) or None
        With an ensemble: its members and their weights (``winner`` is then
        the comparing backend, ranking by the comparison's score).
    """

    winner: Any
    cv: CrossValidationResult
    leaderboard: list
    warnings: list
    folds: list
    threads: dict
    members: list | None = None


class Comparison:
    """Several catalogue entries of one backend, scored on the same folds.

    Parameters
    ----------
    backend : EstimatorBackend
        Configured with a list of entries or ``"compare"``.
    """

    def __init__(self, backend):
        self.backend = backend

    def candidates(self, problem_type=None):
        """One backend per entry to compare (see :func:`candidate_entries`)."""
        entries, _ = candidate_entries(self.backend, problem_type)
        return [self.backend.for_model_type(entry) for entry in entries]

    def requested_candidates(self):
        """The candidates for the requested ``problem_type``; all when "auto".

        With a problem type given, "compare" means the entries that do it.
        """
        requested = self.backend.config["problem_type"]
        return self.candidates(None if requested == "auto" else requested)

    def check_entries(self):
        """Check the entries (see :func:`check_candidates`)."""
        check_candidates(self.backend)

    def check(self):
        """Check the entries and ``model_params``, then each candidate's config."""
        check_candidates(self.backend)
        check_shared_params(self.backend)
        for candidate in self.requested_candidates():
            candidate.check_config()

    def run(self, X, y, sample_weight, problem_type, budget):
        """Score every candidate on the same folds.

        Without a budget and without an ensemble, every candidate's folds
        run in one parallel batch.  Otherwise the candidates run cheapest
        first by successive halving (:func:`~easy_mlops.training.budget.run_halving`),
        and an ensemble's weights are chosen on the out-of-fold predictions
        of the best candidates, on the first folds at least two of them ran
        (every fold, unless the budget stopped the halving early).

        Parameters
        ----------
        X, y, sample_weight
            The validated training data.
        problem_type : str
        budget : TimeBudget
            The run's clock; what is left out for time is recorded on it.

        Returns
        -------
        compared : Compared
            The winner (or the ensemble's members), its folds, the
            leaderboard and the folds' warnings.
        """
        backend = self.backend
        seed = backend.config["random_state"]
        if not isinstance(seed, numbers.Integral):
            # One seed for the whole run (None or a RandomState would draw
            # anew at each use), so that the hold-out the final step splits
            # off is the one the choice left out.
            generator = check_random_state(seed)
            backend.config["random_state"] = int(generator.randint(2**31 - 1))
        entries, skipped = candidate_entries(backend, problem_type)
        if not entries:
            raise ValueError(
                f"No model_type to compare for {problem_type}: "
                + "; ".join(f"{name} {why}" for name, why in skipped.items())
                + ". Install one, or list model types that do "
                f"{problem_type}."
            )
        scoring = ranking_scoring(backend.config, problem_type)
        candidates = [backend.for_model_type(name, scoring) for name in entries]
        folds, note = selection_folds(
            backend.config, y, problem_type=problem_type, rows=backend.inputs.rows
        )
        if not folds:
            raise ValueError(
                "Comparing models needs cross-validation, and "
                + (note or f"cv_folds={backend.config['cv_folds']} turns it off")
                + ". Set cv_folds to 2 or more, or use more rows, or give one "
                "model_type."
            )
        ensembling = is_ensemble(backend.config["model_type"])
        if ensembling or budget.limited:
            candidates.sort(key=lambda candidate: candidate.model_spec.cost)
            outcomes = run_halving(
                backend,
                candidates,
                folds,
                (X, y, sample_weight),
                problem_type,
                budget,
                min_survivors=ENSEMBLE_MEMBERS if ensembling else 1,
            )
        else:
            jobs = [
                ("fold", X, y, sample_weight, train, test, candidate)
                for candidate in candidates
                for train, test in folds
            ]
            outcomes = run_fits(backend, jobs, problem_type)
        board = _leaderboard(candidates, outcomes, skipped, problem_type, len(folds))
        ranked = [row for row in board if row["error"] is None]
        if not ranked:
            raise ValueError(
                "Every model_type of the comparison failed: "
                + "; ".join(f"{row['model_type']}: {row['error']}" for row in board)
            )
        warnings = [
            f"{o.role} of {o.model_type}: {c.__name__}: {m}"
            for o in outcomes
            for c, m in o.warnings
        ]
        named = scoring_name({"scoring": scoring}, problem_type)
        if ensembling:
            # A candidate the time_budget stopped part-way has predictions on
            # its first folds: selection may blend it on the folds it shares.
            stopped = sorted(
                (row for row in board if _stopped(row)),
                key=lambda row: (-len(row["cv_scores"]), -row["cv_mean"]),
            )
            chosen = select_members(
                backend,
                ranked + stopped,
                outcomes,
                (y, sample_weight, folds),
                problem_type,
                scoring,
            )
            if chosen.note:
                warnings.append(chosen.note)
            if chosen.members is not None:
                board.insert(0, chosen.row)
                cv = CrossValidationResult(
                    scores=chosen.row["cv_scores"], scoring=named, note=note
                )
                # The ensemble is evaluated as the comparison ranked it.
                ranked_by = type(backend).configured(
                    {**backend.config, "scoring": scoring},
                    preprocessing=backend.preprocessing,
                    inputs=backend.inputs,
                )
                return Compared(
                    winner=ranked_by,
                    folds=folds,
                    cv=cv,
                    leaderboard=board,
                    warnings=warnings,
                    threads=outcomes[0].threads,
                    members=chosen.members,
                )
        best = ranked[0]
        cv = CrossValidationResult(
            scores=list(best["cv_scores"]),
            errors=[
                o.error
                for o in outcomes
                if o.model_type == best["model_type"] and o.error
            ],
            scoring=named,
            note=note,
        )
        return Compared(
            winner=backend.for_model_type(best["model_type"], scoring),
            folds=folds,
            cv=cv,
            leaderboard=board,
            warnings=warnings,
            threads=outcomes[0].threads,
        )


def _estimator_name(candidate, problem_type):
    from .label_encoding import unwrap

    return type(unwrap(candidate.build_estimator(problem_type))).__name__


#: How a leaderboard row of a candidate successive halving stopped begins.
STOPPED = "stopped after"


def _stopped(row):
    """Whether a leaderboard row is a candidate stopped part-way with scores."""
    return (
        row["error"] is not None
        and row["error"].startswith(STOPPED)
        and np.isfinite(row["cv_mean"])
    )


def _leaderboard(candidates, outcomes, skipped, problem_type, n_folds):
    """One row per candidate, ranked ones first, best first.

    A candidate is ranked when it was scored on the most folds any candidate
    got (all of them, unless the time budget stopped the halving early):
    successive halving leaves the others with fewer folds, not comparable.
    """
    mine = {
        c.config["model_type"]: [
            o
            for o in outcomes
            if o.role == "fold" and o.model_type == c.config["model_type"]
        ]
        for c in candidates
    }
    most = max(len(folds) for folds in mine.values())
    rows = []
    for candidate in candidates:
        name = candidate.config["model_type"]
        scores = [o.score for o in mine[name]]
        finite = [s for s in scores if np.isfinite(s)]
        errors = [o.error for o in mine[name] if o.error]
        if not scores:
            error = "skipped: not started within the time_budget"
        elif len(scores) < most:
            error = f"{STOPPED} {len(scores)} of {n_folds} folds"
        else:
            error = None if finite else (errors[0] if errors else "no score")
        rows.append(
            {
                "model_type": name,
                "estimator": _estimator_name(candidate, problem_type),
                "cv_mean": float(np.mean(finite)) if finite else float("nan"),
                "cv_std": float(np.std(finite)) if finite else float("nan"),
                "cv_scores": scores,
                "fit_seconds_per_row": _mean(o.fit_seconds_per_row for o in mine[name]),
                "predict_seconds_per_row": _mean(
                    o.predict_seconds_per_row for o in mine[name]
                ),
                "error": error,
            }
        )
    rows.sort(
        key=lambda row: (
            row["error"] is not None,
            -row["cv_mean"] if np.isfinite(row["cv_mean"]) else np.inf,
        )
    )
    for name, why in skipped.items():
        rows.append(
            {
                "model_type": name,
                "estimator": "",
                "cv_mean": float("nan"),
                "cv_std": float("nan"),
                "cv_scores": [],
                "fit_seconds_per_row": float("nan"),
                "predict_seconds_per_row": float("nan"),
                "error": f"skipped: {why}",
            }
        )
    return rows


def _mean(values):
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")
