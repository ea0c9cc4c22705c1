"""Saving and loading as methods of ``ModelTrainer``, and its pickled state.

The artifact format lives in :mod:`easy_mlops.training.persistence`, which
imports the trainer; the trainer never imports it.  Persistence registers its
``save_model`` and ``load_model`` here with :func:`register_storage`, and the
methods delegate to them.  A pickled trainer records the library versions it
was fitted with and warns when they differ on unpickling.
"""

# License: BSD 3 clause

from .persistence._versions import library_versions, warn_on_version_changes

__all__ = ["StorageMixin", "register_storage"]


#: The functions that write and read a trainer's artifact, set by
#: :mod:`easy_mlops.training.persistence` when it is imported (the package
#: imports it with the trainer).  Persistence depends on the trainer, never
#: the reverse: the methods ``save_model`` and ``load_model`` delegate here.
_STORAGE = {}


def register_storage(*, save_model, load_model):
    """Set the functions behind ``ModelTrainer.save_model`` and ``load_model``."""
    _STORAGE.update(save_model=save_model, load_model=load_model)


def _storage(name):
    try:
        return _STORAGE[name]
    except KeyError:
        raise RuntimeError(
            f"ModelTrainer.{name} needs easy_mlops.training.persistence, which "
            "was not imported; import easy_mlops.training first."
        ) from None


class StorageMixin:
    """``save_model``, ``load_model`` and the pickled state of ``ModelTrainer``."""

    def save_model(self, path, *, format="joblib", signing_key=None):
        """Save the fitted trainer to one self-contained, version-checked file.

        The file holds the final model (stored by the backend's
        ``save_model`` hook), the trainer's fitted state and a manifest:
        library versions, backend, model type, problem type, classes, feature
        names, metrics, the resolved config and SHA-256 checksums.  The write
        is atomic: on any failure the file previously at ``path`` is intact.

        Parameters
        ----------
        path : str or path-like
            Target file; missing parent directories are created.
        format : {"joblib", "skops"}, default="joblib"
            ``"skops"`` stores no pickle: the model with skops
            (``pip install "easy-mlops[secure]"``) and the state as JSON, so
            loading rebuilds only trusted types.  For scikit-learn-family
            backends.  ``"joblib"`` pickles, and loading a pickle runs code
            from the file: load those only from sources you trust.
        signing_key : str or bytes, default=None
            Sign the file with HMAC-SHA256 under this secret, so that
            ``load_model`` with the key refuses a file changed or made by
            anyone without it.  Defaults to the environment variable
            ``EASY_MLOPS_SIGNING_KEY`` when that is set and not empty.

        Returns
        -------
        path : pathlib.Path
            Where the model was written.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the trainer is not fitted.
        ModelSaveError
            If a config value cannot be stored (the message names the key),
            the backend fails to write the model, or the path cannot be
            written (the message names it).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from sklearn.datasets import load_iris
        >>> from easy_mlops.training import ModelTrainer, load_model
        >>> X, y = load_iris(return_X_y=True)
        >>> trainer = ModelTrainer(model_type="logistic_regression").fit(X, y)
        >>> folder = tempfile.mkdtemp()
        >>> path = trainer.save_model(pathlib.Path(folder) / "iris.model")
        >>> (load_model(path).predict(X) == trainer.predict(X)).all()
        np.True_
        """
        return _storage("save_model")(
            self, path, format=format, signing_key=signing_key
        )

    def load_model(
        self, path, *, secure=False, trusted=None, signing_key=None, **limits
    ):
        """Load a saved model into this trainer and return it.

        Parameters, settings and fitted state all come from the file (the
        backend recorded there, not this instance's); ``manifest_`` holds its
        manifest.  The module-level :func:`easy_mlops.training.load_model`
        returns a new trainer instead.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save_model`.
        secure : bool, default=False
            Load only ``format="skops"`` files, which hold no pickle; any
            other file is refused before it is read.
        trusted : str or list of str, default=None
            For skops files: types to trust after review.
        signing_key : str or bytes, default=None
            Load only files signed with this key (default: the environment
            variable ``EASY_MLOPS_SIGNING_KEY``).
        **limits
            ``max_member_bytes`` and ``max_compression_ratio``, as for
            :func:`easy_mlops.training.load_model`.

        Returns
        -------
        self : ModelTrainer
            Fitted and ready to predict.

        Raises
        ------
        ModelLoadError
            If the file is missing, truncated, corrupted, not an artifact,
            from a newer format, over the size limits, refused by ``secure``
            or ``signing_key``, or needs a backend that is not registered.
        """
        loaded = _storage("load_model")(
            path, secure=secure, trusted=trusted, signing_key=signing_key, **limits
        )
        state = vars(self)
        state.clear()
        state.update(vars(loaded))
        return self

    def __getstate__(self):
        state = super().__getstate__()
        if self.__sklearn_is_fitted__():
            state["_library_versions"] = library_versions(self.training_result_.model)
        return state

    def __setstate__(self, state):
        recorded = state.pop("_library_versions", None)
        super().__setstate__(state)
        if recorded is not None:
            warn_on_version_changes(recorded, "This unpickled ModelTrainer")
