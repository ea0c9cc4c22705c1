"""Real tables: skrub's preprocessing inside every fit, and raw tables at predict."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skrub import tabular_pipeline

from easy_mlops import ModelTrainer, load_model
from easy_mlops.training import EasyMLOpsWarning
from easy_mlops.training.preprocessing import (
    column_treatment,
    identifier_columns,
    resolve_preprocessing,
)

FAST = {"model_params": {"n_estimators": 15}}


def mixed_table(n=160, seed=0):
    """A raw table as users have it: every kind of column, with gaps."""
    rng = np.random.default_rng(seed)
    size = rng.normal(50, 10, n)
    city = rng.choice(
        ["Paris", "Lyon", "Nice", "Paris ", "paris"], n, p=[0.4, 0.3, 0.2, 0.05, 0.05]
    )
    words = ["great", "poor", "fine", "awful", "superb", "ok", "bad", "nice"]
    review = [" ".join(rng.choice(words, 4)) + f" #{i}" for i in range(n)]
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + n),
            "size": size,
            "city": city,
            "grade": pd.Categorical(rng.choice(["A", "B", "C"], n)),
            "joined": pd.date_range("2019-01-01", periods=n, freq="3D").strftime(
                "%Y-%m-%d"
            ),
            "member": rng.choice([True, False], n),
            "rooms": [str(v) if v % 9 else "?" for v in rng.integers(1, 8, n)],
            "review": review,
            "blank": [None] * n,
        }
    )
    frame.loc[rng.choice(n, 15, replace=False), "size"] = np.nan
    frame.loc[rng.choice(n, 10, replace=False), "city"] = None
    label = np.where((size > 50) ^ (frame["city"] == "Lyon"), "yes", "no")
    return frame, pd.Series(label, name="bought")


@pytest.fixture(scope="module")
def table():
    return mixed_table()


@pytest.fixture(scope="module")
def fitted(table):
    X, y = table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EasyMLOpsWarning)
        return ModelTrainer(FAST, cv_folds=3).fit(X, y)


def test_raw_table_trains_with_the_skrub_pipeline_for_the_model(fitted, table):
    X, _ = table
    model = fitted.training_result_.model
    assert isinstance(model, Pipeline)
    assert type(model.steps[0][1]).__name__ == "TableVectorizer"
    assert isinstance(model.steps[-1][1], RandomForestClassifier)
    assert list(fitted.feature_names_in_) == list(X.columns)
    assert fitted.training_result_.model_name == "RandomForestClassifier"
    assert fitted.training_result_.target_name == "bought"
    assert "non-numeric" in fitted.training_result_.preprocessing


def test_column_treatment_says_what_each_raw_column_became(fitted):
    treatment = fitted.training_result_.column_treatment
    assert treatment == {
        "customer_id": "numeric",
        "size": "numeric",
        "city": "categorical",
        "grade": "categorical",
        "joined": "datetime",
        "member": "numeric",
        "rooms": "numeric",
        "review": "text",
        "blank": "dropped",
    }
    assert fitted.training_result_.column_reasons["blank"] == "all values are missing"
    assert fitted.training_result_.to_dict()["column_treatment"] == treatment


def test_cv_scores_equal_the_hand_written_skrub_pipeline_fitted_per_fold(fitted, table):
    # The vectorizer (its text embedding above all) is fitted inside each
    # fold: fitting it once on all rows would give other scores.
    X, y = table
    pipe = tabular_pipeline(RandomForestClassifier(n_estimators=15, random_state=42))
    pipe.set_params(tablevectorizer__high_cardinality__random_state=42)
    reference = cross_val_score(
        pipe,
        X,
        y,
        cv=StratifiedKFold(3, shuffle=True, random_state=42),
    )
    np.testing.assert_allclose(fitted.training_result_.cv_scores, reference)


def test_holdout_metrics_equal_the_hand_written_split(fitted, table):
    X, y = table
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, shuffle=True, stratify=y, random_state=42
    )
    pipe = tabular_pipeline(RandomForestClassifier(n_estimators=15, random_state=42))
    pipe.set_params(tablevectorizer__high_cardinality__random_state=42)
    y_pred = pipe.fit(X_train, y_train).predict(X_test)
    metrics = fitted.training_result_.metrics
    assert metrics["accuracy"] == pytest.approx(accuracy_score(y_test, y_pred))
    assert metrics["f1_score"] == pytest.approx(
        f1_score(y_test, y_pred, average="weighted")
    )


def test_predict_matches_columns_by_name_and_takes_new_values(fitted, table):
    X, _ = table
    expected = fitted.predict(X)
    shuffled = X[list(reversed(X.columns))].assign(extra=1)
    np.testing.assert_array_equal(fitted.predict(shuffled), expected)
    new = X.head(3).copy()
    new["city"] = ["Marseille", "Lille", None]
    new["review"] = ["never seen words", "unknown text here", ""]
    new["grade"] = new["grade"].cat.add_categories("Z").astype(object)
    new.loc[new.index[0], "grade"] = "Z"
    assert fitted.predict(new).shape == (3,)
    assert fitted.predict_proba(new).shape == (3, 2)


def test_predict_names_a_missing_column_and_refuses_arrays(fitted, table):
    X, _ = table
    with pytest.raises(ValueError, match=r"missing the column\(s\) \['city'\]"):
        fitted.predict(X.drop(columns="city"))
    with pytest.raises(ValueError, match="pass a pandas or polars DataFrame"):
        fitted.predict(X.to_numpy())


def test_score_and_save_load_take_raw_tables(fitted, table, tmp_path):
    X, y = table
    assert fitted.score(X, y) == pytest.approx(accuracy_score(y, fitted.predict(X)))
    path = fitted.save_model(tmp_path / "raw.easymlops")
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X.iloc[:, ::-1]), fitted.predict(X))
    assert loaded.training_result_.column_treatment == (
        fitted.training_result_.column_treatment
    )


def test_numeric_input_takes_todays_path_unchanged(classification_data):
    X, y = classification_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    auto = ModelTrainer(FAST, cv_folds=3).fit(frame, y)
    none = ModelTrainer(FAST, cv_folds=3, preprocessing="none").fit(frame, y)
    assert not isinstance(auto.training_result_.model, Pipeline)
    assert auto.training_result_.preprocessing == ""
    assert auto.training_result_.column_treatment is None
    assert auto.training_result_.metrics == none.training_result_.metrics
    array = ModelTrainer(FAST, cv_folds=3).fit(X, y)
    assert array.training_result_.metrics == none.training_result_.metrics


def test_missing_numbers_are_imputed_only_for_models_without_nan_support(
    classification_data,
):
    X, y = classification_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame.iloc[::7, 1] = np.nan
    linear = ModelTrainer(model_type="logistic_regression", cv_folds=2).fit(frame, y)
    steps = [type(step).__name__ for _, step in linear.training_result_.model.steps]
    assert steps == [
        "TableVectorizer",
        "SimpleImputer",
        "SquashingScaler",
        "LogisticRegression",
    ]
    assert "missing values" in linear.training_result_.preprocessing
    forest = ModelTrainer(FAST, cv_folds=2).fit(frame, y)
    assert not isinstance(forest.training_result_.model, Pipeline)


def test_preprocessing_none_refuses_text_and_names_the_way_out(table):
    X, y = table
    with pytest.raises(
        ValueError, match=r"non-numeric columns \[.*'city'.*preprocessing='auto'"
    ):
        ModelTrainer(FAST, preprocessing="none").fit(X, y)


def test_a_transformer_is_cloned_and_put_in_front_of_the_model(classification_data):
    X, y = classification_data
    scaler = StandardScaler()
    trainer = ModelTrainer(
        {"model_type": "logistic_regression"}, preprocessing=scaler, cv_folds=2
    ).fit(X, y)
    model = trainer.training_result_.model
    assert isinstance(model, Pipeline)
    assert isinstance(model.steps[0][1], StandardScaler)
    assert model.steps[0][1] is not scaler
    assert not hasattr(scaler, "mean_")
    np.testing.assert_allclose(model.steps[0][1].mean_, X.mean(axis=0))
    assert clone(trainer).get_params()["preprocessing"] is not scaler


def test_sample_weight_reaches_the_model_behind_the_pipeline(table):
    X, y = table
    weights = np.where(y == "yes", 3.0, 1.0)
    trainer = ModelTrainer(FAST, cv_folds=0, test_size=0, refit=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EasyMLOpsWarning)
        trainer.fit(X, y, sample_weight=weights)
    reference = tabular_pipeline(
        RandomForestClassifier(n_estimators=15, random_state=42)
    ).set_params(tablevectorizer__high_cardinality__random_state=42)
    reference.fit(X, y, randomforestclassifier__sample_weight=weights)
    np.testing.assert_array_equal(trainer.predict(X), reference.predict(X))


def test_duplicate_column_names_are_named(table):
    X, y = table
    duplicated = pd.concat([X[["size", "city"]], X[["city"]]], axis=1)
    with pytest.raises(ValueError, match=r"duplicate column names \['city'\]"):
        ModelTrainer(FAST).fit(duplicated, y)


def test_a_counter_column_gets_a_warning_naming_it(table):
    X, y = table
    with pytest.warns(EasyMLOpsWarning) as record:
        ModelTrainer(FAST, cv_folds=2).fit(X, y)
    flagged = sorted(
        str(w.message).split("'")[1]
        for w in record
        if "holds a different value" in str(w.message)
    )
    # Dates are unique per row too, but they are read as dates, not names;
    # the reviews are unique free text, not codes.
    assert flagged == ["customer_id"]
    assert identifier_columns(X) == ["customer_id", "joined"]
    assert identifier_columns(X[["size"]]) == []


def test_counters_and_codes_are_flagged_but_not_measurements():
    rng = np.random.default_rng(0)
    n = 60
    kept = np.sort(rng.choice(90, n, replace=False))
    X = pd.DataFrame(
        {
            # A row number after a third of the rows were dropped, shuffled.
            "row": rng.permutation(kept),
            "code": [f"SKU-{i:05d}/b" for i in rng.permutation(n)],
            # Distinct whole numbers that rise by irregular steps: a monthly
            # population count is a measurement.
            "population": 1_000_000 + np.cumsum(rng.integers(50, 4000, n)),
            # Unique whole numbers in steps of 7: not a counter either.
            "income": rng.permutation(np.arange(20_000, 20_000 + 7 * n, 7)),
            "words": [f"a note {i}" for i in range(n)],
            "small": rng.integers(0, 5, n),
        }
    )
    assert np.mean(np.diff(kept) == 1) > 0.5
    assert identifier_columns(X) == ["row", "code"]
    assert identifier_columns(X.iloc[::-1]) == ["row", "code"]
    assert identifier_columns(X.assign(row=kept * 3)) == ["code"]


def test_column_reasons_fit_the_column_kind(fitted):
    reasons = fitted.training_result_.column_reasons
    assert reasons["member"] == "true or false: encoded as 1 and 0"
    assert reasons["rooms"] == "numbers written as text: parsed as numbers"
    assert reasons["size"] == "numbers"


def test_a_numeric_table_row_counter_is_warned_about(classification_frame):
    X, y = classification_frame
    X = X.assign(record_id=np.arange(100, 100 + len(X)))
    with pytest.warns(EasyMLOpsWarning, match="Column 'record_id' holds a different"):
        ModelTrainer(FAST, cv_folds=2).fit(X, y)
    # Without the counter the same numeric table fits without that warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", EasyMLOpsWarning)
        ModelTrainer(FAST, cv_folds=2).fit(X.drop(columns="record_id"), y)


def test_callable_backends_receive_the_table_as_given(table):
    X, y = table
    seen = []

    def build_model(config, problem_type):
        return {}

    def train_fn(model, X, y, config):
        seen.append(type(X))
        model["majority"] = pd.Series(y).mode()[0]

    def predict_fn(model, X):
        return np.full(len(X), model["majority"])

    config = {
        "backend": "callable",
        "build_model": build_model,
        "train_fn": train_fn,
        "predict_fn": predict_fn,
        "cv_folds": 2,
    }
    ModelTrainer(config).fit(X, y)
    assert seen and all(kind is pd.DataFrame for kind in seen)


def test_resolve_preprocessing_decisions(table):
    X, _ = table
    assert (
        resolve_preprocessing("none", X, accepts_raw_input=False, allow_nan=False)
        is None
    )
    assert (
        resolve_preprocessing("auto", X, accepts_raw_input=True, allow_nan=False)
        is None
    )
    assert (
        resolve_preprocessing(
            "auto", X.to_numpy(), accepts_raw_input=False, allow_nan=False
        )
        is None
    )
    decision = resolve_preprocessing("auto", X, accepts_raw_input=False, allow_nan=True)
    assert decision.kind == "skrub"
    only_bool = X[["member"]]
    assert (
        resolve_preprocessing(
            "auto", only_bool, accepts_raw_input=False, allow_nan=True
        ).kind
        == "skrub"
    )
    assert column_treatment(RandomForestClassifier(), ["a"]) == (None, {})


def test_polars_frames_train_and_predict(table):
    pl = pytest.importorskip("polars")
    X, y = table
    frame = pl.from_pandas(X.drop(columns=["grade"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EasyMLOpsWarning)
        trainer = ModelTrainer(FAST, cv_folds=2).fit(frame, y.to_numpy())
    assert trainer.training_result_.column_treatment["city"] == "categorical"
    reordered = frame.select(list(reversed(frame.columns)))
    np.testing.assert_array_equal(trainer.predict(reordered), trainer.predict(frame))


COLUMN_KINDS = st.sampled_from(["number", "category", "bool", "date", "text_number"])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    kinds=st.lists(COLUMN_KINDS, min_size=1, max_size=4),
    missing=st.floats(0, 0.4),
    seed=st.integers(0, 10_000),
)
def test_any_mix_of_column_kinds_and_gaps_trains_and_predicts_by_name(
    kinds, missing, seed
):
    rng = np.random.default_rng(seed)
    n = 40
    columns = {}
    for i, kind in enumerate(kinds):
        if kind == "number":
            values = rng.normal(size=n).astype(object)
        elif kind == "category":
            values = rng.choice(["a", "b", "c"], n).astype(object)
        elif kind == "bool":
            values = rng.choice([True, False], n).astype(object)
        elif kind == "date":
            values = pd.date_range("2020-01-01", periods=n).strftime("%Y-%m-%d")
            values = np.asarray(values, dtype=object)
        else:
            values = np.asarray([str(v) for v in rng.integers(0, 9, n)], dtype=object)
        gaps = rng.random(n) < missing
        values[gaps] = None
        columns[f"{kind}_{i}"] = values
    X = pd.DataFrame(columns).infer_objects()
    y = np.tile(["p", "q"], n // 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = ModelTrainer(FAST, cv_folds=2, test_size=0.25).fit(X, y)
    predictions = trainer.predict(X[list(reversed(X.columns))])
    np.testing.assert_array_equal(predictions, trainer.predict(X))
    assert set(predictions) <= {"p", "q"}
    if trainer.training_result_.column_treatment is not None:
        assert set(trainer.training_result_.column_treatment) == set(X.columns)


def test_a_user_pipeline_ending_in_a_trainer_is_one_artifact(table, tmp_path):
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from easy_mlops import inspect_model, save_model
    from easy_mlops.training import ModelSaveError

    X, y = table
    X = X[["size", "city"]].fillna({"size": 0.0, "city": "unknown"})
    pipe = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["city"]), remainder="passthrough"
        ),
        ModelTrainer(FAST, cv_folds=2),
    ).fit(X, y)
    path = save_model(pipe, tmp_path / "pipe.easymlops")
    loaded = load_model(path)
    assert isinstance(loaded, Pipeline)
    assert isinstance(loaded.steps[-1][1], ModelTrainer)
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    manifest = inspect_model(path)
    assert manifest["pipeline"] == ["columntransformer", "modeltrainer"]
    assert manifest["feature_names"] == ["size", "city"]
    with pytest.raises(ModelSaveError, match="format='joblib' only"):
        save_model(pipe, tmp_path / "pipe.skops", format="skops")
    with pytest.raises(ModelSaveError, match="last step is StandardScaler"):
        save_model(make_pipeline(StandardScaler()), tmp_path / "bad.easymlops")
    assert not (tmp_path / "bad.easymlops").exists()


def test_a_transformer_reaches_callable_backends_and_is_saved(tmp_path):
    from sklearn.preprocessing import OneHotEncoder

    X = pd.DataFrame({"colour": ["red", "blue", "green", "red"] * 10})
    y = np.tile([1.0, 2.0, 3.0, 1.0], 10)
    seen = []

    def build_model(config, problem_type):
        return {}

    def train_fn(model, X, y, config):
        seen.append(np.asarray(X).shape)
        model["coef"] = np.linalg.lstsq(np.asarray(X), y, rcond=None)[0]

    def predict_fn(model, X):
        return np.asarray(X) @ model["coef"]

    config = {
        "backend": "callable",
        "build_model": build_model,
        "train_fn": train_fn,
        "predict_fn": predict_fn,
        "problem_type": "regression",
        "cv_folds": 2,
    }
    encoder = OneHotEncoder(sparse_output=False)
    trainer = ModelTrainer(config, preprocessing=encoder).fit(X, y)
    assert seen and all(shape[1] == 3 for shape in seen)  # one-hot, not raw
    np.testing.assert_allclose(trainer.predict(X), y)
    assert trainer.training_result_.model_name == "dict"
    loaded = load_model(trainer.save_model(tmp_path / "callable.easymlops"))
    np.testing.assert_allclose(loaded.predict(X.iloc[::-1]), y[::-1])
