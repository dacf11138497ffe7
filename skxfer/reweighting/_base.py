"""The interface of density-ratio estimators (the plugins of ``InstanceReweighter``)."""

from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils.validation import check_is_fitted, validate_data

from .._domains import validate_da_data
from ..base import DATags, DomainAwareMixin

__all__ = ["BaseDensityRatio", "EffectiveSampleSizeWarning", "effective_sample_size"]


class EffectiveSampleSizeWarning(UserWarning):
    """The importance weights leave few effective source rows.

    Raised by :class:`~skxfer.reweighting.InstanceReweighter` when the effective sample
    size ``(sum w)^2 / sum w^2`` falls below a fraction of the number of source rows:
    a few rows then dominate the fit, which is usually worse than no reweighting.
    """


def effective_sample_size(weights):
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` of non-negative weights.

    Parameters
    ----------
    weights : array-like of shape (n_samples,)

    Returns
    -------
    ess : float
        Between 1 (one row carries all the weight) and ``n_samples`` (equal weights);
        0 when every weight is 0.

    Examples
    --------
    >>> from skxfer.reweighting import effective_sample_size
    >>> effective_sample_size([1.0, 1.0, 1.0, 1.0])
    4.0
    >>> effective_sample_size([4.0, 0.0, 0.0, 0.0])
    1.0
    """
    w = np.asarray(weights, dtype=np.float64)
    sq = float(np.dot(w, w))
    return float(w.sum() ** 2 / sq) if sq > 0 else 0.0


def normalise_weights(weights, *, power=1.0, clip=None, shrinkage=0.0, n_iter=20):
    """Importance weights normalised to mean 1, flattened, clipped and shrunk.

    The one post-processing of density-ratio weights in skxfer (the reweighter's and the
    importance-weighted scorers'): normalise to mean 1, flatten as ``w ** power``
    (renormalised), clip at ``clip`` times the mean, renormalising until no weight
    exceeds ``clip`` (clipping then renormalising can push weights above it again), then
    shrink towards uniform weights, ``(1 - shrinkage) w + shrinkage``.

    Parameters
    ----------
    weights : array-like of shape (n_samples,)
        Non-negative raw density ratios.
    power : float, default=1.0
    clip : float or None, default=None
        Largest weight, as a multiple of the mean; ``None`` does not clip.
    shrinkage : float, default=0.0
    n_iter : int, default=20
        Most clip-and-renormalise rounds.

    Returns
    -------
    weights : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skxfer.reweighting._base import normalise_weights
    >>> normalise_weights([1.0, 1.0, 1.0, 9.0], clip=2.0).round(2).tolist()
    [0.67, 0.67, 0.67, 2.0]
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0:
        return w
    total = w.sum()
    if not np.isfinite(total) or total <= 0:
        raise ValueError(
            "Every source row got a zero importance weight: the density-ratio estimator "
            "found no source row that resembles the target. Check that source and target "
            "share features and scaling, or use a wider kernel bandwidth / another method."
        )
    w = w / w.mean()
    if power != 1.0:
        w = w**power
        w = w / w.mean()
    if clip is not None:
        for _ in range(n_iter):
            if w.max() <= clip * (1 + 1e-9):
                break
            w = np.minimum(w, clip)
            w = w / w.mean()
    return (1.0 - shrinkage) * w + shrinkage


class BaseDensityRatio(DomainAwareMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of density-ratio estimators ``w(x) = p_target(x) / p_source(x)``.

    A density-ratio estimator is fitted on source and target rows under skxfer's data
    contract (``X`` stacked, domains from ``sample_domain`` or the masked labels; labels
    themselves are ignored). After ``fit``, ``source_weights_`` holds the ratio at the
    source rows seen at fit, in their order, and :meth:`compute_weights` evaluates it at
    any rows. Subclasses implement ``_fit(X_source, X_target) -> source weights`` and
    ``_ratio(X)``; the class is registered in ``skxfer.strategies`` so that
    ``InstanceReweighter(method=name)`` finds it.
    """

    _da_tags = DATags(family="instance", kind="weighting", requires_target=True)
    _accept_sparse = False
    _parameter_constraints: dict = {}

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_domain=None):
        """Estimate the density ratio from source and target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows stacked.
        y : array-like of shape (n_samples,), default=None
            Labels with target rows masked; used only to infer the domains.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain of each row (``> 0`` source, ``< 0`` target).

        Returns
        -------
        self : object
        """
        X, _, sample_domain = validate_da_data(
            self,
            X,
            y,
            sample_domain,
            reset=True,
            require_target=True,
            require_source=True,
            accept_sparse=self._accept_sparse,
            dtype=np.float64,
        )
        source, target = sample_domain > 0, sample_domain < 0
        name = type(self).__name__
        if not target.any():
            raise ValueError(
                f"{name} needs target rows to estimate p_target / p_source: mask the target "
                "labels (-1 / NaN) or pass sample_domain with negative entries for them."
            )
        if not source.any():
            raise ValueError(
                f"{name} needs source rows: every row is marked as target. Give the source "
                "rows a positive sample_domain (or a label)."
            )
        weights = np.asarray(self._fit(X[source], X[target]), dtype=np.float64)
        self.source_weights_ = _finite_nonnegative(weights, name)
        self.n_source_ = int(source.sum())
        self.n_target_ = int(target.sum())
        return self

    def compute_weights(self, X):
        """Evaluate the estimated ratio ``p_target(x) / p_source(x)`` at rows ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            Non-negative; the source rows seen at fit average about 1.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=self._accept_sparse, dtype=np.float64)
        return _finite_nonnegative(
            np.asarray(self._ratio(X), dtype=np.float64), type(self).__name__
        )

    @abstractmethod
    def _fit(self, X_source, X_target):
        """Fit on validated source and target rows; return the ratio at the source rows."""

    @abstractmethod
    def _ratio(self, X):
        """The ratio at validated rows ``X`` (after ``_fit``)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = bool(self._accept_sparse)
        tags.requires_fit = True
        return tags


def _finite_nonnegative(weights, name):
    weights = np.where(np.isfinite(weights), weights, np.nan)
    if np.isnan(weights).all():
        raise ValueError(
            f"{name} produced no finite weight; check the kernel bandwidth (use the "
            "default gamma='median') and that the features are scaled."
        )
    # an infinite ratio is as large as the largest finite one; negative estimates are 0
    weights = np.nan_to_num(weights, nan=np.nanmax(weights))
    return np.maximum(weights, 0.0)
