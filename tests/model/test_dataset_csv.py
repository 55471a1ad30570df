"""Data sets in CSV files: hand-made files of every kind of bad row, exact round trips, the built-in data."""

from __future__ import annotations

import os

import numpy as np
import pytest

from ce_desktop.model import dataset_csv
from ce_desktop.model.dataset import Dataset, DatasetError, smooth
from ce_desktop.model.dataset_csv import builtin_datasets, load_builtin, parse_csv, read_csv, to_csv, write_csv
from ce_desktop.model.dataset_generators import generate


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


# ---------------------------------------------------------------------- reading


def test_hard_labels_as_class_names_in_order_of_first_appearance(tmp_path):
    d = read_csv(write(tmp_path, "length,width,label\n1.5,2,b\n-3,4e-1,a\n0,0,b\n"))
    assert d.points.tolist() == [[1.5, 2.0], [-3.0, 0.4], [0.0, 0.0]]
    assert d.class_names == ("b", "a")
    assert d.labels.tolist() == [0, 1, 0]
    assert d.feature_names == ("length", "width")
    assert d.is_hard


def test_hard_labels_as_class_numbers(tmp_path):
    d = read_csv(write(tmp_path, "x1,x2,label\n0,0,2\n1,1,0\n"))
    assert d.class_names == ("0", "1", "2")  # class 1 has no point, but exists
    assert d.targets.tolist() == [[0, 0, 1], [1, 0, 0]]


def test_soft_labels(tmp_path):
    d = read_csv(write(tmp_path, "x1,x2,p_cat,p_dog,p_fox\n0,0,0.2,0.3,0.5\n1,1,1,0,0\n"))
    assert d.class_names == ("cat", "dog", "fox")
    assert d.targets.tolist() == [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]
    assert not d.is_hard


def test_spaces_crlf_blank_lines_bom_and_quotes_are_accepted(tmp_path):
    text = "\ufeffx1 , x2 , LABEL\r\n\r\n 1 , 2 , \"a, b\" \r\n\r\n3,4,c\r\n\r\n"
    d = read_csv(write(tmp_path, text))
    assert d.points.tolist() == [[1, 2], [3, 4]]
    assert d.class_names == ("a, b", "c")


def test_numbers_read_as_parse_number_reads_them():
    # The row-by-row reader (taken because of the "1/4") agrees with parse_number: a fraction,
    # the minus sign.
    d = parse_csv("x1,x2,label\n1/4,\u22122,a\n0.5,1e-3,b\n", "t.csv")
    assert d.points.tolist() == [[0.25, -2.0], [0.5, 0.001]]


BAD_ROWS = [
    ("x1,x2,label\n1,2,a\n3,abc,b\n", "data.csv, line 3: 'abc' is not a number"),
    ("x1,x2,label\n1,2,a\n3,nan,b\n", "data.csv, line 3: 'nan' is not a finite number"),
    ("x1,x2,label\n1,2,a\ninf,1,b\n", "data.csv, line 3: 'inf' is not a finite number"),
    ("x1,x2,label\n1,2,a\n1e400,1,b\n", "data.csv, line 3: '1e400' is not a finite number"),
    ("x1,x2,label\n1,2,a\n3,4\n", "data.csv, line 3: 2 values, but the header has 3 columns"),
    ("x1,x2,label\n1,2,a\n3,4,b,5\n", "data.csv, line 3: 4 values, but the header has 3 columns"),
    ("x1,x2,label\n1,2,a\n3,,b\n", "data.csv, line 3: value 2 is empty"),
    ("x1,x2,label\n1,2,a\n3,4,\n", "data.csv, line 3: the label is empty"),
    ("x1,x2,label\n1,2,0\n3,4,b\n", "data.csv, line 3: 'b' is not a class number"),
    ("x1,x2,label\n1,2,0\n3,4,10\n", "data.csv, line 3: class '10'; a data set has at most 10 classes"),
    ("x1,x2,label\n1,2,0\n\n3,4,1.5\n", "data.csv, line 4: '1.5' is not a class number"),
    ("x1,x2,p_a,p_b\n1,2,0.5,0.5\n1,2,0.5,0.4\n", "data.csv, line 3: the probabilities sum to 0.9, not 1"),
    ("x1,x2,p_a,p_b\n1,2,1.5,-0.5\n", "data.csv, line 2: the probability '-0.5' is negative"),
    ("x1,x2,p_a,p_b\n1,2,x,1\n", "data.csv, line 2: 'x' is not a number"),
    ("x1,x2,p_a,p_b\n1,2,0.5,nan\n", "data.csv, line 2: 'nan' is not a finite number"),
    ("a,b,c\n1,2,3\n", "data.csv, line 1: the header must be x1,x2,label or x1,x2,p_<class>"),
    ("x1,x2\n1,2\n", "data.csv, line 1: the header must be"),
    ("x1,x2,label,extra\n1,2,a,b\n", "data.csv, line 1: the header must be"),
    ("x1,x2,p_a\n1,2,1\n", "data.csv, line 1: 1 p_ columns; a data set has 2 to 10 classes"),
    ("x1,x2,p_a,p_a\n1,2,0.5,0.5\n", "data.csv, line 1: the column p_a appears twice"),
    ("", "data.csv: the file is empty"),
    ("x1,x2,label\n\n", "data.csv: no data rows after the header"),
    ("x1,x2,label\n1,2,a\n3,4,a\n", "data.csv: every label is 'a'; a data set needs at least 2 classes"),
    ("x1,x2,label\n1,2,0\n3,4,0\n", "data.csv: every label is 0"),
    ("x1,x2,label\n" + "".join(f"{i},0,c{i}\n" for i in range(12)), "data.csv, line 12: 'c10' would be an 11th class"),
    ("x1,x2,label\n1,2,b\n1,2,\"a\n", "data.csv, line 3: a quote is not closed"),
]


