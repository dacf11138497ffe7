"""Kernels shared by every skxfer estimator: bandwidths, chunked products, low rank.

One module computes kernels for the whole library, so that reweighting, MMD alignment
and the shift diagnostics agree on bandwidths and never build an ``n x m`` matrix
larger than a fixed memory budget.
"""

from numbers import Real

import numpy as np
from sklearn.kernel_approximation import Nystroem, RBFSampler
from sklearn.metrics.pairwise import euclidean_distances, pairwise_kernels
from sklearn.utils import check_random_state

__all__ = [
    "KERNELS",
    "median_bandwidth",
    "squared_distances",
    "resolve_gamma",
    "kernel_matrix",
    "iter_kernel_blocks",
    "kernel_matvec",
    "kernel_row_means",
    "low_rank_features",
    "KernelFeatureMap",
    "FEATURE_MAPS",
]

#: Kernels accepted by skxfer estimators.
KERNELS = ("linear", "rbf", "laplacian", "poly")

#: Default memory budget of one kernel block, in bytes.
BLOCK_BYTES = 64 * 2**20


def median_bandwidth(X, Y=None, *, max_samples=1000, random_state=0):
    """Median of the pairwise Euclidean distances (the median heuristic).

    Computed on at most ``max_samples`` rows of each input, so it costs
    ``O(max_samples^2 d)`` whatever the data size.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    Y : array-like of shape (m_samples, n_features), default=None
        When given, the median of the distances between all rows of ``X`` and ``Y``
        stacked.
    max_samples : int, default=1000
    random_state : int or RandomState, default=0

    Returns
    -------
    sigma : float
        A positive bandwidth (1.0 when every row is identical).

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.kernels import median_bandwidth
    >>> round(median_bandwidth(np.array([[0.0], [1.0], [3.0]])), 2)
    2.0
    """
    rng = check_random_state(random_state)
    n_x = X.shape[0]
    n = n_x + (0 if Y is None else Y.shape[0])
    idx = rng.choice(n, max_samples, replace=False) if n > max_samples else np.arange(n)
    Z = X[idx] if Y is None else _vstack(X[idx[idx < n_x]], Y[idx[idx >= n_x] - n_x])
    # the median is insensitive to float32 rounding; the symmetric matrix holds every
    # distance twice, which leaves the median unchanged
    D2 = squared_distances(Z, dtype=np.float32)
    d = np.sqrt(D2[D2 > 0])
    return _median(d) if d.size else 1.0


def _median(values):
    """``np.median`` of a 1-d array by one partition (np.median is ~10x slower here)."""
    half = values.size // 2
    part = np.partition(values, half)
    if values.size % 2:
        return float(part[half])
    return 0.5 * (float(part[:half].max()) + float(part[half]))


def squared_distances(X, Y=None, *, dtype=np.float64):
    """Squared Euclidean distances ``||x - y||^2`` between the rows of ``X`` and ``Y``.

    Dense inputs go through one matrix product in ``dtype`` (``||x||^2 + ||y||^2 -
    2 x.y``, clipped at 0); ``float32`` halves the time and memory and is accurate to
    about ``1e-7`` of the squared norms, which is what kernels and bandwidths need.
    Sparse inputs use :func:`sklearn.metrics.pairwise.euclidean_distances`.

    Parameters
    ----------
    X : array-like of shape (n, d)
    Y : array-like of shape (m, d), default=None (``Y = X``)
    dtype : {np.float64, np.float32}, default=np.float64

    Returns
    -------
    D2 : ndarray of shape (n, m) and type ``dtype``

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.kernels import squared_distances
    >>> squared_distances(np.array([[0.0, 0.0], [3.0, 4.0]])).tolist()
    [[0.0, 25.0], [25.0, 0.0]]
    """
    if hasattr(X, "tocsr") or hasattr(Y, "tocsr"):
        return euclidean_distances(X, Y, squared=True).astype(dtype, copy=False)
    A = np.asarray(X, dtype=dtype)
    B = A if Y is None else np.asarray(Y, dtype=dtype)
    D2 = A @ B.T
    D2 *= -2.0
    D2 += np.einsum("ij,ij->i", A, A)[:, None]
    D2 += np.einsum("ij,ij->i", B, B)[None, :]
    np.maximum(D2, 0.0, out=D2)
    if Y is None:
        np.fill_diagonal(D2, 0.0)
    return D2


