"""prediction_frame: predictions that join back to their rows."""

import numpy as np
import pytest

from easy_mlops import ModelTrainer
from easy_mlops.predictions import prediction_frame


def test_the_frame_keeps_the_index_and_the_probabilities(classification_frame):
    X, y = classification_frame
    X = X.set_axis(X.index * 3 + 100)
    model = ModelTrainer(model_type="logistic_regression", cv_folds=0).fit(X, y)
    frame = prediction_frame(model, X.iloc[::2], proba=True)
    assert frame.index.tolist() == X.index[::2].tolist()
    assert frame.columns.tolist() == ["prediction", "proba_no", "proba_yes"]
    np.testing.assert_array_equal(frame["prediction"], model.predict(X.iloc[::2]))
    np.testing.assert_array_equal(
        frame[["proba_no", "proba_yes"]], model.predict_proba(X.iloc[::2])
    )
    joined = X[["feature_0"]].join(frame)
    assert joined["prediction"].notna().sum() == len(frame)


def test_probabilities_of_a_regressor_are_refused(regression_data):
    X, y = regression_data
    model = ModelTrainer(model_type="linear_regression", cv_folds=0).fit(X, y)
    assert prediction_frame(model, X[:3]).index.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="has no predict_proba"):
        prediction_frame(model, X, proba=True)
