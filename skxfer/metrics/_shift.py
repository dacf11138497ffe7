"""Shift diagnostics: how far apart are the source and the target?

Every function takes the skxfer data contract, ``f(X, y=None, sample_domain=None, ...)``:
source rows are ``sample_domain > 0`` and target rows ``< 0`` (all sources against all
targets); when ``sample_domain`` is ``None`` it is inferred from the masked labels of
``y``. Coming from two arrays, use ``X, _, sd = merge_domains(X_source, y_source,
X_target)`` then ``f(X, sample_domain=sd)``.

All of them are bounded in memory: kernel sums are computed in blocks
(:mod:`skxfer.kernels`), and the quadratic-cost ones (permutation test, exact
Wasserstein, classifier-based) subsample to ``max_samples`` rows per domain, so 50,000
rows per domain fit in memory.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from .._domains import resolve_sample_domain
from ..kernels import KERNELS, iter_kernel_blocks, kernel_matrix, resolve_gamma

__all__ = [
    "mmd2",
    "mmd_test",
    "MMDTestResult",
    "proxy_a_distance",
    "coral_distance",
    "wasserstein_distance",
    "domain_classifier_auc",
]


def _split(X, y, sample_domain, *, dense=True):
    X = check_array(X, accept_sparse=not dense, dtype=np.float64)
    n = X.shape[0]
    if sample_domain is None and y is None:
        raise ValueError(
            "Give sample_domain (> 0 source, < 0 target) or y with the target rows masked "
            "so the source and target rows can be told apart."
        )
    sd = resolve_sample_domain(n, y, sample_domain)
    Xs, Xt = X[sd > 0], X[sd < 0]
    if Xs.shape[0] < 2 or Xt.shape[0] < 2:
        raise ValueError(
            f"Need at least 2 source and 2 target rows; got {Xs.shape[0]} and {Xt.shape[0]}."
        )
    return Xs, Xt


def _subsample(A, m, rng):
    if m is None or A.shape[0] <= m:
        return A
    return A[np.sort(rng.choice(A.shape[0], m, replace=False))]


def _block_sum(A, B, *, exclude_diagonal=False, **kp):
    total = 0.0
    for rows, K in iter_kernel_blocks(A, B, **kp):
        total += K.sum()
        if exclude_diagonal:
            idx = np.arange(rows.start, rows.stop)
            total -= K[np.arange(idx.size), idx].sum()
    return total


def mmd2(
    X, y=None, sample_domain=None, *, kernel="rbf", gamma="median", method="auto", random_state=0
):
    """Squared maximum mean discrepancy between the source and target rows.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), default=None
        Labels with the target rows masked (used when ``sample_domain`` is ``None``).
    sample_domain : array-like of shape (n_samples,), default=None
    kernel : {"rbf", "laplacian", "linear", "poly"}, default="rbf"
        (``"poly"``: degree 3, ``coef0=1``.)
    gamma : "median", "scale" or float, default="median"
        Kernel bandwidth (median heuristic on the pooled rows by default).
    method : {"auto", "quadratic", "linear"}, default="auto"
        ``"quadratic"``: the unbiased U-statistic (Gretton et al. 2012, eq. 3), computed
        in kernel blocks, ``O(n^2 d)`` time and bounded memory; ``"linear"``: the
        linear-time estimator over disjoint pairs (Gretton et al. 2012, eq. 6), noisier;
        ``"auto"``: quadratic up to ``n_source * n_target = 1e8``.
    random_state : int, default=0
        Row order of the linear estimator and bandwidth subsample.

    Returns
    -------
    mmd2 : float
        Can be slightly negative (unbiased estimate) when the domains do not differ.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.metrics import mmd2
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(100, 2), rng.randn(100, 2) + 2]
    >>> sd = np.r_[np.ones(100), -np.ones(100)].astype(int)
    >>> mmd2(X, sample_domain=sd) > 0.1
    True
    """
    if kernel not in KERNELS:
        raise ValueError(f"Unknown kernel {kernel!r}; choose one of {', '.join(KERNELS)}.")
    Xs, Xt = _split(X, y, sample_domain)
    g = resolve_gamma(gamma, Xs, Xt, kernel=kernel, random_state=random_state)
    kp = {"kernel": kernel, "gamma": g}
    ns, nt = Xs.shape[0], Xt.shape[0]
    if method == "auto":
        method = "quadratic" if ns * nt <= 1e8 else "linear"
    if method == "quadratic":
        kss = _block_sum(Xs, Xs, exclude_diagonal=True, **kp) / (ns * (ns - 1))
        ktt = _block_sum(Xt, Xt, exclude_diagonal=True, **kp) / (nt * (nt - 1))
        kst = _block_sum(Xs, Xt, **kp) / (ns * nt)
        return float(kss + ktt - 2 * kst)
    if method != "linear":
        raise ValueError(f"method must be 'auto', 'quadratic' or 'linear'; got {method!r}.")
    rng = check_random_state(random_state)
    m = (min(ns, nt) // 2) * 2
    a, b = Xs[rng.permutation(ns)[:m]], Xt[rng.permutation(nt)[:m]]
    x1, x2, y1, y2 = a[0::2], a[1::2], b[0::2], b[1::2]

    def k(u, v):  # kernel of paired rows, O(m d)
        if kernel == "rbf":
            return np.exp(-g * np.sum((u - v) ** 2, axis=1))
        if kernel == "laplacian":
            return np.exp(-g * np.sum(np.abs(u - v), axis=1))
        if kernel == "linear":
            return np.sum(u * v, axis=1)
        return (g * np.sum(u * v, axis=1) + 1.0) ** 3

    h = k(x1, x2) + k(y1, y2) - k(x1, y2) - k(x2, y1)
    return float(h.mean())


@dataclass
class MMDTestResult:
    """Result of :func:`mmd_test`: ``statistic`` (unbiased MMD²), ``pvalue``,
    ``n_permutations`` and the kernel ``gamma`` used."""

    statistic: float
    pvalue: float
    n_permutations: int
    gamma: float


def mmd_test(
    X,
    y=None,
    sample_domain=None,
    *,
    kernel="rbf",
    gamma="median",
    n_permutations=500,
    max_samples=1000,
    random_state=0,
):
    """Permutation two-sample test of "source and target come from one distribution".

    The unbiased MMD² of the observed split is compared with its value under
    ``n_permutations`` random relabellings of the pooled rows (at most ``max_samples`` per
    domain, drawn at random). All permutations are evaluated with one pooled kernel
    matrix and a matrix product.

    Parameters
    ----------
    X, y, sample_domain
        As in :func:`mmd2`.
    kernel, gamma
        As in :func:`mmd2`.
    n_permutations : int, default=500
    max_samples : int, default=1000
        Rows per domain used by the test.
    random_state : int, default=0

    Returns
    -------
    result : MMDTestResult
        ``pvalue = (1 + #{perm >= observed}) / (1 + n_permutations)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.metrics import mmd_test
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(80, 2), rng.randn(80, 2) + 1]
    >>> sd = np.r_[np.ones(80), -np.ones(80)].astype(int)
    >>> mmd_test(X, sample_domain=sd, n_permutations=200).pvalue < 0.01
    True
    """
    rng = check_random_state(random_state)
    Xs, Xt = _split(X, y, sample_domain)
    Xs, Xt = _subsample(Xs, max_samples, rng), _subsample(Xt, max_samples, rng)
    ns, nt = Xs.shape[0], Xt.shape[0]
    Z = np.vstack([Xs, Xt])
    g = resolve_gamma(gamma, Xs, Xt, kernel=kernel, random_state=random_state)
    K = kernel_matrix(Z, kernel=kernel, gamma=g)
    diag = np.diag(K).copy()
    n = ns + nt
    labels = np.zeros((n, n_permutations + 1), dtype=bool)
    labels[:ns, 0] = True
    for p in range(1, n_permutations + 1):
        labels[rng.permutation(n)[:ns], p] = True
    S = labels.astype(float)
    T = 1.0 - S
    KS, KT = K @ S, K @ T
    ss = (S * KS).sum(0) - S.T @ diag
    tt = (T * KT).sum(0) - T.T @ diag
    st = (S * KT).sum(0)
    stat = ss / (ns * (ns - 1)) + tt / (nt * (nt - 1)) - 2 * st / (ns * nt)
    observed = stat[0]
    pvalue = (1 + np.sum(stat[1:] >= observed)) / (1 + n_permutations)
    return MMDTestResult(float(observed), float(pvalue), int(n_permutations), float(g))


def _domain_probas(Xs, Xt, classifier, max_samples, random_state):
    rng = check_random_state(random_state)
    Xs, Xt = _subsample(Xs, max_samples, rng), _subsample(Xt, max_samples, rng)
    Z = sparse.vstack([Xs, Xt]).tocsr() if sparse.issparse(Xs) else np.vstack([Xs, Xt])
    d = np.r_[np.zeros(Xs.shape[0]), np.ones(Xt.shape[0])]
    clf = (
        classifier
        if classifier is not None
        else make_pipeline(
            StandardScaler(with_mean=not sparse.issparse(Z)), LogisticRegression(max_iter=1000)
        )
    )
    cv = StratifiedKFold(5, shuffle=True, random_state=random_state)
    return d, cross_val_predict(clone(clf), Z, d, cv=cv, method="predict_proba")[:, 1]


def domain_classifier_auc(
    X, y=None, sample_domain=None, *, classifier=None, max_samples=5000, random_state=0
):
    """Cross-validated ROC AUC of a classifier telling target rows from source rows.

    0.5: the domains are indistinguishable to the classifier; 1.0: separable.

    Parameters
    ----------
    X, y, sample_domain
        As in :func:`mmd2` (sparse ``X`` accepted).
    classifier : classifier, default=None
        Probabilistic classifier; ``StandardScaler`` + ``LogisticRegression`` when ``None``.
    max_samples : int, default=5000
        Rows per domain.
    random_state : int, default=0

    Returns
    -------
    auc : float

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.metrics import domain_classifier_auc
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(100, 2), rng.randn(100, 2) + 3]
    >>> sd = np.r_[np.ones(100), -np.ones(100)].astype(int)
    >>> domain_classifier_auc(X, sample_domain=sd) > 0.95
    True
    """
    Xs, Xt = _split(X, y, sample_domain, dense=False)
    d, p = _domain_probas(Xs, Xt, classifier, max_samples, random_state)
    return float(roc_auc_score(d, p))


def proxy_a_distance(
    X, y=None, sample_domain=None, *, classifier=None, max_samples=5000, random_state=0
):
    """Proxy A-distance ``2 (1 - 2 err)`` (Ben-David et al. 2007).

    ``err`` is the cross-validated error of a domain classifier (source vs target,
    balanced by subsampling the larger domain); the distance is clipped to ``[0, 2]``.

    Parameters
    ----------
    X, y, sample_domain, classifier, max_samples, random_state
        As in :func:`domain_classifier_auc`.

    Returns
    -------
    pad : float

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.metrics import proxy_a_distance
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(100, 2), rng.randn(100, 2)]
    >>> sd = np.r_[np.ones(100), -np.ones(100)].astype(int)
    >>> proxy_a_distance(X, sample_domain=sd) < 0.5
    True
    """
    Xs, Xt = _split(X, y, sample_domain, dense=False)
    m = min(Xs.shape[0], Xt.shape[0], max_samples)
    d, p = _domain_probas(Xs, Xt, classifier, m, random_state)
    err = np.mean((p > 0.5) != d)
    return float(np.clip(2.0 * (1.0 - 2.0 * err), 0.0, 2.0))


def _cov(A, block=8192):
    mean = A.mean(axis=0)
    C = np.zeros((A.shape[1], A.shape[1]))
    for i in range(0, A.shape[0], block):
        B = A[i : i + block] - mean
        C += B.T @ B
    return C / max(A.shape[0] - 1, 1)


def coral_distance(X, y=None, sample_domain=None):
    """CORAL distance ``||C_s - C_t||_F^2 / (4 d^2)`` between the domain covariances.

    The loss of Deep CORAL (Sun and Saenko 2016); covariances are accumulated in row
    blocks (memory ``O(d^2)`` whatever the number of rows).

    Parameters
    ----------
    X, y, sample_domain
        As in :func:`mmd2`.

    Returns
    -------
    distance : float

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.metrics import coral_distance
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(200, 3), 3 * rng.randn(200, 3)]
    >>> sd = np.r_[np.ones(200), -np.ones(200)].astype(int)
    >>> coral_distance(X, sample_domain=sd) > 0.1
    True
    """
    Xs, Xt = _split(X, y, sample_domain)
    d = Xs.shape[1]
    return float(np.sum((_cov(Xs) - _cov(Xt)) ** 2) / (4.0 * d * d))


def wasserstein_distance(
    X,
    y=None,
    sample_domain=None,
    *,
    method="auto",
    max_samples=2000,
    n_projections=200,
    random_state=0,
):
    """2-Wasserstein distance between the source and target rows (POT, imported lazily).

    Parameters
    ----------
    X, y, sample_domain
        As in :func:`mmd2`.
    method : {"auto", "exact", "sliced"}, default="auto"
        ``"exact"``: earth mover's distance with squared Euclidean cost on at most
        ``max_samples`` rows per domain (``ot.emd2``); ``"sliced"``: sliced Wasserstein
        over ``n_projections`` random directions on all rows (``ot.sliced_wasserstein_distance``);
        ``"auto"``: exact when both domains have at most ``max_samples`` rows.
    max_samples : int, default=2000
    n_projections : int, default=200
    random_state : int, default=0

    Returns
    -------
    distance : float
        ``W_2`` (exact) or sliced ``SW_2`` — compare values of one method only.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.metrics import wasserstein_distance
    >>> X = np.r_[np.zeros((5, 1)), np.ones((5, 1))]
    >>> sd = np.r_[np.ones(5), -np.ones(5)].astype(int)
    >>> round(wasserstein_distance(X, sample_domain=sd), 6)
    1.0
    """
    import ot

    Xs, Xt = _split(X, y, sample_domain)
    if method == "auto":
        method = "exact" if max(Xs.shape[0], Xt.shape[0]) <= max_samples else "sliced"
    if method == "sliced":
        return float(
            ot.sliced_wasserstein_distance(Xs, Xt, n_projections=n_projections, seed=random_state)
        )
    if method != "exact":
        raise ValueError(f"method must be 'auto', 'exact' or 'sliced'; got {method!r}.")
    rng = check_random_state(random_state)
    Xs, Xt = _subsample(Xs, max_samples, rng), _subsample(Xt, max_samples, rng)
    M = ot.dist(Xs, Xt, metric="sqeuclidean")
    a = np.full(Xs.shape[0], 1.0 / Xs.shape[0])
    b = np.full(Xt.shape[0], 1.0 / Xt.shape[0])
    return float(np.sqrt(max(ot.emd2(a, b, M, numItermax=1_000_000), 0.0)))
