"""`python -m bench.seeded_rasa SEED ARGS...`: Rasa's command line with numpy's global generator seeded.

Rasa 3.6 draws its cross-validation folds from scikit-learn's `StratifiedKFold(shuffle=True)`
without a seed, so the folds, and the F1 they give, changed from run to run on the same data
(0.946 to 0.955 seen here). Seeding numpy's global generator first makes the folds repeatable.
"""
from __future__ import annotations

import sys

import numpy as np


def main(argv: list[str]) -> None:
    """Seed numpy with argv[0], then run `rasa` with the remaining arguments."""
    np.random.seed(int(argv[0]))
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main(sys.argv[1:])
