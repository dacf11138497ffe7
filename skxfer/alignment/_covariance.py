"""Shrunk covariances as "scaled identity + low rank", and their matrix powers.

CORAL and the linear OT map need ``C^{1/2}`` and ``C^{-1/2}``. One symmetric eigen-
decomposition gives every power. When there are more features than rows, the
covariance is computed from the ``n x n`` Gram matrix instead of the ``d x d`` one, and
the power is applied as ``a I + U diag(c) U^T`` without ever forming a ``d x d`` matrix;
the linear OT map between two such covariances is computed in the span of their two
low-rank parts (:func:`gaussian_map`). Between two dense covariances the map needs no
square root of either: a Cholesky factor of the source covariance and one
eigendecomposition give it (:func:`linear_ot_map`).
"""

from dataclasses import dataclass

import numpy as np
from scipy import linalg


@dataclass
class SpectralCovariance:
    """``C = floor * I + U diag(values - floor) U^T`` with orthonormal columns ``U``.

    ``values`` are the eigenvalues of ``C`` along ``U``; every direction orthogonal to
    ``U`` has eigenvalue ``floor``.
    """

    mean: np.ndarray
    vectors: np.ndarray
    values: np.ndarray
    floor: float

    def power_operator(self, p):
        """Return ``(scale, U, coef)`` with ``C**p = scale * I + U diag(coef) U^T``."""
        scale = self.floor**p if self.floor > 0 else 0.0
        return scale, self.vectors, self.values**p - scale

    def dense_power(self, p):
        """``C**p`` as a dense ``d x d`` array (only for moderate ``d``)."""
        return operator_matrix(*self.power_operator(p))


def ledoit_wolf_shrinkage(Xc):
    """Ledoit-Wolf shrinkage of the covariance of centred rows ``Xc``.

    Works through the Gram matrix when ``n < d``, so it is ``O(n^2 d)`` rather than
    ``O(n d^2)``. Returns the shrinkage in ``[0, 1]`` and ``mu = trace(S) / d``.
    """
    n, d = Xc.shape
    X2 = Xc**2
    trace = X2.sum() / n
    mu = trace / d
    beta_ = np.sum(X2.sum(axis=1) ** 2)
    gram = Xc @ Xc.T if n < d else Xc.T @ Xc
    delta_ = np.sum(gram**2) / n**2
    beta = (beta_ / n - delta_) / (d * n)
    delta = (delta_ - 2.0 * mu * trace + d * mu**2) / d
    beta = min(beta, delta)
    shrinkage = 0.0 if beta <= 0 else beta / delta
    return float(np.clip(shrinkage, 0.0, 1.0)), float(mu)


#: Up to this many features a dense ``d x d`` eigendecomposition is used even when there
#: are fewer rows than features (a 2,000 x 2,000 ``eigh`` takes about a second).
DENSE_MAX_FEATURES = 2000


def _dense_route(X, reg):
    """Whether ``reg="auto"`` shrinks ``X``'s covariance as a dense ``d x d`` matrix."""
    n, d = X.shape
    return isinstance(reg, str) and (d <= n or d <= DENSE_MAX_FEATURES)