@pytest.mark.parametrize("text, message", BAD_ROWS)
def test_a_bad_file_is_refused_with_its_name_line_and_reason(tmp_path, text, message):
    with pytest.raises(DatasetError) as info:
        read_csv(write(tmp_path, text))
    assert str(info.value).startswith(message)


def test_a_bad_row_far_into_a_large_file_is_found(tmp_path):
    rows = [f"{i * 0.001!r},{-i * 0.002!r},{'ab'[i % 2]}" for i in range(20_000)]
    rows[14_999] = "1,abc,a"
    with pytest.raises(DatasetError, match=r"^big\.csv, line 15001: 'abc' is not a number$"):
        read_csv(write(tmp_path, "x1,x2,label\n" + "\n".join(rows), "big.csv"))


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(dataset_csv, "MAX_SAMPLES", 3)
    with pytest.raises(DatasetError, match="4 rows; a data set has at most 3"):
        parse_csv("x1,x2,label\n" + "0,0,a\n1,1,b\n" * 2, "t.csv")


def test_the_files_that_user_files_refuses_are_refused(tmp_path, monkeypatch):
    with pytest.raises(DatasetError, match="no such CSV file"):
        read_csv(tmp_path / "missing.csv")
    with pytest.raises(DatasetError, match="is a folder"):
        read_csv(tmp_path)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DatasetError, match="named pipe"):
        read_csv(fifo)
    monkeypatch.setattr(dataset_csv, "MAX_CSV_BYTES", 10)
    with pytest.raises(DatasetError, match="larger than"):
        read_csv(write(tmp_path, "x1,x2,label\n1,2,a\n"))


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes(b"x1,x2,label\n1,2,a\n3,4,caf\xe9\n")
    with pytest.raises(DatasetError, match=r"^latin\.csv, line 3: not a text \(UTF-8\) file$"):
        read_csv(p)


# ---------------------------------------------------------------------- writing


def round_trip(d, tmp_path):
    p = tmp_path / "out.csv"
    write_csv(d, p)
    return read_csv(p), p.read_text(encoding="utf-8")


def test_class_names_in_order_round_trip_as_a_label_column(tmp_path):
    d = Dataset.from_labels([[0.1, 1 / 3], [2e-300, -7.5]], [0, 1], ("setosa", "versicolor"))
    back, text = round_trip(d, tmp_path)
    assert text.splitlines() == ["x1,x2,label", "0.1,0.3333333333333333,setosa", "2e-300,-7.5,versicolor"]
    assert back == d


def test_hard_labels_that_a_label_column_would_reorder_round_trip_as_p_columns(tmp_path):
    d = Dataset.from_labels([[0, 0], [1, 1]], [1, 0], ("a", "b"))  # b appears first
    back, text = round_trip(d, tmp_path)
    assert text.splitlines()[0] == "x1,x2,p_a,p_b"
    assert back == d
    empty_class = Dataset.from_labels([[0, 0], [1, 1]], [0, 2], ("a", "b", "c"))
    assert round_trip(empty_class, tmp_path)[0] == empty_class


