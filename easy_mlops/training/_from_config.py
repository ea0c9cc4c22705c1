"""``ModelTrainer.from_config`` and ``from_yaml``: a trainer from a config."""

# License: BSD 3 clause

from ._config import load_config, validate_config

__all__ = ["ConfigConstructorsMixin"]


class ConfigConstructorsMixin:
    """The constructors of ``ModelTrainer`` that check a config first."""

    @classmethod
    def from_config(cls, config):
        """A trainer from a config mapping, checked before any training.

        Parameters
        ----------
        config : mapping
            A whole MLOps config (its ``training`` section is used) or a bare
            training mapping.  It is copied, never modified.

        Returns
        -------
        trainer : ModelTrainer
            An unfitted trainer whose ``config`` is the training section.

        Raises
        ------
        easy_mlops.config.ConfigError
            A ``ValueError`` naming the key, what it allows and what it got.

        Examples
        --------
        >>> from easy_mlops import ModelTrainer
        >>> ModelTrainer.from_config({"training": {"cv_folds": 3}}).config
        {'cv_folds': 3}
        """
        return cls(validate_config(config))

    @classmethod
    def from_yaml(cls, path):
        """A trainer from a YAML config file, checked before any training.

        Parameters
        ----------
        path : str or path-like
            A YAML file holding a whole MLOps config or a training mapping.

        Returns
        -------
        trainer : ModelTrainer
            An unfitted trainer whose ``config`` is the training section.

        Raises
        ------
        easy_mlops.config.ConfigError
            For YAML syntax errors and invalid settings, with file and line.
        FileNotFoundError
            If ``path`` does not exist.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> from easy_mlops import ModelTrainer
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "config.yaml"
        >>> _ = path.write_text("training:\\n  test_size: 0.3\\n")
        >>> ModelTrainer.from_yaml(path).config
        {'test_size': 0.3}
        """
        return cls(load_config(path))
