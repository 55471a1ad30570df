"""Built-in presets: the seed page's eight worked examples and a few more, as plain data.

The cross-entropies are not stored: the app computes them. (Some printed values on the
seed page are wrong; e.g. its "overconfident" row says 0.891 where the maths gives 1.471.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ce_desktop.model import distributions
from ce_desktop.model.scenario import Scenario

ANIMALS = ("cat", "dog", "bird")
DIGITS = tuple(str(i) for i in range(10))


@dataclass(frozen=True)
class Preset:
    name: str  # no spaces: used on the command line
    title: str
    description: str
    target: tuple[float, ...]
    prediction: tuple[float, ...] | None = None
    logits: tuple[float, ...] | None = None
    class_names: tuple[str, ...] | None = ANIMALS
    label_smoothing: float = 0.0

    def scenario(self) -> Scenario:
        return Scenario.create(
            self.target,
            self.prediction,
            logits=self.logits,
            class_names=self.class_names,
            label_smoothing=self.label_smoothing,
            title=self.title,
            description=self.description,
        )


def _ten_class() -> tuple[tuple[float, ...], tuple[float, ...]]:
    y = tuple(distributions.one_hot(7, 10))
    # A digit classifier torn between 7 and 1 (they look alike), with some mass on 9.
    p = np.array([0.01, 0.25, 0.02, 0.02, 0.02, 0.02, 0.01, 0.50, 0.03, 0.12])
    return y, tuple(p / p.sum())


_Y10, _P10 = _ten_class()

PRESETS: tuple[Preset, ...] = (
    Preset("good-prediction", "Good prediction", "Seed sample 1: hard label, 0.8 on the true class.",
           (1, 0, 0), (0.8, 0.1, 0.1)),
    Preset("uncertain", "Uncertain prediction", "Seed sample 2: hard label, the true class only slightly ahead.",
           (0, 1, 0), (0.3, 0.4, 0.3)),
    Preset("confident-and-wrong", "Confident and wrong", "Seed sample 3: 0.9 on the wrong class; the loss explodes.",
           (0, 0, 1), (0.9, 0.05, 0.05)),
    Preset("excellent", "Excellent prediction", "Seed sample 4: 0.99 on the true class.",
           (1, 0, 0), (0.99, 0.005, 0.005)),
    Preset("random", "Random prediction", "Seed sample 5: a near-uniform guess; the loss is about log 3.",
           (0, 1, 0), (0.33, 0.33, 0.34)),
    Preset("soft-close-match", "Soft: close match", "Seed sample 6: a soft target matched closely.",
           (0.7, 0.2, 0.1), (0.6, 0.3, 0.1)),
    Preset("soft-overconfident", "Soft: overconfident", "Seed sample 7: a spread-out target, a peaked prediction.",
           (0.4, 0.3, 0.3), (0.8, 0.1, 0.1)),
    Preset("soft-excellent", "Soft: excellent match", "Seed sample 8: a nearly hard soft target, matched well.",
           (0.95, 0.03, 0.02), (0.93, 0.04, 0.03)),
    Preset("uniform-prediction", "Uniform prediction", "Every class gets 1/3: CE = log 3 whatever the hard target.",
           (1, 0, 0), (1 / 3, 1 / 3, 1 / 3)),
    Preset("perfect-soft", "Perfect prediction (soft)", "The prediction equals the soft target: KL = 0 and CE = H(y).",
           (0.7, 0.2, 0.1), (0.7, 0.2, 0.1)),
    Preset("zero-probability", "Zero probability on the truth", "The true class gets probability 0: CE is infinite.",
           (1, 0, 0), (0, 0.5, 0.5)),
    Preset("label-smoothed", "Label-smoothed target", "A hard label smoothed with ε = 0.1, as in PyTorch.",
           (1, 0, 0), (0.8, 0.1, 0.1), label_smoothing=0.1),
    Preset("logits", "From logits", "A prediction made by softmax from logits z = (2, 1, 0.1).",
           (1, 0, 0), logits=(2.0, 1.0, 0.1)),
    Preset("ten-digits", "10 classes: a digit", "A handwritten 7 that the model confuses with 1.",
           _Y10, _P10, class_names=DIGITS),
)

_BY_NAME = {p.name: p for p in PRESETS}


def names() -> list[str]:
    return [p.name for p in PRESETS]


def get(name: str) -> Preset:
    """The preset called ``name``; ``KeyError`` with the list of names if unknown."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose from: {', '.join(names())}") from None
