"""A plugin backend written against the 0.5 contract, as docs/backends.md
described it then: a ``BaseTrainingBackend`` with its own ``train``, using the
default hooks ``detect_problem_type``, ``split_data``, ``fit_model`` (its
own), ``evaluate`` and ``cross_validate``.  Kept unchanged: it must go on
working."""

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge

from easy_mlops.training import BaseTrainingBackend, TrainingRunResult
from easy_mlops.training.base import CrossValidationResult, DataSplit


class OldStylePlugin(BaseTrainingBackend):
    name = "old_style_plugin"
    config_keys = ("alpha",)

    def fit_model(self, X, y, sample_weight=None, *, problem_type):
        if problem_type == "classification":
            model = LogisticRegression(C=1 / self.config.get("alpha", 1.0))
        else:
            model = Ridge(alpha=self.config.get("alpha", 1.0))
        return model.fit(X, y, sample_weight=sample_weight)

    def train(self, X, y, sample_weight=None):
        problem_type = self.detect_problem_type(y)
        split = self.split_data(X, y, sample_weight, problem_type=problem_type)
        assert isinstance(split, DataSplit)
        holdout = self.fit_model(
            split.X_train, split.y_train, problem_type=problem_type
        )
        metrics = self.evaluate(
            holdout, split.X_test, split.y_test, problem_type=problem_type
        )
        cv = self.cross_validate(X, y, problem_type=problem_type)
        assert isinstance(cv, CrossValidationResult)
        final = self.fit_model(X, y, sample_weight, problem_type=problem_type)
        return TrainingRunResult(
            model=final,
            metrics={**metrics, "cv_mean": float(np.mean(cv.scores))},
            problem_type=problem_type,
            model_name=self.model_name(final),
            n_samples=len(y),
            n_features=X.shape[1],
            backend=self.name,
            cv_scores=list(cv.scores),
            scoring=cv.scoring,
            classes=np.unique(y) if problem_type == "classification" else None,
        )
