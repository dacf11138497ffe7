"""TransferSelector: pick a transfer strategy without target labels, or don't transfer."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .._domains import is_masked, validate_da_data
from ..base import DATags, DomainAwareMixin
from ..pipeline import LabelledOnly
from ._compare import (
    SOURCE_ONLY,
    _collect,
    _explicit_domains,
    _fit,
    _fit_and_score,
    _run,
    _seeded,
    _splits,
    build_candidates,
)
from ._scorers import get_da_scorer
from ._source_selection import expand_sources
from ._split import DomainShuffleSplit

__all__ = ["TransferSelector"]


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "best_estimator_"):
            return hasattr(self.best_estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


def choose(report, *, margin=0.0, min_win_rate=0.8, fallback="source_only"):
    """Strategy a :class:`TransferSelector` picks from a cross-validation report.

    A candidate is *credible* when its mean score beats source-only by more than
    ``margin`` and it beats source-only on at least ``min_win_rate`` of the folds; the
    credible candidate with the best mean is chosen, else source-only (with
    ``fallback=None``, the best mean whatever the baseline).

    Returns
    -------
    name : str
    """
    means = {n: report.mean(n) for n in report.scores}
    means = {n: m for n, m in means.items() if np.isfinite(m)}
    if fallback is None:
        return max(means, key=means.get) if means else SOURCE_ONLY
    base = means.get(SOURCE_ONLY, -np.inf)
    credible = {
        n: m for n, m in means.items()
        if n != SOURCE_ONLY and m - base > margin and report._win_rate(n) >= min_win_rate
    }
    return max(credible, key=credible.get) if credible else SOURCE_ONLY


class TransferSelector(DomainAwareMixin, MetaEstimatorMixin, BaseEstimator):
    """Try an estimator under every transfer strategy; keep the best, or none.

    At ``fit``, each candidate (source-only, i.e. ``LabelledOnly(estimator)``, and the
    estimator under each strategy) is cross-validated with a DA splitter and scored by
    an unsupervised DA scorer on the validation folds. The best candidate is kept only
    if it is *credibly* better than source-only: its mean score exceeds source-only's by
    more than ``margin`` and it wins on at least ``min_win_rate`` of the folds; otherwise
    the selector falls back to source-only. The chosen strategy is refitted on all rows.
    With no target row at all, it is the plain estimator (fitted on the labelled rows).

    Parameters
    ----------
    estimator : estimator
        The user's classifier (or regressor, with a scorer that supports it).
    strategies : None, list of str / estimators, or dict, default=None
        Candidates; ``None`` tries every applicable registered strategy
        (:func:`applicable_strategies`).
    scoring : str or callable, default=None
        DA scorer (see :func:`get_da_scorer`); ``None`` is ``"importance_weighted"``.
    cv : int, splitter or iterable, default=None
        ``None``: ``DomainShuffleSplit(5, test_size=0.3, random_state=random_state)``.
    fallback : {"source_only", None}, default="source_only"
        What to do when no candidate is credibly better: keep source-only, or (``None``)
        take the best-scoring candidate anyway.
    margin : float, default=0.005
        Minimum mean-score gain over source-only (in the scorer's units).
    min_win_rate : float, default=0.8
        Minimum share of folds on which the candidate beats source-only.
    source_selection : bool, default=False
        With several source domains, also consider each source alone (every strategy
        fitted on that source and the target), next to their union.
    n_jobs : int, default=None
        Parallel candidate fits through joblib.
    random_state : int, default=0
        Seeds the default splitter and strategies whose ``random_state`` is ``None``.

    Attributes
    ----------
    selected_strategy_ : str
        Name of the chosen candidate (``"source_only"`` on fallback).
    best_estimator_ : estimator
        The chosen candidate refitted on all rows.
    report_ : ComparisonReport or None
        The cross-validation table (``None`` without target rows).
    scores_ : dict of str to ndarray
        Per-fold scores of each candidate.
    cv_results_ : dict
        ``report_.to_dict()``.
    classes_ : ndarray
        Class labels (classifiers).
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer.model_selection import TransferSelector
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> sel = TransferSelector(LogisticRegression(), strategies=["coral"], cv=3).fit(X, y)
    >>> sel.selected_strategy_ in {"source_only", "coral"}
    True
    >>> sel.predict(X[sd < 0]).shape
    (50,)
    """

    _da_tags = DATags(family="model", kind="estimator", requires_target=False,
                      uses_target_labels=True)

    def __init__(self, estimator, strategies=None, scoring=None, cv=None,
                 fallback="source_only", margin=0.005, min_win_rate=0.8,
                 source_selection=False, n_jobs=None, random_state=0):
        self.estimator = estimator
        self.strategies = strategies
        self.scoring = scoring
        self.cv = cv
        self.fallback = fallback
        self.margin = margin
        self.min_win_rate = min_win_rate
        self.source_selection = source_selection
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y, sample_domain=None):
        """Cross-validate the candidates, choose one, refit it on all rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels, unknown target labels masked (``-1`` / ``NaN``).
        sample_domain : array-like of shape (n_samples,), default=None
            Inferred from the mask when ``None``.

        Returns
        -------
        self : object
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if self.fallback not in ("source_only", None):
            raise ValueError(f"fallback must be 'source_only' or None; got {self.fallback!r}.")
        if not isinstance(self.margin, numbers.Real):
            raise ValueError(f"margin must be a number; got {self.margin!r}.")
        y = column_or_1d(y, warn=True)
        X, y, sd = validate_da_data(self, X, y, sample_domain, reset=True,
                                    accept_sparse=["csr", "csc"],
                                    require_labelled_source=True)
        if is_classifier(self.estimator) and y.dtype.kind not in "OUSb":
            from sklearn.utils.multiclass import check_classification_targets

            check_classification_targets(y[~is_masked(y)])
        explicit = _explicit_domains(y, sd)
        if not np.any(sd < 0):
            self.selected_strategy_ = SOURCE_ONLY
            self.report_ = None
            self.scores_ = {}
            self.cv_results_ = {}
            best = LabelledOnly(clone(self.estimator))
        else:
            candidates = build_candidates(self.strategies, self.estimator)
            if self.source_selection:
                candidates = expand_sources(candidates, sd)
                explicit = sd
            scorer = get_da_scorer("importance_weighted" if self.scoring is None
                                   else self.scoring)
            cv = self.cv
            if cv is None or isinstance(cv, numbers.Integral):
                cv = DomainShuffleSplit(5 if cv is None else cv, random_state=self.random_state)
            splits = _splits(cv, X, y, sd)
            from sklearn.utils.parallel import delayed

            tasks = (
                delayed(_fit_and_score)(name, est, X, y, explicit, tr, te, scorer,
                                        self.random_state, np.nan)
                for name, est in candidates.items() for tr, te in splits
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                report = _collect(_run(tasks, self.n_jobs, False, ""), candidates, scorer,
                                  alpha=0.05)
            name = choose(report, margin=self.margin, min_win_rate=self.min_win_rate,
                          fallback=self.fallback)
            report.selected = name
            self.selected_strategy_ = name
            self.report_ = report
            self.scores_ = report.scores
            self.cv_results_ = report.to_dict()
            best = candidates[name]
        best = _seeded(clone(best), self.random_state)
        self.best_estimator_ = _fit(best, X, y, explicit)
        if hasattr(self.best_estimator_, "classes_"):
            self.classes_ = self.best_estimator_.classes_
        return self

    def _check_X(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, accept_sparse=["csr", "csc"])

    @available_if(_estimator_has("predict"))
    def predict(self, X, sample_domain=None):
        """Predict target rows with the chosen strategy (every row is target)."""
        X = self._check_X(X)
        return self.best_estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities of target rows with the chosen strategy."""
        X = self._check_X(X)
        return self.best_estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, sample_domain=None):
        """Log class probabilities of target rows with the chosen strategy."""
        X = self._check_X(X)
        return self.best_estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X, sample_domain=None):
        """Decision function of the chosen strategy."""
        X = self._check_X(X)
        return self.best_estimator_.decision_function(X)

    def score(self, X, y, sample_weight=None, sample_domain=None):
        """Accuracy (classifiers) or R² (regressors) on the labelled rows of ``(X, y)``;
        ``nan`` when every row is masked."""
        X = self._check_X(X)
        y = np.asarray(y)
        keep = ~is_masked(y)
        if not keep.any():
            return float("nan")
        sw = None if sample_weight is None else np.asarray(sample_weight)[keep]
        pred = self.best_estimator_.predict(X[keep])
        metric = accuracy_score if is_classifier(self) else r2_score
        return float(metric(y[keep], pred, sample_weight=sw))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags.required = True
        tags.input_tags.sparse = inner.input_tags.sparse
        return tags