def shrunk_covariance(X):
    """Mean and dense Ledoit-Wolf covariance of ``X``, shrunk towards its diagonal.

    Ledoit-Wolf shrinks the *correlation* matrix towards the identity, so the covariance
    is shrunk towards its own diagonal (scale-equivariant, as SKADA's CORAL does).
    ``1e-10`` times the mean variance is added to the diagonal, so that the result is
    positive definite even when the shrinkage is 0 with fewer rows than features.

    Returns
    -------
    mean : ndarray of shape (d,)
    cov : ndarray of shape (d, d)
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    mean = X.mean(axis=0)
    Xc = X - mean
    scale = Xc.std(axis=0)
    scale[scale <= 0] = 1.0
    Z = Xc / scale
    shrinkage, mu = ledoit_wolf_shrinkage(Z)
    cov = (1.0 - shrinkage) * (Z.T @ Z / n) + shrinkage * mu * np.eye(d)
    cov = scale[:, None] * cov * scale[None, :]
    cov.flat[:: d + 1] += max(1e-10 * float(np.trace(cov)) / d, 1e-300)
    return mean, cov


def spectral_covariance(X, reg="auto", rtol=1e-10):
    """Regularised covariance of ``X`` in spectral form.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    reg : "auto" or float
        ``"auto"``: Ledoit-Wolf shrinkage. Up to ``DENSE_MAX_FEATURES`` features (or
        with at least as many rows as features) :func:`shrunk_covariance`, decomposed;
        with more features than that and than rows, the covariance towards ``mu I``
        through the Gram matrix (no ``d x d`` matrix is formed). A float:
        ``S + reg * I``.

    Returns
    -------
    SpectralCovariance
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    if _dense_route(X, reg):
        mean, cov = shrunk_covariance(X)
        values, vectors = linalg.eigh(cov)
        # the decomposition is complete, so any positive floor represents C exactly; the
        # smallest eigenvalue keeps C**p = floor**p I + U diag(...) U^T well conditioned
        values = np.clip(values, max(1e-10 * float(np.mean(values)), 1e-300), None)
        return SpectralCovariance(
            mean=mean, vectors=vectors, values=values, floor=float(values.min())
        )
    mean = X.mean(axis=0)
    Xc = X - mean
    if isinstance(reg, str):
        shrinkage, mu = ledoit_wolf_shrinkage(Xc)
        # a tiny floor keeps a rank-deficient covariance invertible when LW picks 0
        weight, floor = 1.0 - shrinkage, max(shrinkage * mu, 1e-10 * mu, 1e-300)
    else:
        weight, floor = 1.0, float(reg)
    if d <= n:
        values, vectors = linalg.eigh(Xc.T @ Xc / n)
    else:
        gram_values, gram_vectors = linalg.eigh(Xc @ Xc.T / n)
        keep = gram_values > rtol * max(gram_values.max(), 1e-300)
        values = gram_values[keep]
        vectors = Xc.T @ gram_vectors[:, keep] / np.sqrt(n * values)
    values = np.clip(values, 0.0, None) * weight + floor
    if floor <= 0 and (len(values) < d or np.any(values <= 0)):
        raise ValueError(
            "The covariance is singular; use a positive reg (or reg='auto') to regularise it."
        )
    return SpectralCovariance(mean=mean, vectors=vectors, values=values, floor=floor)


def apply_operator(X, scale, U, coef):
    """``X @ (scale * I + U diag(coef) U^T)`` without forming the ``d x d`` matrix."""
    return scale * X + ((X @ U) * coef) @ U.T


def operator_matrix(scale, U, coef):
    """``scale * I + U diag(coef) U^T`` as a dense ``d x d`` array."""
    return scale * np.eye(U.shape[0]) + (U * coef) @ U.T


def _restricted(cov, Q):
    """``Q^T C Q`` (dense) for orthonormal ``Q`` whose span holds ``cov``'s low-rank part."""
    B = Q.T @ cov.vectors
    return cov.floor * np.eye(Q.shape[1]) + (B * (cov.values - cov.floor)) @ B.T


def _dense_gaussian_map(Cs, Ct):
    """``Cs^{-1/2} (Cs^{1/2} Ct Cs^{1/2})^{1/2} Cs^{-1/2}`` as ``P diag(c) P^T``.

    ``A`` is the unique symmetric positive definite solution of ``A Cs A = Ct``, which
    any factor ``Cs = L L^T`` gives as ``L^{-T} (L^T Ct L)^{1/2} L^{-1}``. With the
    Cholesky factor ``L`` and ``V diag(w) V^T`` the eigendecomposition of ``L^T Ct L``:
    ``P = L^{-T} V`` and ``c = w^{1/2}``. One ``d x d`` eigendecomposition (a symmetric
    square root would need three). ``Cs`` and ``Ct`` are dense and positive definite.
    Returns ``(P, c)``.
    """
    L = linalg.cholesky(Cs, lower=True)
    M = L.T @ Ct @ L
    w, V = linalg.eigh((M + M.T) / 2.0)
    P = linalg.solve_triangular(L, V, lower=True, trans="T")
    return P, np.sqrt(np.clip(w, 0.0, None))