def test_class_numbers_round_trip(tmp_path):
    d = parse_csv("x1,x2,label\n0,0,1\n1,1,0\n2,2,2\n", "t.csv")
    back, text = round_trip(d, tmp_path)
    assert back == d and text.splitlines()[1] == "0.0,0.0,1"


def test_generated_and_soft_data_round_trip_exactly(tmp_path):
    for d in (
        generate("spirals", 500, 5, 3),
        smooth(generate("moons", 300, 2, 1), 0.1),
        Dataset(np.array([[1e-17, -0.0]]), np.array([[0.1, 0.2, 0.7]]), ("a,b", 'say "hi"', "ü")),
    ):
        back, _ = round_trip(d, tmp_path)
        assert back == d
        assert np.array_equal(back.targets, d.targets) and np.array_equal(back.points, d.points)


def test_feature_names_round_trip(tmp_path):
    d = Dataset.from_labels([[0, 0], [1, 1]], [0, 1], 2, ("petal length", "petal, width"))
    assert round_trip(d, tmp_path)[0].feature_names == ("petal length", "petal, width")


def test_write_refuses_a_folder_and_leaves_an_old_file_on_failure(tmp_path):
    d = Dataset.from_labels([[0, 0], [1, 1]], [0, 1], 2)
    with pytest.raises(ValueError, match="is a folder"):
        write_csv(d, tmp_path)
    with pytest.raises(OSError, match="cannot write"):
        write_csv(d, tmp_path / "no such folder" / "x.csv")


def test_a_large_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    d = Dataset.from_labels(rng.normal(size=(20_000, 2)), np.sort(rng.integers(0, 10, 20_000)), 10)
    back, _ = round_trip(d, tmp_path)
    assert back == d
    assert parse_csv(to_csv(smooth(d, 0.2)), "t.csv") == smooth(d, 0.2)


# ---------------------------------------------------------------------- built-in data sets


def test_the_built_in_data_sets_are_listed():
    assert builtin_datasets() == ("iris_petals", "iris_sepals", "penguins_bills")
    with pytest.raises(DatasetError, match="no built-in data set called 'wine'"):
        load_builtin("wine")


def test_fisher_iris_as_in_his_table():
    petals, sepals = load_builtin("iris_petals"), load_builtin("iris_sepals")
    for d in (petals, sepals):
        assert d.num_samples == 150
        assert d.class_names == ("setosa", "versicolor", "virginica")
        assert d.class_counts().tolist() == [50, 50, 50]
        assert d.labels.tolist() == [0] * 50 + [1] * 50 + [2] * 50
    table = np.column_stack([sepals.points, petals.points])
    # Fisher (1936), Table I: samples 1, 35, 38, 51 and 150 (35 and 38 are where the UCI copy differs).
    assert table[0].tolist() == [5.1, 3.5, 1.4, 0.2]
    assert table[34].tolist() == [4.9, 3.1, 1.5, 0.2]
    assert table[37].tolist() == [4.9, 3.6, 1.4, 0.1]
    assert table[50].tolist() == [7.0, 3.2, 4.7, 1.4]
    assert table[149].tolist() == [5.9, 3.0, 5.1, 1.8]
    assert petals.feature_names == ("petal_length_cm", "petal_width_cm")
    # Known column means of the whole table (sepal length 5.843, petal length 3.758).
    assert round(table[:, 0].mean(), 3) == 5.843 and round(table[:, 2].mean(), 3) == 3.758


def test_palmer_penguins_bills():
    d = load_builtin("penguins_bills")
    assert d.num_samples == 342
    assert d.class_names == ("Adelie", "Gentoo", "Chinstrap")
    assert d.class_counts().tolist() == [151, 123, 68]
    assert d.points[0].tolist() == [39.1, 18.7]
    assert d.points[-1].tolist() == [50.2, 18.7]
    # The palmerpenguins documentation's means over the 342 measured birds: 43.92 and 17.15 mm.
    assert round(d.points[:, 0].mean(), 2) == 43.92 and round(d.points[:, 1].mean(), 2) == 17.15


def test_the_readme_names_every_built_in_file():
    from ce_desktop.resources import datasets_dir

    readme = (datasets_dir() / "README.md").read_text(encoding="utf-8")
    for name in builtin_datasets():
        assert f"`{name}.csv`" in readme
    assert "Public domain" in readme and "CC0" in readme
