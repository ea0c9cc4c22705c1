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


def did_you_mean(word, choices, *, clause=False):
    """A hint naming the closest choice, or "" when none is close.

    Parameters
    ----------
    word : str
        What was given.
    choices : iterable of str
        What is allowed.
    clause : bool, default=False
        False: a sentence to append to a message (" Did you mean 'x'?").
        True: a clause that ends one ("; did you mean 'x'?").

    Examples
    --------
    >>> from easy_mlops._suggest import did_you_mean
    >>> did_you_mean("cv_fold", ["cv_folds", "test_size"])
    " Did you mean 'cv_folds'?"
    >>> did_you_mean("cv_fold", ["cv_folds"], clause=True)
    "; did you mean 'cv_folds'?"
    >>> did_you_mean("zzz", ["cv_folds"], clause=True)
    ''
    """
    match = closest_match(word, choices)
    if match is None:
        return ""
    return f"; did you mean {match!r}?" if clause else f" Did you mean {match!r}?"
