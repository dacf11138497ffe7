"""Packing several domains into one ``X, y, sample_domain`` (multi-source, multi-target).

:func:`skxfer.merge_domains` packs one source and one target; :func:`pack_domains`
packs any number of each, and :func:`pack_each_as_target` packs labelled domains so
that :class:`~skxfer.model_selection.LeaveOneDomainOut` can make each one the target
in turn. The mask and the domain indices come from :mod:`skxfer._domains`.
"""

import numpy as np
from scipy import sparse

from ._domains import merge_domains

__all__ = ["pack_domains", "pack_each_as_target"]


def _pairs(domains, what, need_labels):
    if isinstance(domains, dict):
        domains = list(domains.values())
    out = []
    for k, d in enumerate(domains):
        if isinstance(d, tuple):
            if len(d) != 2:
                raise ValueError(f"{what} {k} must be X or an (X, y) pair; got {len(d)} items.")
            out.append(d)
        elif need_labels:
            raise ValueError(f"{what} {k} has no labels: give each source as an (X, y) pair.")
        else:
            out.append((d, None))
    return out


def pack_domains(sources, targets=()):
    """Stack several source and target domains into the ``X, y, sample_domain`` contract.

    Source ``k`` (0-based) gets ``sample_domain == k + 1``, target ``k`` gets
    ``-(k + 1)``. Target rows without labels are masked (``-1``, or ``NaN`` for a
    regression ``y``); a target given with labels keeps them (few-label DA: mask the
    unknown ones yourself), which only the returned ``sample_domain`` marks as target,
    so pass it on to ``fit``.

    Parameters
    ----------
    sources : list (or dict) of (X, y) pairs
        Labelled source domains, in the order of their indices.
    targets : list (or dict) of X or (X, y) pairs, default=()
        Target domains; ``X`` alone or ``(X, None)`` masks every row.

    Returns
    -------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Every source's rows, then every target's.
    y : ndarray of shape (n_samples,)
    sample_domain : ndarray of int64

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer import pack_domains
    >>> X, y, sd = pack_domains([(np.zeros((2, 1)), [0, 1]), (np.ones((1, 1)), [1])],
    ...                         [np.full((2, 1), 2.0)])
    >>> y.tolist(), sd.tolist()
    ([0, 1, 1, -1, -1], [1, 1, 2, -1, -1])
    """
    sources = _pairs(sources, "source", need_labels=True)
    targets = _pairs(targets, "target", need_labels=False)
    if not sources:
        raise ValueError("pack_domains needs at least one (X, y) source domain.")
    Xs, ys, sds = [], [], []
    first_X, first_y = sources[0]
    for k, (X, y) in enumerate(sources):
        # merge_domains validates each domain against the first and holds the mask rule
        Xk, yk, _ = merge_domains(X, y, first_X, first_y)
        n = Xk.shape[0] - np.asarray(first_y).shape[0]
        Xs.append(Xk[:n])
        ys.append(yk[:n])
        sds.append(np.full(n, k + 1, dtype=np.int64))
    for k, (X, y) in enumerate(targets):
        Xk, yk, sd = merge_domains(first_X, first_y, X, y)
        rows = np.flatnonzero(sd < 0)
        Xs.append(Xk[rows])
        ys.append(yk[rows])
        sds.append(np.full(rows.size, -(k + 1), dtype=np.int64))
    if any(sparse.issparse(X) for X in Xs):
        X = sparse.vstack([sparse.csr_matrix(X) for X in Xs], format="csr")
    else:
        X = np.concatenate(Xs)
    return X, np.concatenate(ys), np.concatenate(sds)


def pack_each_as_target(domains):
    """Pack labelled domains twice: as sources, and as masked targets.

    Every domain ``k`` appears once as source ``k + 1`` (with its labels) and once as
    target ``-(k + 1)`` (labels masked, true labels in ``target_labels``), the layout
    that ``LeaveOneDomainOut(target_rotation=True)`` splits so that each domain is the
    target in turn, adapted to from the other domains, and scored with
    ``SupervisedTargetScorer`` on ``target_labels``.

    Parameters
    ----------
    domains : list (or dict) of (X, y) pairs
        At least two labelled domains.

    Returns
    -------
    X : ndarray or sparse matrix of shape (2 * n_samples, n_features)
    y : ndarray of shape (2 * n_samples,)
        Source labels, target copies masked.
    sample_domain : ndarray of int64
    target_labels : ndarray of shape (2 * n_samples,)
        True labels of every row (for ``SupervisedTargetScorer``).

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer import pack_each_as_target
    >>> X, y, sd, labels = pack_each_as_target([(np.zeros((2, 1)), [0, 1]),
    ...                                         (np.ones((1, 1)), [1])])
    >>> sd.tolist(), y.tolist(), labels.tolist()
    ([1, 1, 2, -1, -1, -2], [0, 1, 1, -1, -1, -1], [0, 1, 1, 0, 1, 1])
    """
    pairs = _pairs(domains, "domain", need_labels=True)
    if len(pairs) < 2:
        raise ValueError(f"pack_each_as_target needs at least two domains; got {len(pairs)}.")
    X, y, sd = pack_domains(pairs, [X for X, _ in pairs])
    labels = np.concatenate([np.asarray(y) for _, y in pairs] * 2)
    return X, y, sd, labels
