"""`python -m bench.seeded_rasa SEED ARGS...`: Rasa's command line with numpy's global generator seeded.

Rasa 3.6 draws its cross-validation folds from scikit-learn's `StratifiedKFold(shuffle=True)`
without a seed, so the folds, and the F1 they give, changed from run to run on the same data
(0.946 to 0.955 seen here). Seeding numpy's global generator first makes the folds repeatable.
Rasa then runs in this process exactly as harness.rasa.rasa_command() would run it in a new one.
"""
from __future__ import annotations

import runpy
import sys

import numpy as np

from harness.rasa import rasa_command


def main(argv: list[str]) -> None:
    """Seed numpy with argv[0], then run rasa_command() with the remaining arguments, in this process."""
    np.random.seed(int(argv[0]))
    command = rasa_command()
    if command[1:2] == ["-m"]:  # `python -m MODULE ...`
        sys.argv = [command[2], *command[3:], *argv[1:]]
        runpy.run_module(command[2], run_name="__main__", alter_sys=True)
    else:  # a script, such as the `rasa` console script
        sys.argv = [command[0], *command[1:], *argv[1:]]
        runpy.run_path(command[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
