"""Nearest-neighbour importance weights (Loog, MLSP 2012)."""

from numbers import Integral, Real

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval

from ._base import BaseDensityRatio

__all__ = ["NearestNeighborDensityRatio"]


class NearestNeighborDensityRatio(BaseDensityRatio):
    """Weights from counts of target rows in each source row's neighbourhood.

    Each target row votes for its ``n_neighbors`` nearest source rows; a source row's
    ratio is its share of the votes plus a Laplace smoothing, relative to the average
    (Loog's Voronoi-cell estimator is ``n_neighbors=1``). A new row gets the mean
    ratio of its nearest source rows. Memory is ``O(n n_neighbors)``.

    Parameters
    ----------
    n_neighbors : int, default=5
    laplace_smoothing : float, default=1.0
        Pseudo-count added to every source row (so no weight is 0).
    n_jobs : int or None, default=None
        Passed to :class:`~sklearn.neighbors.NearestNeighbors`.

    Attributes
    ----------
    source_weights_ : ndarray of shape (n_source,)
    nn_ : NearestNeighbors
        Index of the source rows.

    References
    ----------
    M. Loog. Nearest Neighbor-Based Importance Weighting. IEEE MLSP 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.reweighting import NearestNeighborDensityRatio
    >>> X = np.array([[0.0], [1.0], [5.0], [5.1], [4.9]])
    >>> sd = np.array([1, 1, 1, -1, -1])
    >>> nn = NearestNeighborDensityRatio(n_neighbors=1).fit(X, sample_domain=sd)
    >>> nn.source_weights_.argmax()
    np.int64(2)
    """

    _parameter_constraints = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "laplace_smoothing": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
    }
    _accept_sparse = ("csr",)

    def __init__(self, n_neighbors=5, laplace_smoothing=1.0, n_jobs=None):
        self.n_neighbors = n_neighbors
        self.laplace_smoothing = laplace_smoothing
        self.n_jobs = n_jobs

    def _fit(self, Xs, Xt):
        ns, nt = Xs.shape[0], Xt.shape[0]
        k = min(self.n_neighbors, ns)
        self.nn_ = NearestNeighbors(n_neighbors=k, n_jobs=self.n_jobs).fit(Xs)
        votes = np.zeros(ns)
        step = max(1, 2**22 // max(k, 1))
        for start in range(0, nt, step):
            idx = self.nn_.kneighbors(Xt[start : start + step], return_distance=False)
            votes += np.bincount(idx.ravel(), minlength=ns)
        counts = votes / k + self.laplace_smoothing
        # counts sum to n_t + n_s * smoothing; the ratio averages 1 over the source rows
        return counts * ns / counts.sum()

    def _ratio(self, X):
        idx = self.nn_.kneighbors(X, return_distance=False)
        return self.source_weights_[idx].mean(axis=1)
