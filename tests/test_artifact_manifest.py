"""The manifest tells a reader how to feed a raw table, and save_model refuses
what it cannot save."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

from easy_mlops import ModelTrainer
from easy_mlops.training import ModelSaveError, inspect_model


def raw_table(n=80, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "city": rng.choice(["Paris", "Lyon", "Nice"], n),
            "joined": pd.date_range("2020-01-01", periods=n, freq="D"),
        }
    )
    frame.loc[::7, "age"] = np.nan
    target = pd.Series(np.where(rng.random(n) > 0.5, "yes", "no"), name="churn")
    return frame, target


def test_the_manifest_records_the_target_and_the_columns(tmp_path):
    X, y = raw_table()
    trainer = ModelTrainer(
        model_type="random_forest_classifier",
        cv_folds=2,
        model_params={"n_estimators": 5},
    ).fit(X, y)
    manifest = inspect_model(trainer.save_model(tmp_path / "m"))
    assert manifest["target_name"] == "churn"
    assert manifest["feature_names"] == ["age", "city", "joined"]
    assert manifest["column_treatment"] == trainer.training_result_.column_treatment
    assert set(manifest["column_treatment"]) == {"age", "city", "joined"}
    assert manifest["preprocessing"] == trainer.training_result_.preprocessing != ""
    assert manifest["id_columns"] == []


def test_save_model_refuses_an_estimator_that_is_not_a_trainer(tmp_path):
    forest = RandomForestClassifier(n_estimators=2).fit([[0], [1]], [0, 1])
    target = tmp_path / "forest.model"
    with pytest.raises(ModelSaveError, match="RandomForestClassifier.*joblib.dump"):
        from easy_mlops.training.persistence import save_model

        save_model(forest, target)
    assert not target.exists()