def resolve_gamma(gamma, X, Y=None, *, kernel="rbf", random_state=0):
    """Turn a ``gamma`` parameter into a number.

    Parameters
    ----------
    gamma : "median", "scale", float or None
        ``"median"`` (and ``None``): ``1 / (2 sigma^2)`` with the median heuristic
        ``sigma``, for the laplacian ``1 / sigma``; ``"scale"``: sklearn's SVC rule
        ``1 / (n_features * X.var())``; a float is returned unchanged.
    X, Y : array-like
        The data the kernel is applied to.
    kernel : str, default="rbf"

    Returns
    -------
    gamma : float

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.kernels import resolve_gamma
    >>> resolve_gamma(0.5, np.zeros((3, 2)))
    0.5
    """
    if isinstance(gamma, Real) and not isinstance(gamma, bool):
        return float(gamma)
    if gamma in (None, "median"):
        sigma = median_bandwidth(X, Y, random_state=random_state)
        return 1.0 / sigma if kernel == "laplacian" else 1.0 / (2.0 * sigma**2)
    if gamma == "scale":
        Z = X if Y is None else _vstack(X, Y)
        var = Z.multiply(Z).mean() - Z.mean() ** 2 if hasattr(Z, "multiply") else Z.var()
        return 1.0 / (Z.shape[1] * var) if var > 0 else 1.0
    raise ValueError(f"gamma must be 'median', 'scale' or a positive float; got {gamma!r}.")


def _kernel_params(kernel, gamma, degree, coef0):
    if kernel not in KERNELS:
        raise ValueError(f"Unknown kernel {kernel!r}; choose one of {', '.join(KERNELS)}.")
    if kernel == "linear":
        return {}
    if kernel == "poly":
        return {"gamma": gamma, "degree": degree, "coef0": coef0}
    return {"gamma": gamma}


