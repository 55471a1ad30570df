"""Data sets in CSV files, and the built-in ones shipped with the app.

The format (docs/file-format.md): a header, then one point per line.

- ``x1,x2,label``: hard labels. The first two columns are the coordinates (their header
  names become the feature names), ``label`` is a class number 0..C-1 or a class name.
  The labels are numbers when the first row's label is a whole number, and then every label
  must be one (C is the largest plus one, the classes are named "0", "1", ...); otherwise
  they are names, the classes in the order they first appear.
- ``x1,x2,p_<class>,...``: soft labels, one column per class (``p_setosa``), each row's
  probabilities non-negative and summing to 1 within 1e-6.

Up to 100,000 rows. A file with any bad row is refused whole, with the file's name, the line
and the reason ("iris.csv, line 14: 'abc' is not a number"). Numbers are read as
:func:`~ce_desktop.model.formatting.parse_number` reads them (no decimal comma, no per cent);
``nan`` and ``inf`` are refused. The file is read through
:func:`~ce_desktop.model.user_files.read_file_bytes` (regular files only, bounded, a UTF-8
byte-order mark accepted). Numpy only, no Qt.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ce_desktop import resources
from ce_desktop.model.dataset import (
    MAX_CLASSES,
    MAX_SAMPLES,
    MIN_CLASSES,
    ROW_SUM_TOLERANCE,
    Dataset,
    DatasetError,
    one_hot_targets,
)
from ce_desktop.model.formatting import parse_number
from ce_desktop.model.types import FloatArray, StrPath
from ce_desktop.model.user_files import BOM, FileError, check_save_target, read_file_bytes, write_file_atomic

__all__ = ["MAX_CSV_BYTES", "builtin_datasets", "load_builtin", "parse_csv", "read_csv", "to_csv", "write_csv"]

#: The largest CSV file opened: 100,000 rows of 10 probabilities written in full take about 24 MB.
MAX_CSV_BYTES = 40_000_000
_WHOLE = re.compile(r"[0-9]+\Z")
#: Texts of a file's cells.
StrArray = npt.NDArray[np.str_]
_HEADER_HELP = "the header must be x1,x2,label or x1,x2,p_<class>,... (one p_ column per class)"


def read_csv(path: StrPath) -> Dataset:
    """The data set in the CSV file ``path``.

    Raises
    ------
    DatasetError
        Starting with the file's name: the file cannot be read (missing, a folder or a
        special file, larger than :data:`MAX_CSV_BYTES`, not UTF-8), or its header or a row
        is bad (then also the line number and why).
    """
    p = Path(path)
    try:
        raw = read_file_bytes(p, MAX_CSV_BYTES, "CSV")
    except FileError as exc:
        raise DatasetError(str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError(f"{p.name}, line {line}: not a text (UTF-8) file") from None
    return parse_csv(text, p.name)


def parse_csv(text: str, name: str) -> Dataset:
    """The data set in the CSV ``text``; ``name`` (a file's name) starts every message.

    Raises
    ------
    DatasetError
        ``"<name>, line <n>: <reason>"`` for the first bad line, or ``"<name>: <reason>"``
        for the file as a whole (no rows, too many rows, one class only).
    """
    if text.startswith(BOM):
        text = text[1:]
    all_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(all_lines) if line.strip()), None)
    if start is None:
        raise DatasetError(f"{name}: the file is empty; {_HEADER_HELP}")
    features, classes = _header(all_lines[start], f"{name}, line {start + 1}")
    lines = all_lines[start + 1 :]
    while lines and not lines[-1].strip():
        lines.pop()
    line_numbers = [start + 2 + i for i, line in enumerate(lines) if line.strip()]
    if not line_numbers:
        raise DatasetError(f"{name}: no data rows after the header")
    if len(line_numbers) > MAX_SAMPLES:
        raise DatasetError(f"{name}: {len(line_numbers):,} rows; a data set has at most {MAX_SAMPLES:,}")
    width = 3 if classes is None else 2 + len(classes)
    fast = _fast_table(lines, width) if len(line_numbers) == len(lines) else None
    if fast is None:
        # Something numpy cannot read, a quote or a row of the wrong length: find it and say where.
        fast = _slow_table(lines, start + 2, line_numbers, width, name)
    numbers, texts = fast
    if classes is None:
        targets, class_names = _hard_targets(texts[:, 0], line_numbers, name)
    else:
        targets, class_names = _soft_targets(numbers[:, 2:], texts, line_numbers, name), classes
    try:
        return Dataset(numbers[:, :2], targets, class_names, features)
    except DatasetError as exc:
        raise DatasetError(f"{name}: {exc}") from None


def _split(line: str) -> list[str]:
    return [cell.strip() for cell in next(csv.reader([line.strip()], skipinitialspace=True, strict=True))]


def _header(line: str, where: str) -> tuple[tuple[str, str], tuple[str, ...] | None]:
    """The feature names and, for soft labels, the class names (None for a ``label`` column)."""
    cols = _split(line)
    if len(cols) < 3 or not cols[0] or not cols[1]:
        raise DatasetError(f"{where}: {_HEADER_HELP}")
    features = (cols[0], cols[1])
    rest = cols[2:]
    if len(rest) == 1 and rest[0].lower() == "label":
        return features, None
    if not all(c.lower().startswith("p_") and len(c) > 2 for c in rest):
        raise DatasetError(f"{where}: {_HEADER_HELP}")
    classes = tuple(c[2:].strip() for c in rest)
    if not MIN_CLASSES <= len(classes) <= MAX_CLASSES:
        raise DatasetError(f"{where}: {len(classes)} p_ columns; a data set has {MIN_CLASSES} to {MAX_CLASSES} classes")
    twice = [c for c in classes if classes.count(c) > 1]
    if twice:
        raise DatasetError(f"{where}: the column p_{twice[0]} appears twice")
    return features, classes


def _fast_table(lines: list[str], width: int) -> tuple[FloatArray, StrArray] | None:
    """The numbers and the label texts, read by numpy's loadtxt; None if anything is unusual.

    Unusual: a quote, a row with a different number of commas, a cell that is not a finite
    number. The row-by-row reader then finds the line and says what is wrong.
    """
    if any('"' in line or line.count(",") != width - 1 for line in lines):
        return None
    body = "\n".join(lines)
    numeric = 2 if width == 3 else width
    try:
        numbers = np.loadtxt(
            io.StringIO(body), delimiter=",", comments=None, dtype=np.float64, usecols=range(numeric), ndmin=2
        )
        texts = np.loadtxt(io.StringIO(body), delimiter=",", comments=None, dtype=str, usecols=range(2, width), ndmin=2)
    except ValueError:
        return None
    if numbers.shape[0] != len(lines) or not np.all(np.isfinite(numbers)):
        return None
    if width == 3:
        numbers = np.column_stack([numbers, np.zeros(len(lines))])
    return numbers, np.char.strip(texts)


def _slow_table(
    lines: list[str], first_line: int, line_numbers: list[int], width: int, name: str
) -> tuple[FloatArray, StrArray]:
    """Row by row with :func:`parse_number`, raising at the first bad line.

    ``lines[0]`` is the file's line ``first_line``; ``line_numbers`` are those not blank.
    """
    numeric = width if width > 3 else 2
    texts: list[list[str]] = []
    values = np.zeros((len(line_numbers), width))
    for r, n in enumerate(line_numbers):
        where = f"{name}, line {n}"
        try:
            row = _split(lines[n - first_line])
        except csv.Error:
            raise DatasetError(f"{where}: a quote is not closed, or text follows a closing quote") from None
        if len(row) != width:
            raise DatasetError(f"{where}: {len(row)} values, but the header has {width} columns")
        for j in range(numeric):
            if not row[j]:
                raise DatasetError(f"{where}: value {j + 1} is empty")
            try:
                values[r, j] = parse_number(row[j], decimal_comma=False, percent=False)
            except ValueError as exc:
                raise DatasetError(f"{where}: {exc}") from None
        texts.append(row[2:])
    return values, np.array(texts, dtype=str).reshape(len(line_numbers), width - 2)


def _hard_targets(labels: StrArray, line_numbers: list[int], name: str) -> tuple[FloatArray, tuple[str, ...]]:
    """One-hot targets and the class names of a ``label`` column (worked out on its distinct values)."""
    values, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    texts = [str(v) for v in values]

    def fail(rows: list[int], reason: str) -> DatasetError:
        r = int(min(first[k] for k in rows))
        return DatasetError(f"{name}, line {line_numbers[r]}: {reason.format(repr(str(labels[r])))}")

    if "" in texts:
        raise fail([texts.index("")], "the label is empty")
    if _WHOLE.match(str(labels[0])):
        not_numbers = [k for k, t in enumerate(texts) if not _WHOLE.match(t)]
        if not_numbers:
            raise fail(
                not_numbers, "{} is not a class number (the first row's label is a number, so every label must be one)"
            )
        too_large = [k for k, t in enumerate(texts) if int(t) >= MAX_CLASSES]
        if too_large:
            raise fail(too_large, f"class {{}}; a data set has at most {MAX_CLASSES} classes (0..{MAX_CLASSES - 1})")
        numbers = np.array([int(t) for t in texts])[inverse]
        c = int(numbers.max()) + 1
        if c < MIN_CLASSES:
            raise DatasetError(f"{name}: every label is 0; a data set needs at least {MIN_CLASSES} classes")
        return one_hot_targets(numbers, c), tuple(str(i) for i in range(c))
    # Names: the classes in the order they first appear.
    order = np.argsort(first, kind="stable")
    if order.size > MAX_CLASSES:
        raise fail([int(order[MAX_CLASSES])], f"{{}} would be an 11th class; a data set has at most {MAX_CLASSES}")
    if order.size < MIN_CLASSES:
        raise DatasetError(f"{name}: every label is {texts[0]!r}; a data set needs at least {MIN_CLASSES} classes")
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    return one_hot_targets(rank[inverse], order.size), tuple(texts[int(k)] for k in order)


def _soft_targets(probs: FloatArray, texts: StrArray, line_numbers: list[int], name: str) -> FloatArray:
    """The probability columns, each row checked: none negative, summing to 1."""
    negative = np.any(probs < 0, axis=1)
    off = np.abs(probs.sum(axis=1) - 1.0) > ROW_SUM_TOLERANCE
    bad = np.flatnonzero(negative | off)
    if bad.size:
        r = int(bad[0])
        where = f"{name}, line {line_numbers[r]}"
        if negative[r]:
            j = int(np.flatnonzero(probs[r] < 0)[0])
            raise DatasetError(f"{where}: the probability {str(texts[r, j])!r} is negative")
        raise DatasetError(f"{where}: the probabilities sum to {probs[r].sum():.9g}, not 1")
    return probs


# ---------------------------------------------------------------------- writing


def _cell(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _labels_round_trip(dataset: Dataset) -> bool:
    """Whether a ``label`` column of class names reads back as these classes, in this order."""
    if not dataset.is_hard:
        return False
    labels = dataset.labels
    names = dataset.class_names
    if names == tuple(str(i) for i in range(dataset.num_classes)):
        # Read back as class numbers: C is the largest plus one, the order does not matter.
        return int(labels.max()) == dataset.num_classes - 1
    if _WHOLE.match(names[int(labels[0])]):
        return False  # a number first would make the column class numbers
    _, first = np.unique(labels, return_index=True)
    return first.size == dataset.num_classes and bool(np.all(np.diff(first) > 0))


def to_csv(dataset: Dataset) -> str:
    """The CSV text of ``dataset``, which :func:`parse_csv` reads back as an equal data set.

    Coordinates and probabilities are written with ``repr`` (the shortest text that reads
    back as the same float). Hard labels are written as a ``label`` column of class names when
    that reads back the same (every class present, first appearing in class order), else as
    ``p_`` columns of 0.0 and 1.0.
    """
    f1, f2 = (_cell(f) for f in dataset.feature_names)
    xs = [repr(v) for v in dataset.points[:, 0].tolist()]
    ys = [repr(v) for v in dataset.points[:, 1].tolist()]
    if _labels_round_trip(dataset):
        names = [_cell(s) for s in dataset.class_names]
        rows = [f"{x},{y},{names[k]}" for x, y, k in zip(xs, ys, dataset.labels.tolist(), strict=True)]
        header = f"{f1},{f2},label"
    else:
        probs = [",".join(repr(p) for p in row) for row in dataset.targets.tolist()]
        rows = [f"{x},{y},{p}" for x, y, p in zip(xs, ys, probs, strict=True)]
        header = ",".join([f1, f2] + [_cell("p_" + s) for s in dataset.class_names])
    return "\n".join([header, *rows]) + "\n"


def write_csv(dataset: Dataset, path: StrPath) -> None:
    """Save ``dataset`` as :func:`to_csv` text, atomically (the file appears complete or not at all).

    Raises
    ------
    FileError
        If ``path`` is a folder, a pipe, a device or a socket.
    OSError
        ``"cannot write <path>: <reason>"``; an old file is left as it was.
    """
    check_save_target(path)
    write_file_atomic(path, to_csv(dataset).encode("utf-8"))


# ---------------------------------------------------------------------- built-in data sets


def builtin_datasets() -> tuple[str, ...]:
    """The names of the data sets shipped with the app (their README says where each is from)."""
    return tuple(sorted(p.stem for p in resources.datasets_dir().glob("*.csv")))


def load_builtin(name: str) -> Dataset:
    """The built-in data set ``name`` (one of :func:`builtin_datasets`).

    Raises
    ------
    DatasetError
        For a name that is not one of them.
    """
    names = builtin_datasets()
    if name not in names:
        raise DatasetError(f"no built-in data set called {name!r}; there are {', '.join(names)}")
    return read_csv(resources.datasets_dir() / f"{name}.csv")
