"""``python -m easy_mlops``: the ``easy-mlops`` command line."""

# License: BSD 3 clause

from .cli import main

if __name__ == "__main__":
    main()
