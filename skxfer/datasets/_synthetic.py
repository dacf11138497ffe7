"""Synthetic source/target pairs with a known kind of distribution shift.

Each generator draws a labelled source domain and a target domain that differ by one
kind of shift:

- ``"covariate"``: ``p(x)`` changes, ``p(y|x)`` is fixed. Inputs are Gaussian in both
  domains (closed-form densities, so the true density ratio ``p_t(x) / p_s(x)`` is
  known) and labels come from one fixed *non-linear* function, so a linear model fitted
  on the source is wrong where the target lives, while an importance-weighted one is
  not.
- ``"prior"``: ``p(y)`` changes, ``p(x|y)`` is fixed (label / target shift).
- ``"conditional"``: ``p(x|y)`` changes (class clusters move and stretch differently).
- ``"subspace"``: the target is the source under a random rotation plus an offset,
  which second-order alignment (CORAL, subspace alignment) can undo.

Only the plane of the first two latent directions carries the shift and the signal;
any further feature is ``N(0, 1)`` noise identical in both domains.
"""

from numbers import Integral, Real

import numpy as np
from scipy.linalg import expm
from sklearn.utils import check_random_state

from .._domains import MASKED_LABEL
from ._base import DomainDataset

__all__ = ["make_shifted_classification", "make_shifted_regression"]

SHIFTS = ("covariate", "prior", "conditional", "subspace")

# covariate-shift geometry, in the latent (a, b) plane
_COV_SIGMA_S = 1.5  # source input std
_COV_SIGMA_T = 0.8  # target input std (< source std: bounded density ratio)
_COV_CURVATURE = 0.5  # label score a - c * b**2
_COV_OFFSET = 1.5  # target centre b = m * strength, a = c * b**2 (on the curved boundary)
# class means of the prior / conditional / subspace tasks lie on an ellipse
_ELLIPSE = (1.5, 1.0)


def _check_params(n_samples_source, n_samples_target, n_features, shift, shift_strength, noise):
    for name, value, low in (
        ("n_samples_source", n_samples_source, 1),
        ("n_samples_target", n_samples_target, 1),
        ("n_features", n_features, 2),
    ):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an int >= {low}; got {value!r}.")
    if shift not in SHIFTS:
        raise ValueError(f"shift must be one of {SHIFTS}; got {shift!r}.")
    for name, value in (("shift_strength", shift_strength), ("noise", noise)):
        if not isinstance(value, Real) or value < 0:
            raise ValueError(f"{name} must be a float >= 0; got {value!r}.")


def _basis(n_features, rng):
    """Random orthonormal basis: columns 0 and 1 span the plane that carries the shift."""
    q, r = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    return q * np.sign(np.diag(r))


def _to_features(Z, Q):
    return Z @ Q.T


def _covariate_inputs(n, n_features, strength, rng, target):
    """Latent inputs of the covariate task: Gaussian in the (a, b) plane, N(0, 1) elsewhere."""
    Z = rng.standard_normal((n, n_features))
    if target:
        Z[:, :2] = Z[:, :2] * _COV_SIGMA_T + _covariate_target_mean(strength)
    else:
        Z[:, :2] *= _COV_SIGMA_S
    return Z


def _covariate_target_mean(strength):
    b = _COV_OFFSET * strength
    return np.array([_COV_CURVATURE * b**2, b])


def _covariate_score(Z):
    return Z[:, 0] - _COV_CURVATURE * Z[:, 1] ** 2


def _covariate_log_ratio(Z, strength):
    """Closed-form ``log p_t(x) - log p_s(x)`` (only the (a, b) plane differs)."""
    P = Z[:, :2]
    mu = _covariate_target_mean(strength)
    return (
        -np.sum((P - mu) ** 2, axis=1) / (2 * _COV_SIGMA_T**2)
        + np.sum(P**2, axis=1) / (2 * _COV_SIGMA_S**2)
        + 2 * np.log(_COV_SIGMA_S / _COV_SIGMA_T)
    )


def _class_means(n_classes, n_features):
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    means = np.zeros((n_classes, n_features))
    means[:, 0] = _ELLIPSE[0] * np.cos(angles)
    means[:, 1] = _ELLIPSE[1] * np.sin(angles)
    return means


def _rotation(n_features, angle, rng):
    """Rotation by ``angle`` radians in the latent signal plane, plus a smaller random
    rotation of the other directions."""
    S = np.zeros((n_features, n_features))
    S[0, 1], S[1, 0] = -angle, angle
    if n_features > 2:
        G = rng.standard_normal((n_features, n_features)) * (angle / np.sqrt(n_features))
        S += np.triu(G, 1) - np.triu(G, 1).T
    return expm(S)


