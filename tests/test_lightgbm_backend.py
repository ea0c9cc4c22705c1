"""The lightgbm backend."""

import numpy as np
import pytest

from easy_mlops import ModelTrainer

FEW_TREES = {"backend": "lightgbm", "model_params": {"n_estimators": 15}}


def test_listed_even_without_the_package():
    assert "lightgbm" in ModelTrainer.available_backends()


def test_classifier_and_regressor(classification_frame, regression_data, capfd):
    pytest.importorskip("lightgbm")
    X, y = classification_frame
    clf = ModelTrainer(FEW_TREES, cv_folds=2).fit(X, y)
    assert clf.training_result_.model_name == "LGBMClassifier"
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert clf.training_result_.model.n_estimators == 15
    assert clf.training_result_.model.random_state == 42
    reg = ModelTrainer(FEW_TREES, cv_folds=2).fit(*regression_data)
    assert reg.training_result_.model_name == "LGBMRegressor"
    assert "[LightGBM]" not in capfd.readouterr().out


def test_missing_package_gives_the_pip_command(without_package):
    out = without_package(
        "lightgbm",
        "import numpy as np\n"
        "from easy_mlops import ModelTrainer\n"
        "try:\n"
        "    ModelTrainer({'backend': 'lightgbm'}).fit(np.eye(4), [0, 1, 0, 1])\n"
        "except ImportError as e:\n"
        "    print(e)\n",
    )
    assert 'pip install "easy-mlops[lightgbm]"' in out
    assert "LGBMClassifier" in out


def test_model_types(classification_data):
    pytest.importorskip("lightgbm")
    trainer = ModelTrainer({**FEW_TREES, "model_type": "lgbm_classifier"}, cv_folds=0)
    assert np.isin(
        trainer.fit(*classification_data).predict(classification_data[0]), [0, 1]
    ).all()
    with pytest.raises(ValueError, match="does regression only"):
        ModelTrainer(
            {**FEW_TREES, "model_type": "lgbm_regressor"}, problem_type="classification"
        ).fit(*classification_data)
