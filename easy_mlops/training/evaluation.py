"""Scoring a fitted model on labelled rows, and saying which were seen.

:func:`evaluate` computes the metrics ``fit`` reports, and counts how many of
the rows the model was trained on (from the trainer's ``row_fingerprint_``,
see :mod:`easy_mlops.training.fingerprint`): scores on training rows are
labelled in-sample, since they say little about new rows.
"""

# License: BSD 3 clause

from dataclasses import dataclass, field

from ._fit_data import select_columns
from .metrics import compute_metrics
from .preprocessing import is_dataframe

__all__ = ["Evaluation", "evaluate"]


@dataclass
class Evaluation:
    """The scores of a model on labelled rows, and how many it trained on.

    Attributes
    ----------
    metrics : dict of str to float
        The metrics of the problem type (see ``METRIC_NAMES``).
    n_rows : int
        Rows scored.
    n_training_rows : int or None
        How many of them the model was trained on (estimated beyond
        ``MAX_HASHES`` training rows); None when the model keeps no
        fingerprint of its rows.
    notes : list of str
        What a reader of the scores should know.
    """

    metrics: dict
    n_rows: int
    n_training_rows: int | None = None
    notes: list = field(default_factory=list)

    @property
    def in_sample(self):
        """Whether most of the rows scored were training rows."""
        return (self.n_training_rows or 0) * 2 > self.n_rows


def evaluate(model, X, y, sample_weight=None):
    """Score a fitted model on ``(X, y)`` and say how many rows it trained on.

    Parameters
    ----------
    model : ModelTrainer or Pipeline
        A fitted trainer, or a fitted pipeline whose last step is one.
    X : array-like of shape (n_samples, n_features)
        Rows, with the columns seen in ``fit``.
    y : array-like of shape (n_samples,)
        True targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the metrics.

    Returns
    -------
    evaluation : Evaluation

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.training import evaluate
    >>> X, y = load_diabetes(return_X_y=True)
    >>> trainer = ModelTrainer(model_type="ridge", cv_folds=0).fit(X[:300], y[:300])
    >>> evaluate(trainer, X[:300], y[:300]).in_sample
    True
    >>> new = evaluate(trainer, X[300:], y[300:])
    >>> new.in_sample, new.n_training_rows, bool(new.metrics["r2_score"] > 0.3)
    (False, 0, True)
    """
    from sklearn.utils.validation import check_is_fitted

    steps = getattr(model, "steps", None)
    trainer = steps[-1][1] if steps else model
    check_is_fitted(trainer)
    proba = {}
    if trainer.problem_type_ == "classification" and hasattr(model, "predict_proba"):
        # The metrics fit reports: ROC AUC and log loss too.
        proba = {"y_proba": model.predict_proba(X), "classes": trainer.classes_}
    metrics = compute_metrics(
        trainer.problem_type_, y, model.predict(X), sample_weight, **proba
    )
    n_rows = len(y)
    fingerprint = getattr(trainer, "row_fingerprint_", None)
    seen = None
    if fingerprint is not None:
        rows = model[:-1].transform(X) if steps else _trainer_input(trainer, X)
        seen = fingerprint.count_seen(rows)
    evaluation = Evaluation(metrics, n_rows, seen)
    if evaluation.in_sample:
        evaluation.notes.append(
            f"In-sample: {seen} of these {n_rows} rows were used to train the "
            "model, so these scores overstate how it does on new rows. Score it "
            "on rows it was not trained on, or read the cross-validation scores "
            "of training."
        )
    elif seen:
        evaluation.notes.append(
            f"{seen} of these {n_rows} rows were used to train the model; the "
            "scores are partly in-sample."
        )
    return evaluation


def _trainer_input(trainer, X):
    """The columns of ``X`` the trainer was fitted on, in fit order."""
    names = getattr(trainer, "feature_names_in_", None)
    if names is not None and is_dataframe(X):
        return select_columns(X, names)
    return X
