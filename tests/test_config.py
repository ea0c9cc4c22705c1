"""YAML configs: loading, validation messages, isolation and the init template."""

import copy
import re
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from easy_mlops import ModelTrainer
from easy_mlops.config import (
    ConfigError,
    default_config_text,
    describe_allowed,
    load_config,
    validate_config,
    write_default_config,
)
from easy_mlops.training import registry
from easy_mlops.training.settings import DEFAULTS, SHARED_KEYS, resolve_settings

ROOT = Path(__file__).resolve().parents[1]

OLD_SNIPPETS = {
    "sklearn": (
        "training:\n  backend: sklearn\n  model_type: logistic_regression\n"
        "  test_size: 0.3\n  cv_folds: 10\n  random_state: 123\n"
    ),
    "neural_network": (
        "training:\n  backend: neural_network\n  hidden_layer_sizes: [128, 64, 32]\n"
        "  activation: relu\n  solver: adam\n  max_iter: 500\n  test_size: 0.15\n"
        "  cv_folds: 0\n"
    ),
}


def write(tmp_path, text, name="config.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("backend", sorted(OLD_SNIPPETS))
def test_old_documentation_snippets_load_and_train(
    backend, tmp_path, classification_data
):
    if backend not in registry.available_backends():
        pytest.skip(f"the {backend} backend is not registered")
    trainer = ModelTrainer.from_yaml(write(tmp_path, OLD_SNIPPETS[backend]))
    assert trainer.config["backend"] == backend
    X, y = classification_data
    summary = trainer.train(X, y)
    assert summary["backend"] == backend
    assert summary["problem_type"] == "classification"


def test_bare_mapping_and_whole_config_give_the_same_settings():
    bare = {"model_type": "logistic_regression", "cv_folds": 3}
    whole = {"data": {"source": "x.csv"}, "training": bare, "deployment": None}
    assert validate_config(bare) == validate_config(whole) == bare
    assert ModelTrainer.from_config(whole).config == bare


@pytest.mark.parametrize(
    "text, key, message",
    [
        (
            "training:\n  test_size: 1.5\n",
            "training.test_size",
            "config.yaml, line 2: training.test_size must be a float in [0, 1); "
            "got 1.5",
        ),
        (
            "training:\n  backend: sklearn\n  cv_fold: 3\n",
            "training.cv_fold",
            "line 3: training.cv_fold is not a setting of backend 'sklearn'; "
            "did you mean 'cv_folds'?",
        ),
        (
            "backend: sklean\n",
            "training.backend",
            "line 1: training.backend must be one of ",
        ),
        (
            "model_type: logistic\n",
            "training.model_type",
            "got 'logistic'; did you mean 'logistic_regression'?",
        ),
        (
            "problem_type: classif\n",
            "training.problem_type",
            "must be one of 'auto', 'classification', 'regression'; got 'classif'",
        ),
        ("refit: maybe\n", "training.refit", "must be true or false; got 'maybe'"),
        ("cv_folds: -1\n", "training.cv_folds", "must be an int >= 0; got -1"),
        (
            "n_jobs: 1.5\n",
            "training.n_jobs",
            "must be an int <= -1, an int >= 1 or null; got 1.5",
        ),
        (
            "training:\n  cv_folds: 2\ncv_folds: 3\n",
            "cv_folds",
            "line 3: cv_folds is a training setting but sits at the top level",
        ),
        ("training: [1, 2]\n", "training", "training must be a mapping"),
        (
            "model_params:\n  n_estimator: 3\n",
            "training",
            "Did you mean 'n_estimators'?",
        ),
        (
            "model_type: logistic_regression\nproblem_type: regression\n",
            "training",
            "does classification only",
        ),
    ],
)
def test_invalid_settings_name_key_allowed_values_and_given_value(
    tmp_path, text, key, message
):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert message in str(info.value)
    assert info.value.key == key
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "key, value",
    [
        ("cv_folds", True),
        ("test_size", False),
        ("n_jobs", True),
        ("random_state", True),
    ],
)
def test_a_boolean_is_not_a_number(tmp_path, classification_data, key, value):
    text = f"{key}: {str(value).lower()}\n"
    with pytest.raises(ConfigError, match=f"training.{key} must be .*; got {value}"):
        load_config(write(tmp_path, text))
    with pytest.raises(ValueError, match=f"The '{key}' parameter of ModelTrainer"):
        ModelTrainer(**{key: value}).fit(*classification_data)
    with pytest.raises(ValueError, match=f"The '{key}' parameter of ModelTrainer"):
        ModelTrainer({key: value}).fit(*classification_data)


