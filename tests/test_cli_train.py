"""``python main.py train``: the numbers are those of an independent loop written here in plain
NumPy (and of PyTorch's ``F.cross_entropy`` and ``torch.optim.SGD`` where torch is installed),
the data round-trip through ``--save-data``, and every mistake is one line with status 2."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from ce_desktop import app
from ce_desktop.model import dataset_csv, dataset_generators


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = app.main(["train", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def reference_gd(x, labels, c, lr, steps, weight=None, smoothing=0.0, reduction="mean"):
    """Full-batch gradient descent on softmax(W x + b) from zeros, written out from the
    definition of PyTorch's cross-entropy with class-index targets (not the app's code)."""
    n, d = x.shape
    w_mat, b = np.zeros((c, d)), np.zeros(c)
    cw = np.ones(c) if weight is None else np.asarray(weight, float)
    onehot = np.eye(c)[labels]
    sample_w = cw[labels]
    denom = sample_w.sum() if reduction == "mean" else 1.0
    losses, accs = [], []
    for k in range(steps + 1):
        z = x @ w_mat.T + b
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        # torch: the true-class term is weighted by w[y]; the smoothing term by every class's weight,
        # summed over classes; both are divided by the sum of w[y] for the mean.
        nll = -(sample_w * logp[np.arange(n), labels])
        smooth = -(logp * cw).sum(axis=1)
        per = (1 - smoothing) * nll + smoothing / c * smooth
        losses.append(per.sum() / denom)
        accs.append(float(np.mean(np.argmax(z, axis=1) == labels)))
        if k == steps:
            break
        p = np.exp(logp)
        # d per_i / d z_i = coefficient sum * p - coefficients, coefficients (1-eps) w[y] onehot + eps/C w
        coef = (1 - smoothing) * sample_w[:, None] * onehot + smoothing / c * cw[None, :]
        g = (coef.sum(axis=1, keepdims=True) * p - coef) / denom
        w_mat -= lr * g.T @ x
        b -= lr * g.sum(axis=0)
    return np.array(losses), np.array(accs), w_mat, b


GEN = ("--generate", "blobs", "--samples", "120", "--classes", "3", "--seed", "4")


def test_a_linear_run_from_zeros_is_plain_gradient_descent(capsys):
    got = run_json(capsys, *GEN, "--lr", "0.3", "--steps", "25")
    data = dataset_generators.generate("blobs", 120, 3, 4)
    losses, accs, w_mat, b = reference_gd(data.points, data.labels, 3, 0.3, 25)
    assert len(got["loss"]) == len(got["accuracy"]) == 26
    np.testing.assert_allclose(got["loss"], losses, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got["accuracy"], accs)
    np.testing.assert_allclose(got["weights"], w_mat, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(got["bias"], b, rtol=1e-10, atol=1e-13)
    assert got["loss"][0] == pytest.approx(np.log(3), rel=1e-15)  # W = 0, b = 0: uniform predictions
    assert np.shape(got["weights"]) == (3, 2) and np.shape(got["bias"]) == (3,)
    assert got["settings"]["init"] == "zeros" and got["settings"]["batch_size"] is None


def test_class_weights_divide_the_mean_by_the_weights_of_the_samples_classes(capsys):
    args = (*GEN, "--lr", "0.2", "--steps", "10", "--class-weights", "1,3,0.5", "--label-smoothing", "0.1")
    got = run_json(capsys, *args)
    data = dataset_generators.generate("blobs", 120, 3, 4)
    losses, _, w_mat, b = reference_gd(data.points, data.labels, 3, 0.2, 10, weight=[1, 3, 0.5], smoothing=0.1)
    np.testing.assert_allclose(got["loss"], losses, rtol=1e-12)
    np.testing.assert_allclose(got["weights"], w_mat, rtol=1e-10, atol=1e-13)
    # The sum is the mean times the sum of the samples' weights (40 points of each class: 180).
    summed = run_json(capsys, *args[:-4], "--class-weights", "1,3,0.5", "--reduction", "sum", "--steps", "0")
    assert summed["loss"][0] == pytest.approx(np.log(3) * 40 * (1 + 3 + 0.5), rel=1e-12)


def test_polynomial_features_and_the_mlp_run(capsys):
    got = run_json(capsys, "--generate", "rings", "--samples", "60", "--classes", "2", "--degree", "2",
                   "--steps", "5")
    assert np.shape(got["weights"]) == (2, 5) and got["settings"]["features"][:3] == ["x1", "x2", "x1^2"]
    mlp = run_json(capsys, "--generate", "xor", "--samples", "80", "--classes", "2", "--model", "mlp",
                   "--hidden", "6", "--init", "random", "--optimizer", "adam", "--lr", "0.05", "--steps", "30",
                   "--batch-size", "16")
    assert np.shape(mlp["hidden_weights"]) == (6, 2) and np.shape(mlp["weights"]) == (2, 6)
    assert len(mlp["loss"]) == 31 and mlp["loss"][-1] < mlp["loss"][0]
    again = run_json(capsys, "--generate", "xor", "--samples", "80", "--classes", "2", "--model", "mlp",
                     "--hidden", "6", "--init", "random", "--optimizer", "adam", "--lr", "0.05", "--steps", "30",
                     "--batch-size", "16")
    assert again["loss"] == mlp["loss"]  # seeded: the same run twice


def test_a_tiny_learning_rate_still_takes_every_step(capsys):
    """The window's run pauses when the loss stalls; a scripted run takes the steps it was asked for."""
    got = run_json(capsys, *GEN, "--lr", "1e-9", "--steps", "300")
    assert len(got["loss"]) == 301