def _offset(n_features, strength, rng):
    v = rng.standard_normal(n_features)
    return strength * 1.5 * v / np.linalg.norm(v)


def _mask(y, n_source, mask_target):
    y = y.copy()
    if mask_target:
        y[n_source:] = np.nan if y.dtype.kind == "f" else MASKED_LABEL
    return y


def _finish(Zs, Zt, ys, yt, Q, *, mask_target, return_dataset, name, DESCR, target_names, **extra):
    X = _to_features(np.vstack([Zs, Zt]), Q).astype(np.float64)
    y_true = np.concatenate([ys, yt])
    sample_domain = np.r_[np.ones(len(ys), dtype=np.int64), -np.ones(len(yt), dtype=np.int64)]
    if return_dataset:
        return DomainDataset(
            X,
            y_true,
            sample_domain,
            name=name,
            target_names=target_names,
            domain_names={1: "source", -1: "target"},
            DESCR=DESCR,
            **extra,
        )
    return X, _mask(y_true, len(ys), mask_target), sample_domain


def make_shifted_classification(
    n_samples_source=200,
    n_samples_target=200,
    n_features=2,
    n_classes=2,
    shift="covariate",
    shift_strength=1.0,
    noise=0.1,
    mask_target=True,
    return_dataset=False,
    random_state=None,
):
    """Generate a source and a target classification domain with a chosen shift.

    Rows are stacked source first, then target (the skxfer data contract).

    - ``"covariate"``: in a random 2-d plane with coordinates ``(a, b)`` the source
      inputs are ``N(0, 1.5^2 I)`` and the target inputs ``N(mu_t, 0.8^2 I)`` with
      ``mu_t = (0.5 b_t^2, b_t)``, ``b_t = 1.5 * shift_strength``. The label is the band
      of ``a - 0.5 b^2 + noise * N(0, 1)`` between fixed thresholds (quantiles of the
      target score), the same function in both domains. The class boundaries are
      parabolas: a linear classifier fitted on the source learns their flat bottom and
      is wrong on the tilted part where the target lies; weighting source rows by the
      density ratio (``DomainDataset.density_ratio``) fixes it.
    - ``"prior"``: class-conditional ``N(m_k, I)`` with means on an ellipse; source
      classes are balanced, target class ``k`` has probability proportional to
      ``exp(-2 * shift_strength * k / (n_classes - 1))``.
    - ``"conditional"``: same class means, but in the target each class mean moves
      along the ellipse's tangent by ``shift_strength`` times its radius and the class
      spread grows with the class index: ``p(x|y)`` differs and ``p(y)`` does not.
    - ``"subspace"``: same class-conditional Gaussians in both domains; the target
      rows then go through a rotation by ``shift_strength * pi / 4`` in the signal
      plane (and a smaller random rotation of the other directions) and an offset of
      norm ``1.5 * shift_strength``.

    Parameters
    ----------
    n_samples_source : int, default=200
        Number of source rows.
    n_samples_target : int, default=200
        Number of target rows.
    n_features : int, default=2
        Number of features (>= 2). Features beyond the signal plane are ``N(0, 1)``
        noise, identical in both domains; the whole space is randomly rotated.
    n_classes : int, default=2
        Number of classes (>= 2).
    shift : {"covariate", "prior", "conditional", "subspace"}, default="covariate"
        Kind of shift between source and target.
    shift_strength : float, default=1.0
        Size of the shift; ``0`` gives two samples of one distribution.
    noise : float, default=0.1
        Label noise: standard deviation of the Gaussian noise on the latent score
        (``"covariate"``), or fraction of labels flipped at random (other shifts).
    mask_target : bool, default=True
        Mask the target labels with ``-1`` in the returned ``y``.
    return_dataset : bool, default=False
        Return a :class:`DomainDataset` (true target labels in ``y_true``; for
        ``"covariate"`` also ``density_ratio``) instead of ``X, y, sample_domain``.
    random_state : int, RandomState instance or None, default=None
        Seed of every random draw.

    Returns
    -------
    X : ndarray of float64 of shape (n_samples_source + n_samples_target, n_features)
    y : ndarray of int64 of shape (n_samples,)
        Labels ``0 .. n_classes - 1``, target rows ``-1`` when ``mask_target``.
    sample_domain : ndarray of int64 of shape (n_samples,)
        ``1`` for source rows, ``-1`` for target rows.

    dataset : DomainDataset
        Instead of the three arrays when ``return_dataset=True``. For
        ``shift="covariate"`` it has ``density_ratio`` (true ``p_t(x) / p_s(x)`` of
        every row; ``density_ratio[dataset.source_mask]`` are the ideal importance
        weights) and ``density_ratio_func(X)`` to evaluate it anywhere.

    Examples
    --------
    >>> from skxfer.datasets import make_shifted_classification
    >>> X, y, sample_domain = make_shifted_classification(random_state=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((400, 2), [-1, 0, 1])
    >>> ds = make_shifted_classification(n_features=5, n_classes=3, return_dataset=True,
    ...                                  random_state=0)
    >>> ds.y_target.max(), ds.density_ratio[ds.source_mask].shape
    (np.int64(2), (200,))
    """
    _check_params(n_samples_source, n_samples_target, n_features, shift, shift_strength, noise)
    if not isinstance(n_classes, Integral) or n_classes < 2:
        raise ValueError(f"n_classes must be an int >= 2; got {n_classes!r}.")
    if shift != "covariate" and noise > 1:
        raise ValueError(f"noise is a flip fraction for shift={shift!r}; got {noise}.")
    rng = check_random_state(random_state)
    Q = _basis(n_features, rng)
    ns, nt, d, K, s = n_samples_source, n_samples_target, n_features, n_classes, shift_strength
    extra = {}

    if shift == "covariate":
        # fixed thresholds: quantiles of the noiseless score under the target inputs
        ref = _covariate_score(_covariate_inputs(20000, 2, s, rng, target=True))
        thresholds = np.quantile(ref, np.arange(1, K) / K)

        def label(Z):
            score = _covariate_score(Z) + noise * rng.standard_normal(len(Z))
            return np.searchsorted(thresholds, score).astype(np.int64)

        Zs = _covariate_inputs(ns, d, s, rng, target=False)
        Zt = _covariate_inputs(nt, d, s, rng, target=True)
        ys, yt = label(Zs), label(Zt)

        def density_ratio_func(X):
            """True ``p_t(x) / p_s(x)`` at the rows of ``X`` (feature space)."""
            return np.exp(_covariate_log_ratio(np.asarray(X, dtype=np.float64) @ Q, s))

        extra["density_ratio_func"] = density_ratio_func
        extra["density_ratio"] = np.exp(_covariate_log_ratio(np.vstack([Zs, Zt]), s))
    else:
        means = _class_means(K, d)
        if shift == "prior":
            p_t = np.exp(-2.0 * s * np.arange(K) / (K - 1))
            ys = rng.randint(K, size=ns)
            yt = rng.choice(K, size=nt, p=p_t / p_t.sum())
            Zs = means[ys] + rng.standard_normal((ns, d))
            Zt = means[yt] + rng.standard_normal((nt, d))
            extra["target_prior"] = p_t / p_t.sum()
        else:
            ys, yt = rng.randint(K, size=ns), rng.randint(K, size=nt)
            Zs = means[ys] + rng.standard_normal((ns, d))
            Zt = means[yt] + rng.standard_normal((nt, d))
            if shift == "conditional":
                tangent = np.zeros_like(means)
                angles = 2 * np.pi * np.arange(K) / K
                tangent[:, 0] = -_ELLIPSE[0] * np.sin(angles)
                tangent[:, 1] = _ELLIPSE[1] * np.cos(angles)
                scale = 1.0 + 0.5 * s * np.arange(K) / (K - 1)
                Zt = means[yt] + s * tangent[yt] + (Zt - means[yt]) * scale[yt, None]
            else:  # subspace
                Zt = Zt @ _rotation(d, s * np.pi / 4, rng).T + _offset(d, s, rng)
        for y in (ys, yt):
            flip = rng.rand(len(y)) < noise
            y[flip] = rng.randint(K, size=int(flip.sum()))
        ys, yt = ys.astype(np.int64), yt.astype(np.int64)

    return _finish(
        Zs,
        Zt,
        ys,
        yt,
        Q,
        mask_target=mask_target,
        return_dataset=return_dataset,
        name=f"shifted_classification({shift})",
        DESCR=f"Synthetic {shift} shift, strength {s}, {K} classes, {d} features.",
        target_names=[str(k) for k in range(K)],
        shift=shift,
        **extra,
    )