def test_a_whole_config_given_to_model_trainer_points_to_from_config(
    classification_data,
):
    whole = {"training": {"cv_folds": 2}}
    with pytest.raises(ValueError, match=r"ModelTrainer.from_config\(config\)"):
        ModelTrainer(whole).fit(*classification_data)
    for backend in ("sklearn", "callable"):
        with pytest.raises(ValueError, match="holds a 'training' key"):
            resolve_settings({"backend": backend, "training": {}}, {})
    assert ModelTrainer.from_config(whole).config == {"cv_folds": 2}


def test_mapping_errors_have_no_file_location():
    with pytest.raises(ConfigError, match=r"^training\.test_size must be a float"):
        ModelTrainer.from_config({"test_size": 1.5})
    with pytest.raises(ConfigError, match="must be a mapping of keys to values"):
        validate_config(["backend", "sklearn"])


def test_key_of_another_backend_says_which_backend_it_belongs_to():
    sklearn_keys = registry.get_backend("sklearn").config_keys
    owned = [
        (key, name)
        for name in registry.available_backends()
        for key in registry.get_backend(name).config_keys or ()
        if key not in sklearn_keys
    ]
    if not owned:
        pytest.skip("no other backend with keys of its own is registered")
    key, name = owned[0]
    with pytest.raises(ConfigError, match=f"it is a key of backend .*'{name}'"):
        validate_config({"backend": "sklearn", key: None})


@pytest.mark.parametrize(
    "text, line",
    [
        ("training:\n  cv_folds: [1, 2\n", 3),
        ("training:\n  cv_folds: 3\n   test_size: 0.2\n", 3),
        ("training:\n\tcv_folds: 3\n", 2),
    ],
)
def test_yaml_syntax_errors_give_file_and_line(tmp_path, text, line):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"invalid YAML") as info:
        load_config(path)
    assert info.value.source == str(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}, line {line}: ")


def test_a_yaml_syntax_error_says_what_the_parser_expected(tmp_path):
    path = write(tmp_path, "training:\n  cv_folds: [1, 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}, line 3: invalid YAML: while parsing a flow sequence expected ',' "
        "or ']', but got '<stream end>'"
    )


NOT_UTF8 = (
    "the file is not UTF-8 text: the byte 0xe9 cannot be read. Save the config as "
    "UTF-8 text."
)
NUL = (
    "the file holds a NUL character (\\x00), so it is not a text file. Save the "
    "config as plain text."
)
CONTROL = (
    "invalid YAML: special characters are not allowed (character U+0007); a config "
    "holds printable text only. Remove the character."
)


@pytest.mark.parametrize(
    "data, line, message",
    [
        (b"training:\n  model_type: caf\xe9\n", 2, NOT_UTF8),
        (b"\n\ntraining:\n  model_type: caf\xe9\n", 4, NOT_UTF8),
        (b"training:\n\n  cv_folds: 3\x00\n", 3, NUL),
        (b"\na: 1\x00\nb: 2\x00\n", 2, NUL),
        (b"training:\n  model_type: a\x07b\n", 2, CONTROL),
        (b"\ntraining:\n  model_type: a\x07b\n", 3, CONTROL),
    ],
    ids=[
        "latin-1",
        "latin-1-after-blank-lines",
        "nul",
        "first-of-two-nuls",
        "control",
        "control-after-a-blank-line",
    ],
)
def test_bytes_that_are_not_text_name_file_and_line(tmp_path, data, line, message):
    path = tmp_path / "config.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}, line {line}: {message}"
    assert (info.value.source, info.value.line) == (str(path), line)


def test_an_integer_too_long_to_parse_names_key_and_line(tmp_path):
    path = write(tmp_path, "training:\n  cv_folds: 2\n  random_state: " + "9" * 5000)
    with pytest.raises(ConfigError, match="integer of 5000 characters") as info:
        load_config(path)
    assert info.value.key == "training.random_state"
    assert info.value.line == 3


def test_nesting_is_limited_and_aliases_are_counted_once_expanded(tmp_path):
    deep = "training:\n  backend: callable\n  x: " + "[" * 51 + "]" * 51 + "\n"
    with pytest.raises(ConfigError, match="nested more than 50 levels deep"):
        load_config(write(tmp_path, deep))
    # Aliases to one list make a deep value out of shallow text.
    chain = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 51)]
    with pytest.raises(ConfigError, match="nested more than 50 levels deep"):
        load_config(write(tmp_path, "\n".join(chain) + "\n"))
    # Aliases within the limits load as usual.
    shared = (
        "weights: &weights {0: 1, 1: 2}\n"
        "training:\n  problem_type: classification\n"
        "  model_params:\n    class_weight: *weights\n"
    )
    assert load_config(write(tmp_path, shared))["model_params"] == {
        "class_weight": {0: 1, 1: 2}
    }


