"""Shared protocol of the benchmarks (``shared/BENCHMARKS.md``).

Every benchmark loads a task through :mod:`skxfer.datasets`, preprocesses it once
(Office-Caltech SURF: ``Normalizer(l1)`` then ``StandardScaler``; every other data set:
``StandardScaler``; both fitted on source and target rows together), then fits skxfer's
method and the peer's on the *same arrays in the same process*, timing ``fit`` and
scoring accuracy on every target row. Only ratios measured side by side count.
"""

import os
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import Normalizer, StandardScaler

from skxfer import datasets

REPO = Path(__file__).resolve().parents[1]


def data_home(arg=None):
    """``--data-home``, else ``$SKXFER_DATA``, else ``../shared/data`` beside the repo."""
    return arg or os.environ.get("SKXFER_DATA") or str(REPO.parent / "shared" / "data")


def base_estimator():
    """The protocol's base classifier."""
    return LogisticRegression(max_iter=1000)


#: Seed of the row shuffle in :func:`prepare`.
SHUFFLE_SEED = 0


#: Wide sparse data (20 Newsgroups, 25,804 terms) keep this many terms before densifying.
MAX_TERMS = 2000


def prepare(dataset, task, home, *, per_domain=False, standardize=True, **load_params):
    """Load and preprocess a task: ``X, y_masked, sample_domain, y_target_true``.

    ``load_params`` go to :func:`skxfer.datasets.load_task` (e.g. ``features="decaf6"``
    for Office-Caltech DeCAF6; the SURF preprocessing applies to SURF counts only).
    Sparse data wider than ``MAX_TERMS`` columns (20 Newsgroups) keeps the ``MAX_TERMS``
    terms with the highest document frequency over source and target rows (no label
    used) before the dense ``StandardScaler``.
    ``per_domain=True`` standardises each domain on its own rows instead of both
    together: not the protocol, but the preprocessing of the MEDA and EasyTL reference
    code (``zscore`` per domain), to compare with their papers' figures.
    ``standardize=False`` skips the standardisation (e.g. raw MNIST-USPS pixels, as the
    JDA and MEDA papers use them); such figures must be labelled as such.

    The rows of each domain are shuffled (seeded by ``SHUFFLE_SEED``), source rows
    first. The data files list every domain's rows sorted by class, so a method whose
    output depends on the row order can read the labels from it: SKADA 0.6's
    ``TransferComponentAnalysis`` does (it calls ``numpy.linalg.eigh``, which reads one
    triangle only, on the non-symmetric matrix ``(I + mu K L K)^-1 K H K``) and scores
    80.3 % on Amazon in file order but 75.5 % with the rows shuffled within each
    domain. Source rows stay first because several SKADA estimators return their
    training output in source-then-target order.
    """
    ds = datasets.load_task(dataset, task, data_home=home, **load_params)
    X, y, sd = ds.pack()
    if hasattr(X, "toarray") and X.shape[1] > MAX_TERMS:
        df = np.asarray((X != 0).sum(axis=0)).ravel()
        X = X.tocsc()[:, np.sort(np.argsort(-df, kind="stable")[:MAX_TERMS])]
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float)
    y_true = np.asarray(ds.y_true)
    rng = np.random.RandomState(SHUFFLE_SEED)
    order = np.r_[rng.permutation(np.flatnonzero(sd > 0)), rng.permutation(np.flatnonzero(sd < 0))]
    X, y, sd, y_true = X[order], np.asarray(y)[order], np.asarray(sd)[order], y_true[order]
    if dataset == "office_caltech" and load_params.get("features", "surf") == "surf":
        X = Normalizer(norm="l1").fit_transform(X)
    if standardize and per_domain:
        for rows in (sd > 0, sd < 0):
            X[rows] = StandardScaler().fit_transform(X[rows])
    elif standardize:
        X = StandardScaler().fit_transform(X)
    return X, y, sd, y_true[sd < 0]


def run(fit_predict, X, y, sd, y_target):
    """Time ``fit_predict`` and score it: ``(accuracy % or nan, fit seconds, error)``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            predict = fit_predict(X, y, sd)
            seconds = time.perf_counter() - t0
            pred = predict(X[sd < 0])
        if not np.all(np.isfinite(np.asarray(pred, dtype=float))):
            return np.nan, seconds, "non-finite predictions"
        return 100.0 * float(np.mean(pred == y_target)), seconds, None
    except Exception as exc:  # a peer failing is a result to report, not a crash
        return np.nan, np.nan, f"{type(exc).__name__}: {str(exc)[:80]}"


def skxfer_runner(make_estimator):
    """Fit a skxfer estimator in sklearn's default configuration (routing off)."""

    def fit_predict(X, y, sd):
        with sklearn.config_context(enable_metadata_routing=False):
            est = make_estimator().fit(X, y)

        def predict(Xt):
            with sklearn.config_context(enable_metadata_routing=False):
                return est.predict(Xt)

        return predict

    return fit_predict


def skada_runner(make_estimator):
    """Fit a SKADA estimator as its docs require (routing on, explicit sample_domain)."""

    def fit_predict(X, y, sd):
        with sklearn.config_context(enable_metadata_routing=True):
            est = make_estimator().fit(X, y, sample_domain=sd)

        def predict(Xt):
            with sklearn.config_context(enable_metadata_routing=True):
                return est.predict(Xt, sample_domain=-np.ones(len(Xt), dtype=int))

        return predict

    return fit_predict


def format_table(rows, columns):
    """Plain-text table of dict rows."""
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns}
    line = "  ".join(c.ljust(widths[c]) for c in columns)
    out = [line, "-" * len(line)]
    for r in rows:
        out.append("  ".join(_fmt(r.get(c)).ljust(widths[c]) for c in columns))
    return "\n".join(out)


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return "nan" if np.isnan(v) else f"{v:.2f}"
    return str(v)
