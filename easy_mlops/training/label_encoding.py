"""A classifier wrapper for estimators that need labels ``0..n_classes-1``."""

# License: BSD 3 clause

from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

__all__ = ["EncodedLabelClassifier", "unwrap"]


def _estimator_has(attr):
    return lambda self: hasattr(self.estimator, attr)


class EncodedLabelClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit a classifier on encoded labels and answer in the original ones.

    XGBoost's classifiers accept only the labels ``0..n_classes-1``; this
    wrapper lets them train on strings or on labels such as ``{1, 2}``.

    Parameters
    ----------
    estimator : classifier
        The classifier to fit on encoded labels.  It is cloned.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        The original class labels.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from easy_mlops.training.label_encoding import EncodedLabelClassifier
    >>> clf = EncodedLabelClassifier(DecisionTreeClassifier())
    >>> clf.fit([[0], [1], [2], [3]], ["cat", "cat", "dog", "dog"]).predict([[3]])
    array(['dog'], dtype='<U3')
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, sample_weight=None):
        """Encode ``y``, then fit a clone of ``estimator``."""
        # Imported here: sklearn.preprocessing is slow to import, and this
        # module is imported with easy_mlops.
        from sklearn.preprocessing import LabelEncoder

        encoder = LabelEncoder().fit(y)
        fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.estimator_ = clone(self.estimator).fit(
            X, encoder.transform(y), **fit_params
        )
        self.classes_ = encoder.classes_
        return self

    def predict(self, X):
        """Predict class labels, in the original labels."""
        check_is_fitted(self)
        return self.classes_[self.estimator_.predict(X).astype(int)]

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags = get_tags(self.estimator).input_tags
        return tags


def unwrap(estimator):
    """The estimator inside an ``EncodedLabelClassifier`` or at the end of a
    preprocessing ``Pipeline``; others unchanged."""
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps:
        estimator = steps[-1][1]
    if isinstance(estimator, EncodedLabelClassifier):
        return estimator.estimator
    return estimator