def test_a_repeated_key_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"given twice \(lines 2 and 3\)"):
        load_config(write(tmp_path, "training:\n  cv_folds: 3\n  cv_folds: 4\n"))


def test_empty_file_and_empty_section_mean_the_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == {}
    assert load_config(write(tmp_path, "training:\n")) == {}


def test_exponent_without_a_dot_is_a_float(tmp_path):
    assert load_config(write(tmp_path, "test_size: 2e-1\n")) == {"test_size": 0.2}


def test_loading_one_config_never_changes_the_next(tmp_path):
    source = {"training": {"cv_folds": 2, "model_params": {"n_estimators": 7}}}
    kept = copy.deepcopy(source)
    first = ModelTrainer.from_config(source)
    first.config["model_params"]["n_estimators"] = 99
    first.config["test_size"] = 0.5
    assert source == kept

    load_config(write(tmp_path, "cv_folds: 2\nmodel_params:\n  max_depth: 3\n"))
    second = load_config(write(tmp_path, "", name="empty.yaml"))
    assert second == {}
    assert resolve_settings(second, {}) == DEFAULTS


def test_init_template_loads_back_to_the_defaults(tmp_path):
    path = write_default_config(tmp_path / "easy-mlops.yaml")
    assert load_config(path) == DEFAULTS
    assert ModelTrainer.from_yaml(path).config == DEFAULTS
    text = path.read_text(encoding="utf-8")
    assert all(f"\n  {key}: " in text for key in SHARED_KEYS)
    with pytest.raises(FileExistsError):
        write_default_config(path)
    assert write_default_config(path, overwrite=True) == path


def yaml_blocks(path):
    return re.findall(r"^```yaml\n(.*?)^```", path.read_text("utf-8"), re.S | re.M)


def test_documented_yaml_configs_load(tmp_path):
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    blocks = [block for path in documents for block in yaml_blocks(path)]
    assert blocks, "the documentation shows no YAML config"
    for block in blocks:
        load_config(write(tmp_path, block))


def test_configuration_page_shows_the_init_template():
    page = ROOT / "docs" / "configuration.md"
    assert default_config_text() in yaml_blocks(page)


def test_configuration_page_lists_each_backends_keys():
    """The backend-key table of the configuration page is the registry's."""
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*?) \|$", text, re.M))
    for name in registry.available_backends():
        backend = registry.get_backend(name)
        # Backends that tests, doctests and doc pages register are not shipped.
        module = sys.modules.get(backend.__module__)
        shipped = backend.__module__.startswith("easy_mlops.")
        if not shipped or getattr(module, backend.__qualname__, None) is not backend:
            continue
        assert name in rows, f"docs/configuration.md has no row for backend {name!r}"
        documented = re.findall(r"`(\w+)`", rows[name])
        assert documented == list(backend.config_keys or ()), name


# -- the checks of a YAML file, at their limits --------------------------------------


@contextmanager
def within_seconds(seconds):
    """Fail instead of hanging: a loop in a config must be refused, not walked."""

    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def refused(path):
    """The ConfigError of ``load_config(path)``, checked to name the file."""
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert error.source == str(path)
    assert str(error).startswith(f"{path}, line {error.line}: ")
    return error


def test_a_yaml_loop_is_refused_at_its_line(tmp_path):
    path = write(tmp_path, "training:\n  backend: callable\n  x: &a [1, *a]\n")
    with within_seconds(2):
        error = refused(path)
    assert str(error) == (
        f"{path}, line 3: the YAML refers to itself through an alias (*name inside "
        "the &name it names); a config cannot hold a loop."
    )


def aliased(n_shared, n_copies, n_more):
    """A whole config whose ``data`` expands to many values through one alias.

    Counted as _check_node_graph counts (every node, keys included): the
    root, its 3 keys, ``shared`` (1 + n_shared), ``data`` (1 + n_copies
    times shared, plus n_more scalars) and the empty ``training`` mapping.
    """
    zeros = ", ".join(["0"] * n_shared)
    copies = ", ".join(["*shared"] * n_copies + ["0"] * n_more)
    text = f"shared: &shared [{zeros}]\ndata: [{copies}]\ntraining: {{}}\n"
    size = 1 + 3 + (1 + n_shared) + (1 + n_copies * (1 + n_shared) + n_more) + 1
    return text, size


