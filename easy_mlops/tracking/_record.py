"""What a tracked run records, computed before anything is sent.

No MLflow here: parameters, metrics, steps and tags are plain dicts built from
the fitted estimator and the raw training data, so that the record is
complete before the first request (see :mod:`easy_mlops.tracking`).
"""

# License: BSD 3 clause

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import BaseSearchCV, _num_samples
from .._version import __version__
from ..training import ModelTrainer
from ..training.persistence._versions import library_versions
from ..training.result import to_json
from ..training.settings import trainer_settings
from ..training.trainer import final_trainer as trainer_ending

#: Prefix of the tags easy_mlops sets on a run.
TAG_PREFIX = "easy_mlops."
_EXAMPLE_ROWS = 5


@dataclass
class RunRecord:
    """Everything a run records, computed before anything is sent."""

    estimator: object
    trainer: ModelTrainer
    search: object
    params: dict
    metrics: dict
    steps: dict
    tags: dict
    X: object
    report: Path

    @classmethod
    def of(cls, model, X, y, report):
        search = model if hasattr(model, "cv_results_") else None
        if search is not None and not hasattr(search, "best_estimator_"):
            raise ValueError(
                f"{type(search).__name__} has no best_estimator_: fit it with "
                "refit=True so that there is one model to log."
            )
        estimator = model.best_estimator_ if search is not None else model
        trainer = final_trainer(estimator, fitted=True)
        if trainer is None:
            raise TypeError(
                "log_run takes a fitted ModelTrainer, a Pipeline ending in one, or a "
                f"fitted search over them; got {type(model).__name__}."
            )
        check_is_fitted(trainer)
        if report is not None:
            report = Path(report)
            if not report.is_dir():
                raise ValueError(
                    f"report={str(report)!r} is not a folder; pass the folder "
                    "write_report wrote, or None."
                )
        result = trainer.training_result_
        metrics = {k: v for k, v in result.metrics.items() if v is not None}
        metrics["fit_seconds"] = result.fit_seconds
        for member, weight in result.ensemble_weights.items():
            metrics[f"ensemble_weight.{member}"] = float(weight)
        steps = {"cv_score": list(result.cv_scores)} if result.cv_scores else {}
        tags = {
            f"{TAG_PREFIX}version": __version__,
            f"{TAG_PREFIX}backend": result.backend,
            # A list of entries (a comparison, an ensemble) as its JSON text.
            f"{TAG_PREFIX}model_type": (
                result.model_type
                if isinstance(result.model_type, str)
                else json.dumps(list(result.model_type))
            ),
            f"{TAG_PREFIX}model_name": result.model_name,
            f"{TAG_PREFIX}problem_type": result.problem_type,
            f"{TAG_PREFIX}problem_type_reason": result.problem_type_reason,
            f"{TAG_PREFIX}flavor": flavor(estimator, trainer),
            **data_tags(X, y, result),
        }
        if search is not None:
            metrics["search_best_score"] = float(search.best_score_)
            tags[f"{TAG_PREFIX}search"] = type(search).__name__
        return cls(
            estimator=estimator,
            trainer=trainer,
            search=search,
            params=flatten(trainer.backend_.config),
            metrics=metrics,
            steps=steps,
            tags=tags,
            X=X,
            report=report,
        )


def final_trainer(model, *, fitted):
    """The ModelTrainer that ``model`` is or ends in, else None.

    An unfitted search stands for the estimator it searches over.
    """
    if not fitted and isinstance(model, BaseSearchCV):
        model = model.estimator
    return trainer_ending(model)


def flavor(estimator, trainer):
    """``sklearn`` unless the trainer alone is logged and takes X as given."""
    if estimator is trainer and not trainer.backend_.validates_input:
        return "pyfunc"
    return "sklearn"


def settings_for(trainer):
    """The settings a trainer's fit was given, resolved when they resolve."""
    try:
        return trainer_settings(trainer)
    except (TypeError, ValueError):
        return {"config": trainer.config, **trainer.get_params(deep=False)}


def flatten(settings, prefix=""):
    """A config as MLflow parameters: nested keys joined by dots, values as text."""
    params = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        value = to_json(value)
        if isinstance(value, dict) and value:
            params.update(flatten(value, f"{name}."))
        elif isinstance(value, (dict, list)):
            params[name] = json.dumps(value)
        else:
            params[name] = str(value)
    return params


def data_tags(X, y, result=None):
    """The data's shape and a SHA-256 of its content."""
    tags = {}
    if X is not None:
        n_columns = X.shape[1] if len(getattr(X, "shape", ())) > 1 else None
        shape = (_num_samples(X), n_columns)
    elif result is not None:
        shape = (result.n_samples, result.n_features)
    else:
        return tags
    tags[f"{TAG_PREFIX}data_shape"] = " x ".join(str(n) for n in shape if n is not None)
    if X is not None:
        tags[f"{TAG_PREFIX}data_digest"] = digest(X, y)
    return tags


def digest(*parts):
    """SHA-256 over the content of each part.

    pandas objects are hashed row by row with their column names and dtypes
    (the same table read twice gives the same digest, whatever its memory
    layout); anything else through joblib's hash of its pickle.
    """
    digest = hashlib.sha256()
    for part in parts:
        if part is None:
            digest.update(b"none")
        elif isinstance(part, (pd.DataFrame, pd.Series)):
            rows = pd.util.hash_pandas_object(part, index=False).to_numpy()
            names = list(part.columns) if part.ndim == 2 else [part.name]
            dtypes = list(part.dtypes) if part.ndim == 2 else [part.dtype]
            digest.update(repr((names, [str(d) for d in dtypes])).encode())
            digest.update(rows.tobytes())
        else:
            digest.update(joblib.hash(part).encode())
    return digest.hexdigest()


def head(X):
    """The first rows of ``X``, for the input example; None if not sliceable."""
    if hasattr(X, "iloc"):
        return X.iloc[:_EXAMPLE_ROWS]
    if isinstance(X, (np.ndarray, list, tuple)):
        return X[:_EXAMPLE_ROWS]
    return None


def requirements(trainer):
    """Pinned requirements of the model: those the artifact's manifest records."""
    names = {"easy_mlops": "easy-mlops", "python": None}
    return [
        f"{names.get(name, name)}=={version}"
        for name, version in library_versions(trainer.training_result_.model).items()
        if names.get(name, name) and version
    ]


def candidates(search):
    """One (params, metrics, steps) per candidate of a fitted search."""
    results = search.cv_results_
    scorers = ["score"]
    if getattr(search, "multimetric_", False):
        scorers = sorted(search.scorer_)
    n_splits = search.n_splits_
    for i, candidate in enumerate(results["params"]):
        metrics, steps = {}, {}
        for scorer in scorers:
            suffix = "" if scorer == "score" else f"_{scorer}"
            metrics[f"cv_mean{suffix}"] = float(results[f"mean_test_{scorer}"][i])
            metrics[f"cv_std{suffix}"] = float(results[f"std_test_{scorer}"][i])
            metrics[f"rank{suffix}"] = float(results[f"rank_test_{scorer}"][i])
            steps[f"cv_score{suffix}"] = [
                float(results[f"split{k}_test_{scorer}"][i]) for k in range(n_splits)
            ]
        metrics["mean_fit_time"] = float(results["mean_fit_time"][i])
        yield flatten(candidate), metrics, steps