def make_shifted_regression(
    n_samples_source=200,
    n_samples_target=200,
    n_features=2,
    shift="covariate",
    shift_strength=1.0,
    noise=0.1,
    mask_target=True,
    return_dataset=False,
    random_state=None,
):
    """Generate a source and a target regression domain with a chosen shift.

    Rows are stacked source first, then target; target labels are masked with
    ``NaN``.

    - ``"covariate"``: the inputs of :func:`make_shifted_classification`'s covariate
      task and ``y = a - 0.5 b^2 + noise``: a linear regression fitted on the source
      misses the slope in ``b`` where the target lies. The true density ratio is given
      as for classification.
    - ``"prior"`` (target shift): ``y ~ N(0, 1)`` in the source and
      ``N(shift_strength, 0.5^2)`` in the target; ``x | y = y w + N(0, I)`` in both.
    - ``"conditional"``: ``y ~ N(0, 1)`` in both; ``x | y = y w + N(0, I)`` in the
      source and ``y w' + N(0, I)`` in the target, ``w'`` being ``w`` rotated by
      ``shift_strength * pi / 4``.
    - ``"subspace"``: ``y = x . beta + noise`` on anisotropic Gaussian inputs; the
      target inputs are then rotated and offset as in the classification task.

    Parameters
    ----------
    n_samples_source : int, default=200
        Number of source rows.
    n_samples_target : int, default=200
        Number of target rows.
    n_features : int, default=2
        Number of features (>= 2).
    shift : {"covariate", "prior", "conditional", "subspace"}, default="covariate"
        Kind of shift between source and target.
    shift_strength : float, default=1.0
        Size of the shift; ``0`` gives two samples of one distribution.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise on ``y``.
    mask_target : bool, default=True
        Mask the target labels with ``NaN`` in the returned ``y``.
    return_dataset : bool, default=False
        Return a :class:`DomainDataset` instead of ``X, y, sample_domain``.
    random_state : int, RandomState instance or None, default=None
        Seed of every random draw.

    Returns
    -------
    X : ndarray of float64 of shape (n_samples, n_features)
    y : ndarray of float64 of shape (n_samples,)
        Target rows ``NaN`` when ``mask_target``.
    sample_domain : ndarray of int64 of shape (n_samples,)
        ``1`` for source rows, ``-1`` for target rows.

    dataset : DomainDataset
        Instead of the three arrays when ``return_dataset=True`` (with
        ``density_ratio`` and ``density_ratio_func`` for ``shift="covariate"``).

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.datasets import make_shifted_regression
    >>> X, y, sample_domain = make_shifted_regression(random_state=0)
    >>> X.shape, int(np.isnan(y).sum())
    ((400, 2), 200)
    """
    _check_params(n_samples_source, n_samples_target, n_features, shift, shift_strength, noise)
    rng = check_random_state(random_state)
    Q = _basis(n_features, rng)
    ns, nt, d, s = n_samples_source, n_samples_target, n_features, shift_strength
    extra = {}
    w = np.zeros(d)
    w[0] = 1.5

    if shift == "covariate":
        Zs = _covariate_inputs(ns, d, s, rng, target=False)
        Zt = _covariate_inputs(nt, d, s, rng, target=True)
        ys, yt = _covariate_score(Zs), _covariate_score(Zt)

        def density_ratio_func(X):
            """True ``p_t(x) / p_s(x)`` at the rows of ``X`` (feature space)."""
            return np.exp(_covariate_log_ratio(np.asarray(X, dtype=np.float64) @ Q, s))

        extra["density_ratio_func"] = density_ratio_func
        extra["density_ratio"] = np.exp(_covariate_log_ratio(np.vstack([Zs, Zt]), s))
    elif shift == "prior":
        ys = rng.standard_normal(ns)
        yt = s + 0.5 * rng.standard_normal(nt)
        Zs = ys[:, None] * w + rng.standard_normal((ns, d))
        Zt = yt[:, None] * w + rng.standard_normal((nt, d))
    elif shift == "conditional":
        ys, yt = rng.standard_normal(ns), rng.standard_normal(nt)
        w_t = _rotation(d, s * np.pi / 4, rng) @ w
        Zs = ys[:, None] * w + rng.standard_normal((ns, d))
        Zt = yt[:, None] * w_t + rng.standard_normal((nt, d))
    else:  # subspace
        scales = np.ones(d)
        scales[:2] = (2.0, 1.0)
        beta = np.zeros(d)
        beta[:2] = (1.0, -0.5)
        Zs = rng.standard_normal((ns, d)) * scales
        Zt = rng.standard_normal((nt, d)) * scales
        ys, yt = Zs @ beta, Zt @ beta
        Zt = Zt @ _rotation(d, s * np.pi / 4, rng).T + _offset(d, s, rng)
    ys = ys + noise * rng.standard_normal(ns)
    yt = yt + noise * rng.standard_normal(nt)

    return _finish(
        Zs,
        Zt,
        ys.astype(np.float64),
        yt.astype(np.float64),
        Q,
        mask_target=mask_target,
        return_dataset=return_dataset,
        name=f"shifted_regression({shift})",
        DESCR=f"Synthetic {shift} shift for regression, strength {s}, {d} features.",
        target_names=None,
        shift=shift,
        **extra,
    )
