"""The closest known name to a misspelt one, for "did you mean" hints."""

# License: BSD 3 clause

from difflib import get_close_matches


def closest_match(word, choices):
    """The choice closest to ``word``, or None when none is close.

    Examples
    --------
    >>> from easy_mlops._suggest import closest_match
    >>> closest_match("cv_fold", ["cv_folds", "test_size"])
    'cv_folds'
    >>> closest_match("logistic", ["linear_regression", "logistic_regression"])
    'logistic_regression'
    """
    word, choices = str(word), [str(choice) for choice in choices]
    matches = get_close_matches(word, choices, n=1)
    # difflib misses abbreviations such as 'logistic' for 'logistic_regression'.
    matches = matches or sorted(c for c in choices if word and c.startswith(word))
    return matches[0] if matches else None


def did_you_mean(word, choices):
    """A sentence suggesting the closest choice, or "" when none is close.

    Examples
    --------
    >>> from easy_mlops._suggest import did_you_mean
    >>> did_you_mean("cv_fold", ["cv_folds", "test_size"])
    " Did you mean 'cv_folds'?"
    """
    match = closest_match(word, choices)
    return f" Did you mean {match!r}?" if match else ""