def test_aliases_may_expand_to_100000_values_and_no_more(tmp_path):
    text, size = aliased(999, 98, 994)
    assert size == 100_000
    assert load_config(write(tmp_path, text)) == {}
    text, size = aliased(999, 98, 995)
    error = refused(write(tmp_path, text))
    assert str(error) == (
        f"{tmp_path / 'config.yaml'}, line 1: the YAML expands to more than 100000 "
        "values through its aliases (*name); a config needs far less. Write the "
        "values out, with fewer aliases and levels."
    )


def alias_chain(n):
    """Lists nested n + 2 deep through aliases, in a config nested n + 3 deep."""
    chain = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, n + 1)]
    return "\n".join(chain) + "\ntraining: {}\n"


def test_nesting_through_aliases_is_limited_to_50_levels(tmp_path):
    assert load_config(write(tmp_path, alias_chain(47))) == {}
    error = refused(write(tmp_path, alias_chain(48)))
    assert error.line == 1
    error = refused(write(tmp_path, alias_chain(49)))
    assert str(error) == (
        f"{tmp_path / 'config.yaml'}, line 50: the YAML is nested more than 50 "
        "levels deep; a config needs far less. Write the values out, with fewer "
        "aliases and levels."
    )


def test_integers_of_up_to_100_characters_are_read(tmp_path):
    text = "big: " + "9" * 100 + "\nnote: " + "x" * 300 + "\ntraining: {}\n"
    assert load_config(write(tmp_path, text)) == {}
    error = refused(write(tmp_path, "training: {}\ndata:\n  big: -" + "9" * 100))
    assert str(error) == (
        f"{tmp_path / 'config.yaml'}, line 3: data.big is an integer of 101 "
        "characters; no setting takes one of more than 100 digits. Check the value."
    )
    assert error.key == "data.big"
    error = refused(write(tmp_path, "\n" + "9" * 101 + "\n"))
    assert str(error).endswith(
        ", line 2: the document is an integer of 101 characters; no setting takes "
        "one of more than 100 digits. Check the value."
    )
    assert error.key is None


@pytest.mark.parametrize(
    "text, key, lines",
    [
        ("training:\n  cv_folds: 3\n  cv_folds: 4\n", "training.cv_folds", (2, 3)),
        ("a: 1\n\na: 2\ntraining: {}\n", "a", (1, 3)),
        (
            "data:\n  ? [a]\n  : 1\n  x: 1\n  x: 2\ntraining: {}\n",
            "data.x",
            (4, 5),
        ),
        (
            "data:\n  inner: {x: 1}\n  more:\n    x: 1\n    y: 2\n    y: 3\n",
            "data.more.y",
            (5, 6),
        ),
    ],
    ids=["training", "top-level", "after-a-list-key", "nested"],
)
def test_a_repeated_key_names_both_lines(tmp_path, text, key, lines):
    error = refused(write(tmp_path, text))
    first, second = lines
    assert str(error) == (
        f"{tmp_path / 'config.yaml'}, line {second}: {key} is given twice (lines "
        f"{first} and {second}); keep one."
    )
    assert (error.key, error.line) == (key, second)


@pytest.mark.parametrize(
    "text, line",
    [
        ("training:\n  backend: sklearn\n\n  test_size: 1.5\n", 4),
        ("data:\n  x: 1\ntraining:\n  model_params: {}\n  test_size: 1.5\n", 5),
        ("# a comment\n\ntest_size: 1.5\n", 3),
    ],
)
def test_a_setting_error_gives_the_line_of_its_key(tmp_path, text, line):
    error = refused(write(tmp_path, text))
    assert error.line == line
    assert str(error).endswith("training.test_size must be a float in [0, 1); got 1.5")


@pytest.mark.parametrize(
    "key, words",
    [
        ("test_size", "a float in [0, 1)"),
        ("problem_type", "one of 'auto', 'classification', 'regression'"),
        ("n_jobs", "an int <= -1, an int >= 1 or null"),
        ("inner_threads", "'auto' or an int >= 1"),
        ("cv_folds", "an int >= 0"),
        ("refit", "true or false"),
        ("random_state", "an int in [0, 4294967295] or null"),
        ("preprocessing", "one of 'auto', 'none'"),
    ],
)
def test_describe_allowed_says_what_a_setting_takes(key, words):
    assert describe_allowed(key) == words


def test_an_error_in_an_aliased_section_names_its_line(tmp_path):
    # The section is written once under an anchor and used through an alias:
    # the error still names the line of the bad key.
    path = tmp_path / "aliased.yaml"
    path.write_text(
        "defaults: &shared\n"
        "  model_type: logistic_regression\n"
        "  test_size: 1.5\n"
        "training: *shared\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{path}, line 3: training.test_size")