def kernel_matrix(X, Y=None, *, kernel="rbf", gamma=1.0, degree=3, coef0=1.0, dtype=np.float64):
    """The full kernel matrix ``K(X, Y)`` (use only when it fits in memory).

    Parameters
    ----------
    X : array-like of shape (n, d)
    Y : array-like of shape (m, d), default=None (``Y = X``)
    kernel : {"linear", "rbf", "laplacian", "poly"}, default="rbf"
    gamma : float, default=1.0
        A number; see :func:`resolve_gamma` for the data-driven choices.
    degree, coef0 : float
        Polynomial kernel parameters.
    dtype : {np.float64, np.float32}, default=np.float64
        Type of the result; the rbf kernel of dense inputs is also computed in it
        (see :func:`squared_distances`), which makes ``float32`` about twice as fast.

    Returns
    -------
    K : ndarray of shape (n, m)

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.kernels import kernel_matrix
    >>> kernel_matrix(np.zeros((2, 3)), gamma=1.0).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    params = _kernel_params(kernel, gamma, degree, coef0)
    if kernel == "rbf":
        K = squared_distances(X, Y, dtype=dtype)
        K *= -gamma
        return np.exp(K, out=K)
    K = pairwise_kernels(X, Y, metric=kernel, filter_params=True, **params)
    return K.astype(dtype, copy=False)


def iter_kernel_blocks(X, Y=None, *, block_bytes=BLOCK_BYTES, **kernel_params):
    """Yield ``(rows, K(X[rows], Y))`` row blocks of the kernel matrix.

    Each block holds at most ``block_bytes`` bytes of float64, so any size of ``X``
    streams through a bounded amount of memory.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.kernels import iter_kernel_blocks
    >>> [K.shape for _, K in iter_kernel_blocks(np.zeros((5, 2)), block_bytes=16)]
    [(1, 5), (1, 5), (1, 5), (1, 5), (1, 5)]
    """
    Y = X if Y is None else Y
    rows_per_block = max(1, int(block_bytes // (8 * max(1, Y.shape[0]))))
    for start in range(0, X.shape[0], rows_per_block):
        rows = slice(start, min(start + rows_per_block, X.shape[0]))
        yield rows, kernel_matrix(X[rows], Y, **kernel_params)


def kernel_matvec(X, Y, v, **kernel_params):
    """``K(X, Y) @ v`` computed block by block.

    Parameters
    ----------
    X : array-like of shape (n, d)
    Y : array-like of shape (m, d)
    v : ndarray of shape (m,) or (m, k)
    **kernel_params : dict
        ``kernel``, ``gamma``, ``degree``, ``coef0``, ``dtype``, ``block_bytes``.

    Returns
    -------
    out : ndarray of shape (n,) or (n, k)

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.kernels import kernel_matvec
    >>> kernel_matvec(np.zeros((2, 1)), np.zeros((3, 1)), np.ones(3), gamma=1.0).tolist()
    [3.0, 3.0]
    """
    v = np.asarray(v)
    out = np.empty((X.shape[0],) + v.shape[1:])
    for rows, K in iter_kernel_blocks(X, Y, **kernel_params):
        out[rows] = K @ v.astype(K.dtype, copy=False)
    return out


def kernel_row_means(X, Y, **kernel_params):
    """Mean kernel value of each row of ``X`` against all rows of ``Y``, in blocks.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.kernels import kernel_row_means
    >>> kernel_row_means(np.zeros((2, 1)), np.zeros((4, 1)), gamma=1.0).tolist()
    [1.0, 1.0]
    """
    return kernel_matvec(X, Y, np.full(Y.shape[0], 1.0 / Y.shape[0]), **kernel_params)


def low_rank_features(
    X,
    *,
    kernel="rbf",
    gamma=1.0,
    n_components=500,
    method="nystroem",
    degree=3,
    coef0=1.0,
    random_state=None,
):
    """A fitted feature map ``phi`` with ``phi(x) . phi(y) ~ k(x, y)``.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Rows the map is fitted on (Nyström landmarks are drawn from them).
    kernel, gamma, degree, coef0
        As in :func:`kernel_matrix`.
    n_components : int, default=500
        Rank of the approximation.
    method : {"nystroem", "rff"}, default="nystroem"
        Nyström landmarks, or random Fourier features (rbf kernel only).
    random_state : int, RandomState or None

    Returns
    -------
    feature_map : fitted :class:`~sklearn.kernel_approximation.Nystroem` or
        :class:`~sklearn.kernel_approximation.RBFSampler`

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.kernels import low_rank_features
    >>> X = np.random.RandomState(0).randn(50, 3)
    >>> low_rank_features(X, n_components=10, random_state=0).transform(X).shape
    (50, 10)
    """
    if method == "rff":
        if kernel != "rbf":
            raise ValueError("Random Fourier features approximate the rbf kernel only.")
        return RBFSampler(gamma=gamma, n_components=n_components, random_state=random_state).fit(X)
    if method != "nystroem":
        raise ValueError(f"method must be 'nystroem' or 'rff'; got {method!r}.")
    n_components = min(n_components, X.shape[0])
    return Nystroem(
        kernel=kernel,
        n_components=n_components,
        random_state=random_state,
        **_kernel_params(kernel, gamma, degree, coef0),
    ).fit(X)


def _vstack(X, Y):
    if hasattr(X, "tocsr") or hasattr(Y, "tocsr"):
        from scipy import sparse

        return sparse.vstack([X, Y], format="csr")
    return np.vstack([X, Y])


#: Feature-map methods of :class:`KernelFeatureMap`.
FEATURE_MAPS = ("identity", "exact", "nystroem", "rff")


class KernelFeatureMap:
    """A finite feature map ``phi`` with ``phi(x) . phi(y) = k(x, y)`` (exactly or not).

    This is the one place where skxfer turns a kernel into features, so that kernel
    methods can be solved in an ``r``-dimensional space at ``O(n r^2)`` instead of on the
    ``n x n`` kernel matrix. Rows are mapped block by block (at most ``block_bytes`` of
    kernel values at a time), so mapping any number of rows uses bounded memory.

    Parameters
    ----------
    kernel : {"linear", "rbf", "laplacian", "poly"}, default="rbf"
    gamma : float, default=1.0
        A number (see :func:`resolve_gamma` for data-driven values).
    degree, coef0 : float
        Polynomial kernel parameters.
    method : {"identity", "exact", "nystroem", "rff"}, default="nystroem"
        ``"identity"``: the input features themselves (linear kernel only, exact);
        ``"exact"``: every fitted row is a landmark, so ``phi`` reproduces the kernel
        exactly on the fitted rows (``O(n^3)``: small ``n`` only); ``"nystroem"``:
        ``n_components`` random landmarks; ``"rff"``: random Fourier features (rbf only).
    n_components : int, default=500
        Rank of the ``"nystroem"`` and ``"rff"`` maps.
    random_state : int, RandomState or None, default=None
    block_bytes : int, default=BLOCK_BYTES

    Attributes
    ----------
    n_features_out_ : int
        Dimension of ``phi``.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.kernels import KernelFeatureMap, kernel_matrix
    >>> X = np.random.RandomState(0).randn(20, 3)
    >>> phi = KernelFeatureMap(gamma=0.5, method="exact").fit(X).transform(X)
    >>> bool(np.allclose(phi @ phi.T, kernel_matrix(X, gamma=0.5), atol=1e-6))
    True
    """

    def __init__(
        self,
        kernel="rbf",
        gamma=1.0,
        degree=3,
        coef0=1.0,
        method="nystroem",
        n_components=500,
        random_state=None,
        block_bytes=BLOCK_BYTES,
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.method = method
        self.n_components = n_components
        self.random_state = random_state
        self.block_bytes = block_bytes

    def _params(self):
        return {
            "kernel": self.kernel,
            "gamma": self.gamma,
            "degree": self.degree,
            "coef0": self.coef0,
        }

    def fit(self, X):
        """Fit the map on the rows ``X`` (landmarks / random frequencies)."""
        if self.method not in FEATURE_MAPS:
            raise ValueError(f"method must be one of {FEATURE_MAPS}; got {self.method!r}.")
        _kernel_params(self.kernel, self.gamma, self.degree, self.coef0)
        rng = check_random_state(self.random_state)
        if self.method == "identity":
            if self.kernel != "linear":
                raise ValueError("The identity feature map is exact for the linear kernel only.")
            self.n_features_out_ = X.shape[1]
        elif self.method == "rff":
            if self.kernel != "rbf":
                raise ValueError("Random Fourier features approximate the rbf kernel only.")
            self.sampler_ = RBFSampler(
                gamma=self.gamma, n_components=self.n_components, random_state=rng
            ).fit(X[:1])
            self.n_features_out_ = self.n_components
        else:
            n = X.shape[0]
            if self.method == "exact" or self.n_components >= n:
                idx = np.arange(n)
            else:
                idx = np.sort(rng.choice(n, self.n_components, replace=False))
            self.landmarks_ = X[idx]
            K = kernel_matrix(self.landmarks_, **self._params())
            values, vectors = np.linalg.eigh((K + K.T) / 2.0)
            keep = values > max(values.max(), 0.0) * 1e-10
            if not keep.any():
                keep = values >= values.max()
                values = np.where(keep, 1.0, values)
            self.normalization_ = vectors[:, keep] / np.sqrt(values[keep])
            self.n_features_out_ = int(keep.sum())
        return self

    def transform(self, X):
        """Map rows ``X`` to ``phi(X)``, a dense array of shape (n, n_features_out_)."""
        n = X.shape[0]
        out = np.empty((n, self.n_features_out_))
        width = (
            self.n_features_out_
            if self.method != "exact"
            else max(self.n_features_out_, self.landmarks_.shape[0])
        )
        rows_per_block = max(1, int(self.block_bytes // (8 * max(1, width))))
        for start in range(0, n, rows_per_block):
            rows = slice(start, min(start + rows_per_block, n))
            out[rows] = self._transform_block(X[rows])
        return out

    def _transform_block(self, Xb):
        if self.method == "identity":
            return Xb.toarray() if hasattr(Xb, "toarray") else np.asarray(Xb, dtype=np.float64)
        if self.method == "rff":
            return self.sampler_.transform(Xb)
        return kernel_matrix(Xb, self.landmarks_, **self._params()) @ self.normalization_

    def fit_transform(self, X):
        """Fit on ``X`` and map it."""
        return self.fit(X).transform(X)
