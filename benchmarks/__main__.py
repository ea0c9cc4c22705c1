"""``python -m benchmarks``: run the benchmarks and write their results."""

# License: BSD 3 clause

from benchmarks.run import main

raise SystemExit(main())
