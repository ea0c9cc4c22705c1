"""Writing the report directory: the files, their order, and the notes."""

# License: BSD 3 clause

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..training.result import to_json
from ._page import page

__all__ = ["Report", "holdout_predictions", "write_report"]

_MATPLOTLIB_MISSING = (
    "The plots need matplotlib, which is not installed: "
    'pip install "easy-mlops[report]"'
)


@dataclass
class Report:
    """What :func:`write_report` wrote.

    Attributes
    ----------
    directory : pathlib.Path
        The report directory.
    files : list of pathlib.Path
        Every file written, ``metrics.json`` first and ``index.html`` last.
    notes : list of str
        What the report could not show, and why.
    """

    directory: Path
    files: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def index(self):
        """The path of ``index.html``."""
        return self.directory / "index.html"


def holdout_predictions(trainer, X, y):
    """Rebuild the hold-out of a fitted trainer and predict it.

    The final model of a trainer has seen every row, so pictures of its
    predictions on the training data would flatter it.  This splits ``X, y``
    as ``fit`` did (same ``test_size`` and ``random_state``, so the same rows
    when ``random_state`` is an int), fits a model on the training part and
    predicts the hold-out: the pictures then match the hold-out metrics.

    Parameters
    ----------
    trainer : ModelTrainer
        A fitted trainer.
    X : array-like of shape (n_samples, n_features)
        The data the trainer was fitted on.
    y : array-like of shape (n_samples,)
        Its target.

    Returns
    -------
    y_true, y_pred : ndarray of shape (n_test,), or None and None
        The hold-out target and its predictions; None and None when the run
        had no hold-out or the backend cannot fit a single model.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.report import holdout_predictions
    >>> X, y = load_diabetes(return_X_y=True)
    >>> trainer = ModelTrainer(model_type="linear_regression", cv_folds=0).fit(X, y)
    >>> y_true, y_pred = holdout_predictions(trainer, X, y)
    >>> y_true.shape == (trainer.training_result_.n_test,)
    True
    """
    from sklearn.utils.validation import check_is_fitted

    from ..training._fit_data import validate_predict_data

    check_is_fitted(trainer)
    if not trainer.training_result_.n_test:
        return None, None
    backend = trainer.backend_
    problem_type = trainer.problem_type_
    if backend.preprocessing is not None and hasattr(X, "columns"):
        # The pipeline takes the raw table; NumPy would lose its column types.
        X_checked = validate_predict_data(trainer, X)
    else:
        X_checked = np.asarray(X) if backend.validates_input else X
    split = backend.split_data(X_checked, np.asarray(y), problem_type=problem_type)
    if split.X_test is None:
        return None, None
    try:
        model = backend.fit_model(
            split.X_train, split.y_train, problem_type=problem_type
        )
    except NotImplementedError:
        return None, None
    return np.asarray(split.y_test), np.asarray(backend.predict(model, split.X_test))


