"""The data contract: ``X``, masked ``y`` and an optional ``sample_domain``.

Every skxfer estimator takes all rows stacked in one ``X``. A target row whose label
is unknown is *masked*: ``-1`` for classification, ``NaN`` for regression.
``sample_domain`` gives one integer per row, ``> 0`` for source domains and ``< 0``
for target domains. When it is absent it is inferred: at fit, masked rows are target
(``-1``) and labelled rows source (``1``); at predict, transform and score every row is
target.
"""

import numbers

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_array, column_or_1d, validate_data

__all__ = [
    "MASKED_LABEL",
    "DEFAULT_SOURCE",
    "DEFAULT_TARGET",
    "merge_domains",
    "split_domains",
    "is_masked",
    "check_sample_domain",
    "validate_da_data",
    "score_known_labels",
]

#: Label of an unlabelled row in classification (sklearn's semi-supervised convention).
MASKED_LABEL = -1
#: Domain index given to labelled rows when ``sample_domain`` is inferred.
DEFAULT_SOURCE = 1
#: Domain index given to masked rows, and to every row at predict time.
DEFAULT_TARGET = -1


def is_masked(y):
    """Boolean mask of the rows whose label is unknown (``-1`` or ``NaN``).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels, masked with ``-1`` (classification) or ``NaN`` (regression).

    Returns
    -------
    mask : ndarray of bool, shape (n_samples,)

    Examples
    --------
    >>> from skxfer import is_masked
    >>> is_masked([0, 1, -1, 2]).tolist()
    [False, False, True, False]
    """
    y = np.asarray(y)
    if y.dtype.kind == "f":
        return np.isnan(y) | (y == MASKED_LABEL)
    if y.dtype.kind in "iub":
        return y == MASKED_LABEL
    # object or string labels: only a literal -1 (int or str) counts as masked
    return np.array([_is_mask_value(v) for v in y.ravel()], dtype=bool).reshape(y.shape)


def _is_mask_value(v):
    if isinstance(v, numbers.Number):
        return v == MASKED_LABEL or (isinstance(v, float) and np.isnan(v))
    return False


def check_sample_domain(sample_domain, n_samples):
    """Validate a user-given ``sample_domain`` and return it as an int array.

    Parameters
    ----------
    sample_domain : array-like of shape (n_samples,)
        Domain index of each row: ``> 0`` source, ``< 0`` target, never ``0``.
    n_samples : int
        Number of rows of ``X``.

    Returns
    -------
    sample_domain : ndarray of int64, shape (n_samples,)

    Examples
    --------
    >>> from skxfer import check_sample_domain
    >>> check_sample_domain([1, 1, -1], 3).tolist()
    [1, 1, -1]
    """
    sd = np.asarray(sample_domain)
    if sd.ndim != 1:
        raise ValueError(
            f"sample_domain must be a 1-d array with one entry per row of X; got shape "
            f"{sd.shape}. Pass e.g. np.r_[np.ones(n_source), -np.ones(n_target)]."
        )
    if sd.shape[0] != n_samples:
        raise ValueError(
            f"sample_domain has {sd.shape[0]} entries but X has {n_samples} rows; it needs "
            "one domain index per row (> 0 for source rows, < 0 for target rows)."
        )
    if sd.dtype.kind == "f":
        if not np.all(np.isfinite(sd)) or np.any(sd != np.round(sd)):
            raise ValueError(
                "sample_domain must hold integers (> 0 source, < 0 target); got non-integer "
                "or non-finite values."
            )
    elif sd.dtype.kind not in "iu":
        raise ValueError(
            f"sample_domain must hold integers (> 0 source, < 0 target); got dtype {sd.dtype}."
        )
    sd = sd.astype(np.int64)
    if np.any(sd == 0):
        raise ValueError(
            "sample_domain contains 0, which is neither source nor target. Use positive "
            "integers (1, 2, ...) for source domains and negative ones (-1, -2, ...) for "
            "target domains."
        )
    return sd


def _check_labels(y, n_samples):
    y = column_or_1d(y, warn=True)
    if y.shape[0] != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: y has "
            f"{y.shape[0]} entries but X has {n_samples} rows."
        )
    if y.dtype.kind in "OUS":
        masked = is_masked(y)
        if masked.any() and not masked.all():
            raise ValueError(
                "y mixes string class labels with the integer mask -1. Masked labels must be "
                "-1 in an integer y: encode the classes first, e.g. with "
                "sklearn.preprocessing.LabelEncoder, then set the unknown target labels to -1."
            )
    return y


