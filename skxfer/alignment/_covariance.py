"""Shrunk covariances as "scaled identity + low rank", and their matrix powers.

CORAL and the linear OT map need ``C^{1/2}`` and ``C^{-1/2}``. One symmetric eigen-
decomposition gives every power. When there are more features than rows, the
covariance is computed from the ``n x n`` Gram matrix instead of the ``d x d`` one, and
the power is applied as ``a I + U diag(c) U^T`` without ever forming a ``d x d`` matrix;
the linear OT map between two such covariances is computed in the span of their two
low-rank parts (:func:`gaussian_map`).
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


def spectral_covariance(X, reg="auto", rtol=1e-10):
    """Regularised covariance of ``X`` in spectral form.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    reg : "auto" or float
        ``"auto"``: Ledoit-Wolf shrinkage. Up to ``DENSE_MAX_FEATURES`` features (or
        with at least as many rows as features) it shrinks the *correlation* matrix
        towards the identity, so the covariance is shrunk towards its own diagonal
        (scale-equivariant, as SKADA's CORAL does); with more features than that and
        than rows, the covariance towards ``mu I`` through the Gram matrix (no ``d x d``
        matrix is formed). A float: ``S + reg * I``.

    Returns
    -------
    SpectralCovariance
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    mean = X.mean(axis=0)
    Xc = X - mean
    if isinstance(reg, str) and (d <= n or d <= DENSE_MAX_FEATURES):
        scale = Xc.std(axis=0)
        scale[scale <= 0] = 1.0
        Z = Xc / scale
        shrinkage, mu = ledoit_wolf_shrinkage(Z)
        cov = (1.0 - shrinkage) * (Z.T @ Z / n) + shrinkage * mu * np.eye(d)
        values, vectors = linalg.eigh(scale[:, None] * cov * scale[None, :])
        # the decomposition is complete, so any positive floor represents C exactly; the
        # smallest eigenvalue keeps C**p = floor**p I + U diag(...) U^T well conditioned
        values = np.clip(values, max(1e-10 * float(np.mean(values)), 1e-300), None)
        return SpectralCovariance(
            mean=mean, vectors=vectors, values=values, floor=float(values.min())
        )
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
    """``Q^T C Q`` for orthonormal ``Q`` whose span holds ``cov``'s low-rank part."""
    B = Q.T @ cov.vectors
    dense = cov.floor * np.eye(Q.shape[1]) + (B * (cov.values - cov.floor)) @ B.T
    values, vectors = linalg.eigh((dense + dense.T) / 2.0)
    values = np.clip(values, cov.floor, None)
    return SpectralCovariance(mean=cov.mean, vectors=vectors, values=values, floor=cov.floor)


def _dense_gaussian_map(cs, ct):
    """``Cs^{-1/2} (Cs^{1/2} Ct Cs^{1/2})^{1/2} Cs^{-1/2}`` as ``P diag(c) P^T``.

    Worked in ``Cs``'s eigenbasis ``U`` (``Cs = U diag(s) U^T``): with
    ``Z diag(w) Z^T`` the eigendecomposition of ``diag(s^1/2) U^T Ct U diag(s^1/2)``,
    ``P = U diag(s^-1/2) Z`` and ``c = w^1/2``: one ``d x d`` eigendecomposition and
    three products. Returns ``(P, c)``.
    """
    s, U = cs.values, cs.vectors
    if U.shape[1] < U.shape[0]:  # "floor + low rank": complete the eigenbasis
        s, U = linalg.eigh(cs.dense_power(1.0))
        s = np.clip(s, cs.floor, None)
    W = U.T @ ct.vectors
    inner = ct.floor * np.eye(U.shape[1]) + (W * (ct.values - ct.floor)) @ W.T
    root = np.sqrt(s)
    mid = root[:, None] * inner * root[None, :]
    w, Z = linalg.eigh((mid + mid.T) / 2.0)
    return (U / root) @ Z, np.sqrt(np.clip(w, 0.0, None))


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
        return (0.0, *_dense_gaussian_map(cs, ct))
    Q = linalg.orth(np.hstack([cs.vectors, ct.vectors]))
    P, c = _dense_gaussian_map(_restricted(cs, Q), _restricted(ct, Q))
    off = np.sqrt(ct.floor / cs.floor)
    inside = (P * c) @ P.T - off * np.eye(Q.shape[1])
    coef, V = linalg.eigh((inside + inside.T) / 2.0)
    return off, Q @ V, coef
