"""KLIEP: Kullback-Leibler importance estimation (Sugiyama et al., NIPS 2007 / AISM 2008)."""

from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..kernels import kernel_matrix, median_bandwidth
from ._base import BaseDensityRatio

__all__ = ["KLIEPDensityRatio"]

_TINY = 1e-300


def _centers(Xt, n_centers, rng):
    idx = rng.choice(Xt.shape[0], min(n_centers, Xt.shape[0]), replace=False)
    return Xt[idx]


def _kliep_alpha(Ks, Kt, max_iter):
    """Maximise ``mean log(Kt a) - mean(Ks a)`` over ``a >= 0`` (L-BFGS-B).

    At the optimum ``mean(Ks a) = 1``: the objective is the Lagrangian of KLIEP's
    normalisation constraint, whose multiplier is exactly 1.
    """
    ks = Ks.mean(axis=0)
    a0 = np.full(Ks.shape[1], 1.0 / max(ks.sum(), _TINY))

    def fun(a):
        wt = np.maximum(Kt @ a, _TINY)
        f = -np.mean(np.log(wt)) + ks @ a
        g = -(Kt.T @ (1.0 / wt)) / Kt.shape[0] + ks
        return f, g

    res = minimize(
        fun,
        a0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * a0.size,
        options={"maxiter": max_iter},
    )
    return res.x


class KLIEPDensityRatio(BaseDensityRatio):
    """KLIEP: a Gaussian-kernel model of the ratio fitted by maximum likelihood on target.

    The ratio is ``w(x) = sum_l a_l k(x, c_l)`` with centres ``c_l`` drawn from the
    target rows; ``a >= 0`` maximises the log-likelihood of the target rows under
    ``w p_source`` subject to ``w`` averaging 1 on the source rows (Sugiyama et al.),
    solved with L-BFGS-B on the Lagrangian form. The bandwidth is chosen by
    likelihood cross-validation on the target rows among multiples of the median
    heuristic, so it adapts to any dimension (a fixed ``gamma`` underflows on
    hundreds of standardised features). Memory is ``O(n n_centers)``.

    Parameters
    ----------
    gamma : "auto", "median" or float, default="auto"
        Gaussian kernel coefficient ``exp(-gamma ||x - c||^2)``. ``"auto"``: likelihood
        cross-validation over ``1 / (2 (s sigma)^2)`` for ``s`` in ``bandwidth_scales``
        and the median distance ``sigma``; ``"median"``: ``s = 1``.
    bandwidth_scales : tuple of float, default=(0.5, 1.0, 2.0)
        Multiples of the median distance tried when ``gamma="auto"``.
    n_centers : int, default=100
        Number of target rows used as kernel centres.
    cv : int, default=3
        Folds of target rows for the likelihood cross-validation.
    max_iter : int, default=200
        L-BFGS-B iterations.
    random_state : int, RandomState or None, default=None
        Seeds the choice of centres and folds.

    Attributes
    ----------
    source_weights_ : ndarray of shape (n_source,)
    gamma_ : float
        Selected kernel coefficient.
    alpha_ : ndarray of shape (n_centers,)
    centers_ : ndarray of shape (n_centers, n_features)
    cv_scores_ : dict
        Held-out target log-likelihood per candidate ``gamma`` (``"auto"`` only).

    References
    ----------
    M. Sugiyama, S. Nakajima, H. Kashima, P. von Bünau and M. Kawanabe. Direct
    Importance Estimation with Model Selection and Its Application to Covariate Shift
    Adaptation. NIPS 2007; Annals of the Institute of Statistical Mathematics 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.reweighting import KLIEPDensityRatio
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(100, 2), rng.randn(80, 2) + 1.0]
    >>> sd = np.r_[np.ones(100), -np.ones(80)].astype(int)
    >>> w = KLIEPDensityRatio(random_state=0).fit(X, sample_domain=sd).source_weights_
    >>> bool(np.isfinite(w).all()), round(float(w.mean()), 1)
    (True, 1.0)
    """

    _parameter_constraints = {
        "gamma": [StrOptions({"auto", "median"}), Interval(Real, 0, None, closed="neither")],
        "bandwidth_scales": ["array-like"],
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        gamma="auto",
        bandwidth_scales=(0.5, 1.0, 2.0),
        n_centers=100,
        cv=3,
        max_iter=200,
        random_state=None,
    ):
        self.gamma = gamma
        self.bandwidth_scales = bandwidth_scales
        self.n_centers = n_centers
        self.cv = cv
        self.max_iter = max_iter
        self.random_state = random_state

    def _fit(self, Xs, Xt):
        rng = check_random_state(self.random_state)
        if isinstance(self.gamma, str):
            sigma = median_bandwidth(Xs, Xt, random_state=rng.randint(2**31 - 1))
            scales = [1.0] if self.gamma == "median" else list(self.bandwidth_scales)
            candidates = [1.0 / (2.0 * (s * sigma) ** 2) for s in scales]
        else:
            candidates = [float(self.gamma)]
        self.cv_scores_ = {}
        if len(candidates) > 1 and Xt.shape[0] >= 2 * self.cv:
            folds = np.array_split(rng.permutation(Xt.shape[0]), self.cv)
            for gamma in candidates:
                score = 0.0
                for k in range(self.cv):
                    test = folds[k]
                    train = np.concatenate([folds[j] for j in range(self.cv) if j != k])
                    C = _centers(Xt[train], self.n_centers, rng)
                    a = _kliep_alpha(
                        kernel_matrix(Xs, C, gamma=gamma),
                        kernel_matrix(Xt[train], C, gamma=gamma),
                        self.max_iter,
                    )
                    wt = kernel_matrix(Xt[test], C, gamma=gamma) @ a
                    score += np.mean(np.log(np.maximum(wt, _TINY))) / self.cv
                self.cv_scores_[gamma] = score
            gamma = max(self.cv_scores_, key=self.cv_scores_.get)
        else:
            gamma = candidates[0]
        self.gamma_ = gamma
        self.centers_ = _centers(Xt, self.n_centers, rng)
        Ks = kernel_matrix(Xs, self.centers_, gamma=gamma)
        self.alpha_ = _kliep_alpha(Ks, kernel_matrix(Xt, self.centers_, gamma=gamma), self.max_iter)
        return Ks @ self.alpha_

    def _ratio(self, X):
        return kernel_matrix(X, self.centers_, gamma=self.gamma_) @ self.alpha_