def gaussian_map(cs, ct):
    """The optimal transport map between two Gaussians, as an operator.

    The map from ``N(ms, Cs)`` to ``N(mt, Ct)`` is ``x -> (x - ms) A + mt`` with
    ``A = Cs^{-1/2} (Cs^{1/2} Ct Cs^{1/2})^{1/2} Cs^{-1/2}``. When both covariances are
    "floor times identity + low rank" (more features than rows), every factor keeps
    that form in the span ``Q`` of the two low-rank parts, and off it ``A`` is
    ``sqrt(floor_t / floor_s)`` times the identity: the powers are taken on
    ``r x r`` matrices (``r`` at most the two ranks together) instead of ``d x d``,
    and ``A`` is returned in that form, so no ``d x d`` matrix is ever formed.

    Parameters
    ----------
    cs, ct : SpectralCovariance
        Source and target covariances.

    Returns
    -------
    scale, U, coef : float, ndarray of shape (d, r), ndarray of shape (r,)
        ``A = scale * I + U diag(coef) U^T``; apply it with :func:`apply_operator`,
        densify it with :func:`operator_matrix`.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.alignment._covariance import (
    ...     SpectralCovariance, gaussian_map, operator_matrix)
    >>> def iso(var, d=3):
    ...     return SpectralCovariance(np.zeros(d), np.eye(d), np.full(d, var), var)
    >>> np.round(operator_matrix(*gaussian_map(iso(1.0), iso(4.0))), 6).tolist()[0]
    [2.0, 0.0, 0.0]
    """
    d, rank = cs.vectors.shape[0], cs.vectors.shape[1] + ct.vectors.shape[1]
    if rank >= d or cs.floor <= 0 or ct.floor <= 0:
        return (0.0, *_dense_gaussian_map(cs.dense_power(1.0), ct.dense_power(1.0)))
    Q = linalg.orth(np.hstack([cs.vectors, ct.vectors]))
    P, c = _dense_gaussian_map(_restricted(cs, Q), _restricted(ct, Q))
    off = np.sqrt(ct.floor / cs.floor)
    inside = (P * c) @ P.T - off * np.eye(Q.shape[1])
    coef, V = linalg.eigh((inside + inside.T) / 2.0)
    return off, Q @ V, coef


def linear_ot_map(Xs, Xt):
    """The linear OT map between the Gaussian approximations of ``Xs`` and ``Xt``.

    Both covariances are Ledoit-Wolf shrunk (``reg="auto"`` of
    :func:`spectral_covariance`). When both are dense (:func:`shrunk_covariance`), the
    map is computed from the dense matrices without decomposing them; otherwise by
    :func:`gaussian_map` from their spectral forms.

    Returns
    -------
    operator : tuple (scale, U, coef)
        ``A = scale * I + U diag(coef) U^T`` of ``x -> (x - mean_s) A + mean_t``.
    mean_s, mean_t : ndarray of shape (d,)
    """
    Xs, Xt = np.asarray(Xs, dtype=np.float64), np.asarray(Xt, dtype=np.float64)
    if _dense_route(Xs, "auto") and _dense_route(Xt, "auto"):
        (ms, Cs), (mt, Ct) = shrunk_covariance(Xs), shrunk_covariance(Xt)
        return (0.0, *_dense_gaussian_map(Cs, Ct)), ms, mt
    cs, ct = spectral_covariance(Xs, "auto"), spectral_covariance(Xt, "auto")
    return gaussian_map(cs, ct), cs.mean, ct.mean
