"""Every registered shallow strategy with a few labelled target rows.

The test iterates over the registry, so strategies added on other branches (or by
plugins) join automatically. Deep strategies (defined under ``skxfer.deep``) are
skipped without importing torch.
"""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.linear_model import LogisticRegression

from skxfer import get_da_tags, list_strategies, make_strategy
from skxfer.registry import get_strategy, strategy_module, strategy_table
from skxfer.utils.estimator_checks import _seeded


def _shallow():
    return [n for n in list_strategies() if not strategy_module(n).startswith("skxfer.deep")]


def _few_labels_task(seed=0, n_s=80, n_t=60, k=4):
    """Two classes; the target is shifted and its boundary rotated, ``k`` labels per class."""
    rng = np.random.RandomState(seed)
    Xs = rng.randn(n_s, 3)
    Xt = rng.randn(n_t, 3) * 0.9 + [0.8, -0.4, 0.3]
    ys = (Xs @ [1.0, 0.5, 0.0] > 0).astype(int)
    yt = (Xt @ [0.6, 1.0, 0.4] > 0.5).astype(int)
    lab = np.r_[np.flatnonzero(yt == 0)[:k], np.flatnonzero(yt == 1)[:k]]
    y = np.r_[ys, np.full(n_t, -1)]
    y[n_s + lab] = yt[lab]
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return np.vstack([Xs, Xt]), y, sd, n_s + lab


def _scores(est, X):
    for method in ("predict_proba", "decision_function"):
        if hasattr(est, method):
            return np.asarray(getattr(est, method)(X), dtype=float)
    return np.asarray(est.predict(X), dtype=float)


def _fit(name, X, y, sd):
    # an explicit sample_domain reaches a Pipeline's steps through metadata routing
    with config_context(enable_metadata_routing=True):
        return _build(name).fit(X, y, sample_domain=sd)


def _build(name):
    try:
        return _seeded(make_strategy(name, LogisticRegression()))
    except (TypeError, ValueError) as exc:  # needs more than a base estimator
        pytest.skip(f"{name} cannot be built from a LogisticRegression alone: {exc}")


@pytest.mark.parametrize("name", _shallow())
def test_few_labelled_target_rows(name):
    X, y, sd, lab = _few_labels_task()
    y_before = y.copy()
    est = _fit(name, X, y, sd)
    X_target = X[sd < 0]
    pred = est.predict(X_target)
    assert pred.shape == (X_target.shape[0],)
    assert set(np.unique(pred)) <= {0, 1}
    assert np.all(np.isfinite(_scores(est, X_target)))
    np.testing.assert_array_equal(y, y_before)

    # the tag's claim: with the labelled target rows' labels flipped the fit changes
    # exactly when the strategy uses target labels
    y_flipped = y.copy()
    y_flipped[lab] = 1 - y_flipped[lab]
    flipped = _fit(name, X, y_flipped, sd)
    changed = not np.allclose(_scores(est, X_target), _scores(flipped, X_target))
    claim = {r.name: r.uses_target_labels for r in strategy_table(include_deep=False)}[name]
    assert changed == claim, (
        f"{name}: uses_target_labels={claim} but flipping the labelled target rows "
        f"{'changed' if changed else 'did not change'} its predictions"
    )


def test_table_agrees_with_tags():
    rows = strategy_table(include_deep=False)
    assert [r.name for r in rows] == _shallow()
    for r in rows:
        tags = get_da_tags(get_strategy(r.name)())
        assert (r.family, r.kind) == (tags.family, tags.kind)
        assert r.uses_target_labels == (
            tags.uses_target_labels or tags.kind in ("adapter", "weighting")
        )
    by_name = {r.name: r for r in rows}
    assert by_name["relation"].uses_target_labels
    assert not by_name["label_shift"].uses_target_labels


def test_docs_table_is_current():
    """docs/few_labels.md lists every registered strategy as its tags say."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "docs" / "make_few_labels_table.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, "run python docs/make_few_labels_table.py: " + proc.stdout