def validate_da_data(
    estimator,
    X,
    y=None,
    sample_domain=None,
    *,
    reset=True,
    require_target=False,
    require_labelled_source=False,
    **check_params,
):
    """Validate ``X``, ``y`` and ``sample_domain`` for a skxfer estimator.

    This is the one validation every skxfer estimator calls. It validates ``X`` with
    :func:`sklearn.utils.validation.validate_data` (setting ``n_features_in_`` when
    ``reset``), checks ``y`` and ``sample_domain``, and infers the domains when
    ``sample_domain`` is ``None``. The caller's arrays are never modified.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or used.
    X : array-like of shape (n_samples, n_features)
        All rows, source and target stacked.
    y : array-like of shape (n_samples,), default=None
        Labels with target rows masked (``-1`` / ``NaN``). ``None`` at predict time.
    sample_domain : array-like of shape (n_samples,), default=None
        Domain of each row; inferred when ``None`` (see module docstring).
    reset : bool, default=True
        ``True`` at fit (domains inferred from the mask), ``False`` afterwards (every row
        is target when ``sample_domain`` is ``None``).
    require_target : bool, default=False
        Raise when there is no target row and ``sample_domain`` was given explicitly.
    require_labelled_source : bool, default=False
        Raise when no source row has a label.
    **check_params : dict
        Passed to ``validate_data`` for ``X`` (``accept_sparse``, ``dtype``, ...).

    Returns
    -------
    X : ndarray or sparse matrix
    y : ndarray or None
    sample_domain : ndarray of int64

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from skxfer import validate_da_data
    >>> X = np.arange(8.0).reshape(4, 2)
    >>> _, _, sd = validate_da_data(BaseEstimator(), X, np.array([0, 1, -1, -1]))
    >>> sd.tolist()
    [1, 1, -1, -1]
    """
    X = validate_data(estimator, X, reset=reset, **check_params)
    n_samples = X.shape[0]
    if y is not None:
        y = _check_labels(y, n_samples)
    if sample_domain is not None:
        sample_domain = check_sample_domain(sample_domain, n_samples)
        if require_target and not np.any(sample_domain < 0):
            raise ValueError(
                f"{type(estimator).__name__} needs target rows, but sample_domain has no "
                "negative entry. Mark the target rows with a negative domain index (-1)."
            )
    elif reset and y is not None:
        sample_domain = np.where(is_masked(y), DEFAULT_TARGET, DEFAULT_SOURCE)
    elif reset:
        sample_domain = np.full(n_samples, DEFAULT_SOURCE, dtype=np.int64)
    else:
        sample_domain = np.full(n_samples, DEFAULT_TARGET, dtype=np.int64)
    if require_labelled_source:
        if y is None:
            raise ValueError(
                f"{type(estimator).__name__} requires y: pass the source labels, with target "
                "rows masked as -1 (classification) or NaN (regression)."
            )
        if not np.any((sample_domain > 0) & ~is_masked(y)):
            raise ValueError(
                f"{type(estimator).__name__} found no labelled source row: every source row "
                "is masked. Give the source rows their labels (only target labels are masked)."
            )
    return X, y, sample_domain


