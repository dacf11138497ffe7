"""Displays of skxfer.plotting: rendered with Agg to PNG files, artists checked."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from skxfer import CORALAligner, InstanceReweighter  # noqa: E402
from skxfer.datasets import make_shifted_classification  # noqa: E402
from skxfer.plotting import DomainShiftDisplay, HistoryDisplay, WeightsDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _save(disp, path):
    disp.figure_.savefig(path)
    assert path.exists() and path.stat().st_size > 1000


def test_import_skxfer_and_plotting_do_not_import_matplotlib():
    code = (
        "import sys, skxfer, skxfer.plotting; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_domain_shift_from_estimator_two_panels(tmp_path):
    ds = make_shifted_classification(
        shift="subspace", n_classes=3, n_features=4, return_dataset=True, random_state=0
    )
    adapter = CORALAligner()
    disp = DomainShiftDisplay.from_estimator(
        adapter, ds.X, ds.y, ds.sample_domain, labels=ds.y_true, random_state=0
    )
    assert not hasattr(adapter, "n_features_in_")  # the input adapter stays unfitted
    assert len(disp.ax_) == 2
    for ax in disp.ax_:
        scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert len(scatters) == 2  # one per domain
        assert sum(len(c.get_offsets()) for c in scatters) == ds.X.shape[0]
    assert disp.ax_[0].get_title() == "before adaptation"
    assert disp.ax_[1].get_title() == "after CORALAligner"
    assert _legend_labels(disp.ax_[1]) == ["source", "target", "class 0", "class 1", "class 2"]
    _save(disp, tmp_path / "shift.png")


def test_domain_shift_masked_rows_are_grey_and_fitted_adapter_is_used(tmp_path):
    X, y, sd = make_shifted_classification(shift="subspace", random_state=1)
    adapter = CORALAligner().fit(X, y)
    disp = DomainShiftDisplay.from_estimator(adapter, X, y, before=False)
    assert len(disp.scatters_) == 1
    target = disp.scatters_[0][-1]
    colours = np.unique(target.get_facecolors()[:, :3].round(3), axis=0)
    assert len(colours) == 1  # every target label masked: one grey
    assert "label unknown" in _legend_labels(disp.ax_)
    _save(disp, tmp_path / "after.png")


def test_domain_shift_from_data_multi_source_tsne_and_given_ax(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(90, 3)
    y = np.r_[rng.randint(0, 2, 60), -np.ones(30, int)]
    sd = np.repeat([1, 2, -1], 30)
    fig, ax = plt.subplots()
    disp = DomainShiftDisplay.from_data(
        X, y, sd, method="tsne", ax=ax, random_state=0, domain_names={2: "webcam"}
    )
    assert disp.ax_ is ax and disp.figure_ is fig
    assert len(ax.collections) == 3
    assert _legend_labels(ax)[:3] == ["source 1", "webcam", "target"]
    _save(disp, tmp_path / "tsne.png")
    with pytest.raises(ValueError, match="'pca' or 'tsne'"):
        DomainShiftDisplay.from_data(X, y, sd, method="umap")


def test_weights_display_from_estimator(tmp_path):
    ds = make_shifted_classification(return_dataset=True, random_state=0)
    clf = InstanceReweighter(LogisticRegression(), density_ratio="kliep", random_state=0)
    clf.fit(ds.X, ds.y)
    src = ds.sample_domain > 0
    disp = WeightsDisplay.from_estimator(
        clf, sample_domain=ds.sample_domain, true_weights=ds.density_ratio[src]
    )
    assert disp.n_rows == src.sum()
    assert disp.effective_sample_size == pytest.approx(clf.effective_sample_size_)
    assert len(disp.bars_) == 30
    assert disp.mean_line_.get_xdata()[0] == pytest.approx(clf.weights_[src].mean())
    assert "effective sample size" in disp.ax_.get_title()
    labels = _legend_labels(disp.ax_)
    assert labels[0] == "estimated weights" and "true density ratio" in labels
    assert any(label.startswith("mean = ") for label in labels)
    _save(disp, tmp_path / "weights.png")


def test_weights_display_from_weights_errors():
    assert WeightsDisplay.from_weights([1.0, 1.0, 1.0]).effective_sample_size == 3.0
    with pytest.raises(ValueError, match="at least one"):
        WeightsDisplay.from_weights([])
    with pytest.raises(ValueError, match="entries"):
        WeightsDisplay.from_weights([1.0, 2.0], true_weights=[1.0])


def test_history_display_from_deep_estimator(tmp_path):
    pytest.importorskip("skorch")
    from skxfer.deep import DANNClassifier

    X, y, _ = make_shifted_classification(n_samples_source=60, n_samples_target=60, random_state=0)
    clf = DANNClassifier(max_epochs=3, batch_size=32, random_state=0).fit(X, y)
    disp = HistoryDisplay.from_estimator(clf)
    assert set(disp.lines_) == {"train_loss", "train_alignment_loss", "train_target_entropy"}
    assert list(disp.lines_["train_loss"].get_xdata()) == [1, 2, 3]
    assert sorted(_legend_labels(disp.ax_)) == sorted(disp.lines_)
    _save(disp, tmp_path / "history.png")


def test_history_display_keys_and_errors():
    history = [
        {"epoch": 1, "train_loss": 1.0, "valid_acc": 0.5, "train_loss_best": True},
        {"epoch": 2, "train_loss": 0.7, "valid_acc": 0.6},
    ]
    disp = HistoryDisplay.from_history(history)
    assert set(disp.lines_) == {"train_loss", "valid_acc"}
    disp = HistoryDisplay.from_history(history, keys=["valid_acc"], logy=True)
    assert disp.ax_.get_yscale() == "log"
    with pytest.raises(ValueError, match="not a numeric entry"):
        HistoryDisplay.from_history(history, keys=["nope"])
    with pytest.raises(ValueError, match="empty"):
        HistoryDisplay.from_history([])
    with pytest.raises(TypeError, match="history_"):
        HistoryDisplay.from_estimator(CORALAligner().fit(np.eye(3)))


def _report():
    from skxfer.model_selection import ComparisonReport

    return ComparisonReport(
        scores={"source_only": [0.7, 0.72], "coral": [0.8, 0.79], "mmd": [0.5, 0.52]},
        fit_times={"source_only": [0.1, 0.1]},
        metric="accuracy",
        p_values={"coral": 0.9, "mmd": 0.01},
    )


def test_comparison_report_plot_is_a_display(tmp_path):
    disp = _report().plot()
    assert len(disp.bars_) == 3
    colours = [b.get_facecolor()[:3] for b in disp.bars_]
    assert colours[2] != colours[1]  # mmd flagged (negative transfer), coral not
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["source_only", "coral", "mmd"]
    assert _legend_labels(disp.ax_) == ["source_only mean"]
    _save(disp, tmp_path / "comparison.png")


def test_cli_compare_writes_plot_and_report(tmp_path, monkeypatch):
    import json

    from skxfer import cli

    monkeypatch.setattr("skxfer.model_selection.compare_strategies", lambda *a, **k: _report())
    png, js, csv = tmp_path / "c.png", tmp_path / "r.json", tmp_path / "out" / "r.csv"
    assert cli.main(["compare", "--no-progress", "--plot", str(png), "--output", str(js)]) == 0
    assert png.stat().st_size > 1000
    assert [r["strategy"] for r in json.loads(js.read_text())["rows"]] == [
        "source_only",
        "coral",
        "mmd",
    ]
    assert cli.main(["compare", "--no-progress", "--output", str(csv)]) == 0
    lines = csv.read_text().splitlines()
    assert lines[0].startswith("strategy,mean,std") and len(lines) == 4