def test_generated_points_saved_and_read_back_train_the_same(capsys, tmp_path):
    path = tmp_path / "blobs.csv"
    first = run_json(capsys, *GEN, "--steps", "8", "--save-data", str(path))
    data = dataset_csv.read_csv(path)
    assert data.num_samples == 120 and data.num_classes == 3
    second = run_json(capsys, "--data", str(path), "--steps", "8")
    assert second["loss"] == first["loss"] and second["weights"] == first["weights"]


def test_soft_labels_from_a_csv_have_the_mean_entropy_as_floor(capsys, tmp_path):
    path = tmp_path / "soft.csv"
    path.write_text("x1,x2,p_a,p_b\n0,0,0.5,0.5\n1,0,0.9,0.1\n0,1,0.2,0.8\n", encoding="utf-8")
    got = run_json(capsys, "--data", str(path), "--steps", "3")
    h = -np.mean([0.5 * np.log(0.5) * 2, 0.9 * np.log(0.9) + 0.1 * np.log(0.1), 0.2 * np.log(0.2) + 0.8 * np.log(0.8)])
    assert got["loss_floor"] == pytest.approx(h, rel=1e-12)
    assert got["settings"]["labels"] == "soft" and all(v >= h for v in got["loss"])
    code, out, _ = run(capsys, "--data", str(path), "--steps", "3")
    assert code == 0 and f"{h:.3f}" in out and "soft labels" in out


def test_the_text_table_samples_a_long_run(capsys):
    code, out, _ = run(capsys, *GEN, "--steps", "200")
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.strip() and line.split()[0].replace(",", "").isdigit()]
    assert rows[0][0] == "0" and rows[-1][0] == "200" and len(rows) == 20


@pytest.mark.parametrize("argv, message", [
    ((), "one of the arguments --data --generate is required"),
    ((*GEN, "--class-weights", "1,2"), "the data have 3 classes, got 2 weights"),
    ((*GEN, "--class-weights", "1,-2,1"), "class weights must be >= 0"),
    ((*GEN, "--lr", "0"), "--lr must be a number > 0"),
    ((*GEN, "--steps", "-1"), "expected a whole number from 0"),
    ((*GEN, "--label-smoothing", "1.5"), "--label-smoothing must be from 0 to 1"),
    ((*GEN, "--hidden", "100", "--model", "mlp"), "expected a whole number from 2 to 64"),
    (("--generate", "moons", "--classes", "3"), "the two moons are two classes"),
    (("--generate", "blobs", "--samples", "5"), "expected a whole number from 10"),
    ((*GEN, "--lr", "1e9", "--steps", "5"), "try a smaller --lr"),
    (("--generate", "blobs", "--samples", "100", "--classes", "10", "--model", "mlp", "--hidden", "64",
      "--steps", "100000"), "a run of this model keeps at most that many steps"),
])
def test_every_mistake_is_one_line_and_status_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("ce-desktop: error:") and message in err, err


def test_a_bad_csv_row_names_the_file_and_line(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x1,x2,label\n0,0,0\n1,abc,1\n", encoding="utf-8")
    code, _, err = run(capsys, "--data", str(path))
    assert code == 2 and "bad.csv, line 3" in err and "'abc'" in err


def test_pytorch_gives_the_same_run():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F  # noqa: N812 (PyTorch's own spelling)

    data = dataset_generators.generate("overlapping", 90, 3, 2)
    x = torch.tensor(data.points, dtype=torch.float64)
    y = torch.tensor(data.labels, dtype=torch.long)
    w_mat = torch.zeros(3, 2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w_mat, b], lr=0.4, momentum=0.9)
    weight = torch.tensor([2.0, 1.0, 0.5], dtype=torch.float64)
    losses = []
    for k in range(13):
        opt.zero_grad()
        loss = F.cross_entropy(x @ w_mat.T + b, y, weight=weight, label_smoothing=0.05)
        losses.append(loss.item())
        if k < 12:
            loss.backward()
            opt.step()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert app.main(["train", "--generate", "overlapping", "--samples", "90", "--classes", "3", "--seed", "2",
                         "--optimizer", "momentum", "--lr", "0.4", "--steps", "12", "--class-weights", "2,1,0.5",
                         "--label-smoothing", "0.05", "--json"]) == 0
    got = json.loads(out.getvalue())
    np.testing.assert_allclose(got["loss"], losses, rtol=1e-10)
    np.testing.assert_allclose(got["weights"], w_mat.detach().numpy(), rtol=1e-9, atol=1e-12)
