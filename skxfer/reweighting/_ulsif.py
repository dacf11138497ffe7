"""uLSIF: unconstrained least-squares importance fitting (Kanamori, Hido, Sugiyama 2009)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..kernels import kernel_matrix, median_bandwidth
from ._base import BaseDensityRatio

__all__ = ["ULSIFDensityRatio"]


def _loo_score(Ks, Kt, H, h, lam, n_s, n_t):
    """Kanamori et al.'s closed-form leave-one-out squared error of uLSIF.

    ``Ks`` (b x n) and ``Kt`` (b x n) hold the kernel values of ``n`` paired source and
    target rows against the ``b`` centres; ``H``, ``h`` are computed on all source and
    target rows (``n_s``, ``n_t`` of them).
    """
    b, n = Ks.shape
    Bm = H + lam * (n_s - 1) / n_s * np.eye(b)
    Binv_h = np.linalg.solve(Bm, h)
    Binv_Ks = np.linalg.solve(Bm, Ks)
    denom = n_s - np.sum(Ks * Binv_Ks, axis=0)
    B0 = Binv_h[:, None] + Binv_Ks * ((h @ Binv_Ks) / denom)[None, :]
    B1 = np.linalg.solve(Bm, Kt) + Binv_Ks * (np.sum(Kt * Binv_Ks, axis=0) / denom)[None, :]
    B2 = np.maximum(0.0, (n_s - 1) * (n_t * B0 - B1) / (n_s * n_t - n))
    r_s = np.sum(Ks * B2, axis=0)
    r_t = np.sum(Kt * B2, axis=0)
    return float(r_s @ r_s / 2.0 / n - r_t.sum() / n)


class ULSIFDensityRatio(BaseDensityRatio):
    """uLSIF: least-squares fit of a kernel model of the ratio, in closed form.

    The ratio is ``w(x) = sum_l a_l k(x, c_l)`` with Gaussian centres ``c_l`` drawn from
    the target rows; ``a = (H + lambda I)^{-1} h`` minimises the squared error to the
    true ratio under the source distribution (``H`` the source second moment of the
    kernel features, ``h`` their target mean), and negative coefficients are set to 0.
    The bandwidth and ``lambda`` are chosen by Kanamori et al.'s closed-form
    leave-one-out score on paired source / target rows. Memory is ``O(n n_centers)``.

    Parameters
    ----------
    gamma : "auto", "median" or float, default="auto"
        Gaussian coefficient; ``"auto"`` selects among ``1 / (2 (s sigma)^2)`` for ``s``
        in ``bandwidth_scales`` (``sigma`` the median distance) by leave-one-out.
    lambda_ : "auto" or float, default="auto"
        Ridge regularisation; ``"auto"`` selects among ``lambda_grid`` by leave-one-out.
    bandwidth_scales : tuple of float, default=(0.5, 1.0, 2.0)
    lambda_grid : tuple of float, default=(1e-3, 1e-2, 1e-1, 1.0)
    n_centers : int, default=100
    max_loo_samples : int, default=1000
        Paired rows used by the leave-one-out score (a random subsample beyond that).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    source_weights_ : ndarray of shape (n_source,)
    gamma_, lambda__ : float
        Selected bandwidth coefficient and regularisation.
    alpha_ : ndarray of shape (n_centers,)
    centers_ : ndarray of shape (n_centers, n_features)
    loo_scores_ : dict
        Leave-one-out score per ``(gamma, lambda)`` (lower is better).

    References
    ----------
    T. Kanamori, S. Hido and M. Sugiyama. A Least-squares Approach to Direct Importance
    Estimation. Journal of Machine Learning Research 10, 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.reweighting import ULSIFDensityRatio
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(100, 2), rng.randn(80, 2) + 1.0]
    >>> sd = np.r_[np.ones(100), -np.ones(80)].astype(int)
    >>> w = ULSIFDensityRatio(random_state=0).fit(X, sample_domain=sd).source_weights_
    >>> bool((w >= 0).all())
    True
    """

    _parameter_constraints = {
        "gamma": [StrOptions({"auto", "median"}), Interval(Real, 0, None, closed="neither")],
        "lambda_": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "bandwidth_scales": ["array-like"],
        "lambda_grid": ["array-like"],
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "max_loo_samples": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        gamma="auto",
        lambda_="auto",
        bandwidth_scales=(0.5, 1.0, 2.0),
        lambda_grid=(1e-3, 1e-2, 1e-1, 1.0),
        n_centers=100,
        max_loo_samples=1000,
        random_state=None,
    ):
        self.gamma = gamma
        self.lambda_ = lambda_
        self.bandwidth_scales = bandwidth_scales
        self.lambda_grid = lambda_grid
        self.n_centers = n_centers
        self.max_loo_samples = max_loo_samples
        self.random_state = random_state

    def _fit(self, Xs, Xt):
        rng = check_random_state(self.random_state)
        ns, nt = Xs.shape[0], Xt.shape[0]
        self.centers_ = Xt[rng.choice(nt, min(self.n_centers, nt), replace=False)]
        if isinstance(self.gamma, str):
            sigma = median_bandwidth(Xs, Xt, random_state=rng.randint(2**31 - 1))
            scales = [1.0] if self.gamma == "median" else list(self.bandwidth_scales)
            gammas = [1.0 / (2.0 * (s * sigma) ** 2) for s in scales]
        else:
            gammas = [float(self.gamma)]
        lambdas = list(self.lambda_grid) if self.lambda_ == "auto" else [float(self.lambda_)]
        n_loo = min(ns, nt, self.max_loo_samples)
        idx_s = rng.permutation(ns)[:n_loo]
        idx_t = rng.permutation(nt)[:n_loo]
        self.loo_scores_ = {}
        best = None
        for gamma in gammas:
            Ks = kernel_matrix(Xs, self.centers_, gamma=gamma)
            H = Ks.T @ Ks / ns
            h = kernel_matrix(Xt, self.centers_, gamma=gamma).mean(axis=0)
            if len(gammas) * len(lambdas) > 1 and n_loo >= 2:
                Kt_loo = kernel_matrix(Xt[idx_t], self.centers_, gamma=gamma).T
                for lam in lambdas:
                    score = _loo_score(Ks[idx_s].T, Kt_loo, H, h, lam, ns, nt)
                    self.loo_scores_[(gamma, lam)] = score
                    if best is None or score < best[0]:
                        best = (score, gamma, lam, Ks, H, h)
            else:
                best = (0.0, gamma, lambdas[0], Ks, H, h)
        _, self.gamma_, self.lambda__, Ks, H, h = best
        b = H.shape[0]
        self.alpha_ = np.maximum(np.linalg.solve(H + self.lambda__ * np.eye(b), h), 0.0)
        return Ks @ self.alpha_

    def _ratio(self, X):
        return kernel_matrix(X, self.centers_, gamma=self.gamma_) @ self.alpha_
