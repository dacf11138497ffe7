"""Kernel mean matching (Huang, Smola, Gretton, Borgwardt and Schölkopf, NIPS 2007)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..kernels import (
    kernel_matrix,
    kernel_matvec,
    kernel_row_means,
    low_rank_features,
    resolve_gamma,
)
from ._base import BaseDensityRatio

__all__ = ["KMMDensityRatio"]


def project_box_sum(v, upper, lo, hi, n_iter=60):
    """Euclidean projection of ``v`` onto ``{0 <= b <= upper, lo <= sum(b) <= hi}``.

    The projection is ``clip(v - tau, 0, upper)`` for the scalar ``tau`` that brings the
    sum into ``[lo, hi]`` (``tau = 0`` when it already is); ``tau`` is found by bisection.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.reweighting._kmm import project_box_sum
    >>> project_box_sum(np.array([3.0, 1.0]), 10.0, 2.0, 2.0).round(6).tolist()
    [2.0, 0.0]
    """
    b = np.clip(v, 0.0, upper)
    s = b.sum()
    if lo <= s <= hi:
        return b
    target = hi if s > hi else lo
    # sum(clip(v - tau)) is non-increasing in tau
    t_lo, t_hi = (0.0, float(v.max())) if s > hi else (float(v.min()) - upper, 0.0)
    for _ in range(n_iter):
        tau = 0.5 * (t_lo + t_hi)
        if np.clip(v - tau, 0.0, upper).sum() > target:
            t_lo = tau
        else:
            t_hi = tau
    return np.clip(v - 0.5 * (t_lo + t_hi), 0.0, upper)


class KMMDensityRatio(BaseDensityRatio):
    """Kernel mean matching: source weights whose kernel mean embedding matches the target.

    Solves Huang et al.'s quadratic programme

    ``min_b 1/2 b' K b - kappa' b``  s.t. ``0 <= b_i <= B``, ``|sum_i b_i - n_s| <= n_s eps``

    with ``K`` the source kernel matrix and ``kappa_i = n_s/n_t sum_j k(x_i, t_j)``, by
    accelerated projected gradient (FISTA with adaptive restart). The projection onto
    the box and the sum constraint is exact (a bisection on one scalar). No ``n x n``
    matrix is formed past ``max_dense`` source rows: ``K`` is then replaced by a Nyström
    factor ``Phi Phi'`` of rank ``n_components`` and every iteration costs
    ``O(n_s n_components)``. The target mean ``kappa`` is computed in kernel blocks.

    Parameters
    ----------
    kernel : {"rbf", "laplacian", "linear", "poly"}, default="rbf"
    gamma : "median", "scale" or float, default="median"
        Kernel coefficient; ``"median"`` applies the median heuristic to the stacked
        source and target rows, which suits standardised data of any dimension.
    B : float, default=1000.0
        Upper bound of each weight.
    eps : float or None, default=None
        Slack of the sum constraint; ``None`` uses ``(sqrt(n_s) - 1) / sqrt(n_s)``.
    solver : {"auto", "dense", "nystroem"}, default="auto"
        ``"dense"`` uses the exact kernel matrix, ``"nystroem"`` its low-rank
        approximation; ``"auto"`` picks ``"dense"`` up to ``max_dense`` source rows.
    n_components : int, default=300
        Rank of the Nyström approximation.
    max_dense : int, default=1500
        Largest number of source rows solved with the exact kernel matrix (held in
        float32: 9 MB at 1,500 rows).
    max_iter : int, default=300
        Iterations of the projected-gradient solver.
    tol : float, default=1e-5
        Stop when the largest weight change falls below ``tol`` times the largest weight.
    random_state : int, RandomState or None, default=None
        Seeds the bandwidth subsample and the Nyström landmarks.

    Attributes
    ----------
    source_weights_ : ndarray of shape (n_source,)
        The KMM weights of the source rows seen at fit.
    gamma_ : float
        The kernel coefficient used.
    solver_ : str
        ``"dense"`` or ``"nystroem"``.
    n_iter_ : int
        Iterations run.

    References
    ----------
    J. Huang, A. Smola, A. Gretton, K. Borgwardt and B. Schölkopf. Correcting Sample
    Selection Bias by Unlabeled Data. NIPS 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.reweighting import KMMDensityRatio
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(100, 2), rng.randn(80, 2) + 1.0]
    >>> sd = np.r_[np.ones(100), -np.ones(80)].astype(int)
    >>> kmm = KMMDensityRatio(random_state=0).fit(X, sample_domain=sd)
    >>> kmm.source_weights_.shape
    (100,)
    """

    _parameter_constraints = {
        "kernel": [StrOptions({"rbf", "laplacian", "linear", "poly"})],
        "gamma": [StrOptions({"median", "scale"}), Interval(Real, 0, None, closed="neither")],
        "B": [Interval(Real, 0, None, closed="neither")],
        "eps": [Interval(Real, 0, None, closed="left"), None],
        "solver": [StrOptions({"auto", "dense", "nystroem"})],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "max_dense": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }
    _accept_sparse = ("csr", "csc")

    def __init__(
        self,
        kernel="rbf",
        gamma="median",
        B=1000.0,
        eps=None,
        solver="auto",
        n_components=300,
        max_dense=1500,
        max_iter=300,
        tol=1e-5,
        random_state=None,
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.B = B
        self.eps = eps
        self.solver = solver
        self.n_components = n_components
        self.max_dense = max_dense
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _kernel_params(self):
        return {"kernel": self.kernel, "gamma": self.gamma_}

    def _fit(self, Xs, Xt):
        rng = check_random_state(self.random_state)
        seed = rng.randint(np.iinfo(np.int32).max)
        self.gamma_ = resolve_gamma(self.gamma, Xs, Xt, kernel=self.kernel, random_state=seed)
        ns = Xs.shape[0]
        solver = self.solver
        if solver == "auto":
            solver = "dense" if ns <= self.max_dense else "nystroem"
        self.solver_ = solver
        if solver == "dense":
            # float32 kernels: twice as fast, and far below the solver's tolerance
            K = kernel_matrix(Xs, dtype=np.float32, **self._kernel_params())
            m = kernel_row_means(Xs, Xt, dtype=np.float32, **self._kernel_params())

            def matvec(b):
                return K @ b.astype(np.float32)

            lmax = _power_lmax(matvec, ns, rng)
        else:
            n_land = min(self.n_components, ns + Xt.shape[0])
            idx = rng.choice(ns + Xt.shape[0], n_land, replace=False)
            landmarks = _take_rows(Xs, Xt, idx)
            fmap = low_rank_features(
                landmarks, n_components=n_land, random_state=seed, **self._kernel_params()
            )
            Phi = fmap.transform(Xs)
            mt = np.zeros(Phi.shape[1])
            step = 10000
            for start in range(0, Xt.shape[0], step):
                mt += fmap.transform(Xt[start : start + step]).sum(axis=0)
            m = Phi @ (mt / Xt.shape[0])

            def matvec(b):
                return Phi @ (Phi.T @ b)

            lmax = float(np.linalg.eigvalsh(Phi.T @ Phi)[-1])
        eps = (np.sqrt(ns) - 1.0) / np.sqrt(ns) if self.eps is None else self.eps
        beta, self.n_iter_ = _fista_kmm(matvec, m, lmax, ns, self.B, eps, self.max_iter, self.tol)
        self.X_source_ = Xs
        return beta

    def _ratio(self, X):
        # out-of-sample: kernel-smoothed KMM weights of the source rows seen at fit
        V = np.c_[self.source_weights_, np.ones_like(self.source_weights_)]
        num_den = kernel_matvec(X, self.X_source_, V, **self._kernel_params())
        den = num_den[:, 1]
        out = np.full(X.shape[0], 1.0)
        ok = den > 1e-300
        out[ok] = num_den[ok, 0] / den[ok]
        return out


def _take_rows(Xs, Xt, idx):
    ns = Xs.shape[0]
    a, b = idx[idx < ns], idx[idx >= ns] - ns
    if hasattr(Xs, "tocsr"):
        from scipy import sparse

        return sparse.vstack([Xs[a], Xt[b]], format="csr")
    return np.vstack([Xs[a], Xt[b]])


def _power_lmax(matvec, n, rng, n_iter=30):
    v = rng.rand(n) + 0.1
    v /= np.linalg.norm(v)
    lam = 1.0
    for _ in range(n_iter):
        w = matvec(v)
        lam = float(np.linalg.norm(w))
        if lam == 0:
            return 1.0
        v = w / lam
    return lam * 1.05


def _fista_kmm(matvec, m, lmax, ns, B, eps, max_iter, tol):
    """FISTA for ``min 1/2 b'Kb/ns^2 - m'b/ns`` on the KMM constraint set.

    ``m_i`` is the mean kernel value of source row ``i`` against the target rows. The
    scaling by ``ns`` keeps the step size independent of the number of rows.
    """
    lo, hi = ns * (1.0 - eps), ns * (1.0 + eps)
    step = ns**2 / max(lmax, 1e-12)
    beta = project_box_sum(np.ones(ns), B, lo, hi)
    z, t = beta.copy(), 1.0
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007
        grad = matvec(z) / ns**2 - m / ns
        new = project_box_sum(z - step * grad, B, lo, hi)
        # adaptive restart (O'Donoghue and Candès) keeps the iteration monotone
        if np.dot(z - new, new - beta) > 0:
            t = 1.0
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        z = new + ((t - 1.0) / t_new) * (new - beta)
        change = np.max(np.abs(new - beta))
        beta, t = new, t_new
        if change <= tol * max(1.0, beta.max()):
            break
    return beta, n_iter