def write_report(
    trainer,
    directory,
    *,
    y_true=None,
    y_pred=None,
    manifest=None,
    data=None,
    source=None,
):
    """Write the report of a fitted trainer to ``directory``.

    Parameters
    ----------
    trainer : ModelTrainer
        A fitted trainer.
    directory : str or path-like
        Created if needed; files of an earlier report are replaced.
    y_true, y_pred : array-like of shape (n_samples,), default=None
        Targets and predictions to picture: a confusion matrix
        (classification), or predicted against actual values and the
        residuals (regression).  By default the hold-out's, kept by ``fit``
        in ``training_result_.holdout`` (no other fit); with it also the
        permutation importance of the features on the hold-out, and ROC and
        precision-recall curves for a binary classifier with probabilities.
        A comparison's leaderboard is drawn and tabled too.
    manifest : dict, default=None
        The saved model's manifest (``easy_mlops.training.inspect_model``);
        the trainer's ``manifest_`` when it has one.
    data : DataFrame, default=None
        The training table (features and target); skrub's ``TableReport`` of
        it is written to ``data.html`` and shown in the page.
    source : str, default=None
        What the data is, for the page's header (e.g. its file name);
        ``"DataFrame"`` or ``"array"`` by default.

    Returns
    -------
    report : Report
        The files written and notes on what is missing.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import load_iris
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.report import write_report
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3)
    >>> trainer = trainer.fit(X, y)
    >>> report = write_report(trainer, tempfile.mkdtemp(), data=X.assign(target=y))
    >>> [path.name for path in report.files]  # doctest: +NORMALIZE_WHITESPACE
    ['metrics.json', 'confusion_matrix.png', 'cv_scores.png',
     'permutation_importance.png', 'data.html', 'index.html']
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(trainer)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    result = trainer.training_result_
    report = Report(directory)
    if result.baseline.get("warning"):
        report.notes.append(result.baseline["warning"])
    if manifest is None:
        manifest = getattr(trainer, "manifest_", None)
    if source is None:
        source = "DataFrame" if hasattr(trainer, "feature_names_in_") else "array"

    holdout = result.holdout
    if y_true is None and y_pred is None and holdout is not None:
        # Kept by fit: the pictures cost no other fit.
        y_true, y_pred = holdout.y_true, holdout.y_pred
    importance = {}
    plots = []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        report.notes.append(_MATPLOTLIB_MISSING)
    else:
        plots = _draw(
            trainer, result, y_true, y_pred, directory, report.notes, importance
        )

    data_page = None
    if data is not None:
        data_page = directory / "data.html"
        _write_table_report(data, source, data_page)

    metrics_path = directory / "metrics.json"
    record = {
        "metrics": result.to_dict()["metrics"],
        "training": result.to_dict(),
        "manifest": to_json(manifest) if manifest is not None else None,
        "permutation_importance": importance,
        "plots": [path.name for path, _ in plots],
        "notes": report.notes,
    }
    metrics_path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    index_path = directory / "index.html"
    index_path.write_text(
        page(
            result,
            manifest,
            plots,
            report.notes,
            source=source,
            data_page=data_page and data_page.name,
        ),
        "utf-8",
    )
    report.files = [
        metrics_path,
        *(path for path, _ in plots),
        *([data_page] if data_page else []),
        index_path,
    ]
    return report


def _draw(trainer, result, y_true, y_pred, directory, notes, importance):
    """Draw every plot the run allows; return (path, caption) pairs."""
    from matplotlib.figure import Figure

    from . import _plots

    plots = []

    def save(figure, name, caption):
        path = directory / name
        figure.savefig(path, dpi=100, bbox_inches="tight")
        plots.append((path, caption))

    if y_true is None or y_pred is None:
        notes.append(
            "No predictions were given (no hold-out), so there is no picture of them."
        )
    else:
        _plots.draw_predictions(Figure, result, y_true, y_pred, save)
    if result.cv_scores:
        _plots.draw_cv_scores(Figure, result, save)
    else:
        notes.append("Cross-validation did not run, so there are no fold scores.")
    holdout = result.holdout
    if holdout is not None:
        found = _importance(trainer, holdout, notes)
        if found is not None:
            names, means, stds = found
            importance.update(zip(names, map(float, means), strict=True))
            _plots.draw_importance(Figure, names, means, stds, save)
        proba, classes = holdout.y_proba, holdout.classes
        if proba is not None and classes is not None and len(classes) == 2:
            _plots.draw_curves(Figure, holdout.y_true, proba[:, 1], classes[1], save)
    if result.leaderboard:
        _plots.draw_leaderboard(Figure, result, save)
    if result.ensemble_weights:
        _plots.draw_weights(Figure, result, save)
    return plots


def _write_table_report(data, source, path):
    """skrub's own summary of the training table, a self-contained page."""
    from skrub import TableReport

    TableReport(data, title=f"Training data: {source}", verbose=0).write_html(path)


def _importance(trainer, holdout, notes):
    from sklearn.inspection import permutation_importance

    if not hasattr(holdout.model, "score"):
        notes.append("The model has no score method: no permutation importance.")
        return None
    X = holdout.X
    if hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
    elif getattr(trainer, "feature_names_in_", None) is not None:
        names = [str(c) for c in trainer.feature_names_in_]
    else:
        names = [f"feature {i}" for i in range(np.shape(X)[1])]
    try:
        found = permutation_importance(
            holdout.model, X, holdout.y_true, n_repeats=5, random_state=0
        )
    except Exception as exc:  # a model that cannot be scored so: a note, no chart
        notes.append(f"No permutation importance: {type(exc).__name__}: {exc}")
        return None
    return names, found.importances_mean, found.importances_std