def merge_domains(X_source, y_source, X_target, y_target=None):
    """Stack a source and a target domain into the ``X, y, sample_domain`` contract.

    Parameters
    ----------
    X_source : array-like of shape (n_source, n_features)
    y_source : array-like of shape (n_source,)
    X_target : array-like of shape (n_target, n_features)
    y_target : array-like of shape (n_target,), default=None
        Known target labels; ``None`` masks every target row (``-1``, or ``NaN`` when
        ``y_source`` is float, i.e. regression).

    Returns
    -------
    X : ndarray or sparse matrix of shape (n_source + n_target, n_features)
    y : ndarray of shape (n_source + n_target,)
    sample_domain : ndarray of int64, 1 for source rows and -1 for target rows

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer import merge_domains
    >>> X, y, sd = merge_domains(np.zeros((2, 3)), [0, 1], np.ones((1, 3)))
    >>> y.tolist(), sd.tolist()
    ([0, 1, -1], [1, 1, -1])
    """
    Xs = check_array(X_source, accept_sparse=True, ensure_all_finite=False)
    Xt = check_array(X_target, accept_sparse=True, ensure_all_finite=False)
    if Xs.shape[1] != Xt.shape[1]:
        raise ValueError(
            f"The source has {Xs.shape[1]} features but the target has {Xt.shape[1]}: both "
            "domains must be described by the same features, in the same order. Project them "
            "into a shared feature space first (same vocabulary, same preprocessing)."
        )
    ys = np.asarray(y_source)
    if ys.shape[0] != Xs.shape[0]:
        raise ValueError(f"y_source has {ys.shape[0]} entries but X_source {Xs.shape[0]} rows.")
    if y_target is None:
        fill = np.nan if ys.dtype.kind == "f" else MASKED_LABEL
        yt = np.full(Xt.shape[0], fill, dtype=ys.dtype if ys.dtype.kind in "iuf" else object)
    else:
        yt = np.asarray(y_target)
        if yt.shape[0] != Xt.shape[0]:
            raise ValueError(
                f"y_target has {yt.shape[0]} entries but X_target {Xt.shape[0]} rows."
            )
    if sparse.issparse(Xs) or sparse.issparse(Xt):
        X = sparse.vstack([sparse.csr_matrix(Xs), sparse.csr_matrix(Xt)], format="csr")
    else:
        X = np.concatenate([Xs, Xt])
    y = np.concatenate([ys, yt])
    sample_domain = np.r_[
        np.full(Xs.shape[0], DEFAULT_SOURCE, dtype=np.int64),
        np.full(Xt.shape[0], DEFAULT_TARGET, dtype=np.int64),
    ]
    return X, y, sample_domain


def split_domains(X, y=None, sample_domain=None):
    """Split stacked rows back into ``X_source, y_source, X_target, y_target``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), default=None
    sample_domain : array-like of shape (n_samples,), default=None
        Inferred from the masked labels when ``None``.

    Returns
    -------
    X_source, y_source, X_target, y_target
        ``y_*`` are ``None`` when ``y`` is ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer import split_domains
    >>> Xs, ys, Xt, yt = split_domains(np.eye(3), np.array([0, 1, -1]))
    >>> Xs.shape, Xt.shape
    ((2, 3), (1, 3))
    """
    X = check_array(X, accept_sparse=["csr", "csc"], ensure_all_finite=False)
    if sample_domain is None:
        if y is None:
            raise ValueError(
                "split_domains needs y (with target rows masked) or sample_domain to know "
                "which rows are target."
            )
        sample_domain = np.where(is_masked(y), DEFAULT_TARGET, DEFAULT_SOURCE)
    sd = check_sample_domain(sample_domain, X.shape[0])
    src, tgt = sd > 0, sd < 0
    y = None if y is None else _check_labels(y, X.shape[0])
    return (
        X[src],
        None if y is None else y[src],
        X[tgt],
        None if y is None else y[tgt],
    )


def score_known_labels(y, y_pred, sample_weight=None, *, regression=False):
    """Accuracy (R² for regression) of ``y_pred`` on the rows whose label is known.

    The one scoring rule of skxfer's estimators: masked rows (``-1`` / ``NaN``) carry no
    label and are left out; with every row masked the score is undefined (``nan``).

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Labels, unknown ones masked.
    y_pred : array-like of the same shape
        Predictions for every row.
    sample_weight : array-like of shape (n_samples,), default=None
    regression : bool, default=False
        R² instead of accuracy.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from skxfer import score_known_labels
    >>> score_known_labels([0, 1, -1, 1], [0, 0, 1, 1])
    0.6666666666666666
    """
    from sklearn.metrics import accuracy_score, r2_score

    y = np.asarray(y)
    keep = is_masked(y) if y.ndim == 1 else np.isnan(y.astype(float)).any(axis=1)
    keep = ~keep
    if not keep.any():
        return float("nan")
    sw = None if sample_weight is None else np.asarray(sample_weight)[keep]
    metric = r2_score if regression else accuracy_score
    return float(metric(y[keep], np.asarray(y_pred)[keep], sample_weight=sw))
