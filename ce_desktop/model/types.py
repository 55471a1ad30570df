"""The types the model's signatures share, named once.

Numpy only. ``FloatArray`` is what every function of the core returns for an array of
probabilities, logits, losses or terms; ``ArrayLike`` is what they accept (a list, a tuple
or an array; numbers are checked where they enter, by :mod:`~ce_desktop.model.distributions`).
"""

from __future__ import annotations

import os
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["ArrayLike", "BoolArray", "FloatArray", "FloatOrArray", "LogBase", "StrPath"]

#: A float64 array, of any shape.
FloatArray: TypeAlias = npt.NDArray[np.float64]
#: A mask.
BoolArray: TypeAlias = npt.NDArray[np.bool_]
#: Anything numpy turns into an array.
ArrayLike: TypeAlias = npt.ArrayLike
#: One number for one sample (a 1-D input), one per row for a batch (2-D).
FloatOrArray: TypeAlias = "float | FloatArray"
#: A logarithm's base: None for nats, 2 for bits, any number > 1.
LogBase: TypeAlias = "float | None"
#: A file's path, as a string or a :class:`~pathlib.Path`.
StrPath: TypeAlias = "str | os.PathLike[str]"
