"""Choosing the source: rank source domains by shift and by transfer to the target."""

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from .._domains import check_sample_domain
from ..base import DATags, DomainAwareMixin
from ..pipeline import LabelledOnly

__all__ = ["rank_sources", "expand_sources"]


class _SourceSubset(DomainAwareMixin, MetaEstimatorMixin, BaseEstimator):
    """Fit ``estimator`` on the target rows and the rows of the given source domains."""

    _da_tags = DATags(family="model", kind="estimator", requires_target=False)

    def __init__(self, estimator, sources):
        self.estimator = estimator
        self.sources = sources

    def fit(self, X, y, sample_domain=None):
        from ._compare import _fit
        from ._scorers import _rows

        if sample_domain is None:
            raise ValueError("Choosing sources needs sample_domain (one index per source).")
        sd = np.asarray(sample_domain)
        keep = np.flatnonzero((sd < 0) | np.isin(sd, list(self.sources)))
        self.estimator_ = _fit(clone(self.estimator), _rows(X, keep), np.asarray(y)[keep], sd[keep])
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X, sample_domain=None):
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def predict_proba(self, X, sample_domain=None):
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def score(self, X, y, sample_weight=None):
        check_is_fitted(self)
        return self.estimator_.score(X, y, sample_weight=sample_weight)


def expand_sources(candidates, sample_domain):
    """Each candidate on each single source, next to the candidate on all sources.

    Names become ``"name[s]"`` for source ``s`` alone; the unchanged names use the union.
    With one source, ``candidates`` is returned unchanged.
    """
    sources = np.unique(sample_domain[sample_domain > 0])
    if sources.size < 2:
        return dict(candidates)
    out = dict(candidates)
    for name, est in candidates.items():
        for s in sources:
            out[f"{name}[{int(s)}]"] = _SourceSubset(est, (int(s),))
    return out


def rank_sources(
    X,
    y,
    sample_domain,
    *,
    estimator=None,
    scoring=None,
    cv=None,
    diagnostics=("mmd2", "proxy_a_distance", "coral_distance", "domain_classifier_auc"),
    n_jobs=None,
    random_state=0,
):
    """Rank source domains by their shift to the target and by transfer to it.

    Every source domain ``s`` (``sample_domain == s > 0``) is scored two ways: shift
    diagnostics between its rows and the target rows (smaller is closer), and the
    cross-validated DA score of the source-only model trained on ``s`` alone (scored on
    validation folds holding all sources' rows and the target rows, so every source is
    judged on the same rows). Rows are sorted by that transfer score.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Source labels; target rows masked.
    sample_domain : array-like of shape (n_samples,)
        ``1, 2, ...`` for the sources, negative for the target.
    estimator : estimator, default=None
        ``LogisticRegression(max_iter=1000)`` when ``None``.
    scoring : str or callable, default=None
        DA scorer (``"importance_weighted"`` when ``None``).
    cv : int, splitter or iterable, default=None
        ``DomainShuffleSplit(5)`` when ``None``.
    diagnostics : tuple of str
        Functions of :mod:`skxfer.metrics` reported as columns.
    n_jobs : int, default=None
    random_state : int, default=0

    Returns
    -------
    report : ComparisonReport
        One row per source (``"source[s]"``) plus the union (``"source_only"``, the
        baseline), sorted by mean transfer score; diagnostics as extra columns.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.model_selection import rank_sources
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(40, 2), rng.randn(40, 2) + 3, rng.randn(40, 2)]
    >>> y = np.r_[X[:40, 1] > 0, X[40:80, 1] > 3, -np.ones(40)].astype(int)
    >>> sd = np.r_[np.ones(40), 2 * np.ones(40), -np.ones(40)].astype(int)
    >>> report = rank_sources(X, y, sd, cv=3, diagnostics=("mmd2",))
    >>> rows = {row["strategy"]: row for row in report.rows}
    >>> rows["source[1]"]["mmd2"] < rows["source[2]"]["mmd2"]
    True
    """
    from sklearn.utils.parallel import delayed

    from .. import metrics
    from ._compare import _collect, _fit_and_score, _run, _splits
    from ._scorers import _rows, get_da_scorer
    from ._split import DomainShuffleSplit

    estimator = LogisticRegression(max_iter=1000) if estimator is None else estimator
    y = np.asarray(y)
    sd = check_sample_domain(sample_domain, y.shape[0])
    sources = np.unique(sd[sd > 0])
    if sources.size == 0 or not np.any(sd < 0):
        raise ValueError("rank_sources needs source rows (sample_domain > 0) and target rows.")
    candidates = {"source_only": LabelledOnly(clone(estimator))}
    for s in sources:
        candidates[f"source[{int(s)}]"] = _SourceSubset(LabelledOnly(clone(estimator)), (int(s),))
    scorer = get_da_scorer("importance_weighted" if scoring is None else scoring)
    if cv is None or isinstance(cv, int):
        cv = DomainShuffleSplit(5 if cv is None else cv, random_state=random_state)
    splits = _splits(cv, X, y, sd)
    tasks = (
        delayed(_fit_and_score)(n, e, X, y, sd, tr, te, scorer, random_state, np.nan)
        for n, e in candidates.items()
        for tr, te in splits
    )
    report = _collect(_run(tasks, n_jobs, False, ""), candidates, scorer, alpha=0.05)
    target = np.flatnonzero(sd < 0)
    for name, keep in [("source_only", sources)] + [(f"source[{int(s)}]", [s]) for s in sources]:
        rows = np.r_[np.flatnonzero(np.isin(sd, keep)), target]
        Xs, sds = _rows(X, rows), sd[rows]
        report.extra[name] = {
            d: float(getattr(metrics, d)(Xs, sample_domain=sds)) for d in diagnostics
        }
    order = sorted(report.scores, key=lambda n: -report.mean(n))
    report.scores = {n: report.scores[n] for n in order}
    report.fit_times = {n: report.fit_times[n] for n in order}
    return report
