"""The data contract: ``X``, masked ``y`` and an optional ``sample_domain``.

Every skxfer estimator takes all rows stacked in one ``X``. A target row whose label
is unknown is *masked*: ``-1`` for classification, ``NaN`` for regression; whether ``y``
is a classification or a regression target decides which (:func:`is_regression_target`).
``sample_domain`` gives one integer per row, ``> 0`` for source domains and ``< 0``
for target domains. When it is absent it is inferred: at fit, masked rows are target
(``-1``) and labelled rows source (``1``); at predict, transform and score every row is
target.

This module is the one place that decides which rows are masked, which are source and
target, and whether the two agree: a masked source row is refused (it is almost always a
flipped sign), and labelled target rows are used only by estimators that learn from them,
never silently (:class:`TargetLabelsUsedWarning`).
"""

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import is_classifier, is_regressor
from sklearn.utils.validation import check_array, column_or_1d, validate_data

from ._config import get_config

__all__ = [
    "MASKED_LABEL",
    "DEFAULT_SOURCE",
    "DEFAULT_TARGET",
    "MIN_TARGET_ROWS",
    "TargetLabelsUsedWarning",
    "SmallTargetDomainWarning",
    "merge_domains",
    "split_domains",
    "is_masked",
    "is_regression_target",
    "infer_sample_domain",
    "mask_target_labels",
    "check_sample_domain",
    "validate_da_data",
    "score_known_labels",
    "domain_balanced_weights",
]

#: Label of an unlabelled row in classification (sklearn's semi-supervised convention).
MASKED_LABEL = -1
#: Domain index given to labelled rows when ``sample_domain`` is inferred.
DEFAULT_SOURCE = 1
#: Domain index given to masked rows, and to every row at predict time.
DEFAULT_TARGET = -1
#: A target domain with fewer rows than this at fit gets a SmallTargetDomainWarning.
MIN_TARGET_ROWS = 5


class TargetLabelsUsedWarning(UserWarning):
    """An estimator learns from labelled target rows.

    Few-label domain adaptation is legitimate, but target labels left in ``y`` by
    mistake (SKADA masks them itself; skxfer does not) would leak into training and
    inflate every target score. Mask unknown target labels with
    :func:`mask_target_labels` or :func:`merge_domains`; silence this warning with
    ``warnings.filterwarnings("ignore", category=TargetLabelsUsedWarning)`` or
    ``skxfer.config_context(allow_labelled_target=True)`` when the labels are meant.
    """


class SmallTargetDomainWarning(UserWarning):
    """A target domain has too few rows at fit to estimate its statistics."""


def is_regression_target(y, estimator=None):
    """Whether ``y`` is a regression target (masked with ``NaN``) or a classification one.

    The estimator decides when it is a classifier or a regressor. Otherwise the labels
    do: a float ``y`` holding ``NaN`` (the regression mask) or non-integer values is a
    regression target; integer, boolean, string and integer-valued float labels are
    classes (masked with ``-1``, as in sklearn's ``SelfTrainingClassifier``).

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    estimator : estimator, default=None

    Returns
    -------
    regression : bool

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer import is_regression_target
    >>> is_regression_target([0, 1, -1]), is_regression_target([0.5, -1.0, np.nan])
    (False, True)
    """
    if estimator is not None:
        if is_regressor(estimator):
            return True
        if is_classifier(estimator):
            return False
    y = np.asarray(y)
    if y.dtype.kind != "f":
        return False
    nan = np.isnan(y)
    if nan.any():
        return True
    return bool(np.any(y != np.round(y)))


def is_masked(y, *, regression=None):
    """Boolean mask of the rows whose label is unknown.

    ``NaN`` is the mask of a regression target, ``-1`` (and ``NaN``) that of a
    classification target; :func:`is_regression_target` decides when ``regression`` is
    ``None``. So a regression label of ``-1.0`` is a label, not a mask. A row of a 2-d
    ``y`` is masked when any of its outputs is.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Labels, masked with ``-1`` (classification) or ``NaN`` (regression).
    regression : bool, default=None
        Whether ``y`` is a regression target; inferred from ``y`` when ``None``.

    Returns
    -------
    mask : ndarray of bool, shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer import is_masked
    >>> is_masked([0, 1, -1, 2]).tolist()
    [False, False, True, False]
    >>> is_masked([0.5, -1.0, np.nan]).tolist()
    [False, False, True]
    """
    y = np.asarray(y)
    if regression is None:
        regression = is_regression_target(y)
    if y.dtype.kind == "f":
        mask = np.isnan(y) if regression else np.isnan(y) | (y == MASKED_LABEL)
    elif y.dtype.kind in "iub":
        mask = np.zeros(y.shape, bool) if regression else y == MASKED_LABEL
    else:
        # object or string labels: only a literal -1 or NaN counts as masked
        mask = np.array([_is_mask_value(v) for v in y.ravel()], dtype=bool).reshape(y.shape)
    return mask.any(axis=1) if mask.ndim == 2 else mask


def _is_mask_value(v):
    if isinstance(v, numbers.Number):
        return v == MASKED_LABEL or (isinstance(v, float) and np.isnan(v))
    return False


def check_classes(estimator, y_known):
    """Refuse classification labels that are not targets, or that hold a single class.

    Parameters
    ----------
    estimator : estimator
        Named in the message.
    y_known : array-like
        The labels of the rows whose label is known.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from skxfer._domains import check_classes
    >>> check_classes(BaseEstimator(), [0, 0, 1])
    """
    from sklearn.utils.multiclass import check_classification_targets

    if len(y_known) == 0:
        raise ValueError(
            f"{type(estimator).__name__} found no labelled row: every label it was given is "
            "masked. Give the source rows their labels (only unknown target labels are "
            "masked, -1 / NaN), and mark the source rows > 0 in sample_domain."
        )
    check_classification_targets(y_known)
    n_classes = np.unique(np.asarray(y_known)).size
    if n_classes < 2:
        raise ValueError(
            f"{type(estimator).__name__} needs labelled rows of at least two classes; got "
            f"{n_classes} class. Check that the source labels are not all the same (or all "
            "masked) and that only unknown target labels are -1."
        )


def infer_sample_domain(y, *, regression=None):
    """``sample_domain`` at fit when none is given: masked rows target, the rest source.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels, unknown target labels masked.
    regression : bool, default=None
        See :func:`is_masked`.

    Returns
    -------
    sample_domain : ndarray of int64, ``1`` (labelled rows) or ``-1`` (masked rows)

    Examples
    --------
    >>> from skxfer import infer_sample_domain
    >>> infer_sample_domain([0, 1, -1]).tolist()
    [1, 1, -1]
    """
    masked = is_masked(y, regression=regression)
    return np.where(masked, DEFAULT_TARGET, DEFAULT_SOURCE).astype(np.int64)


def resolve_sample_domain(n_samples, y=None, sample_domain=None, *, default=DEFAULT_TARGET):
    """The domain of every row, wherever it comes from.

    ``sample_domain`` when given (validated), else inferred from the mask of ``y`` (as at
    fit), else ``default`` on every row (``DEFAULT_TARGET``: what a fitted estimator
    assumes at predict time).

    Parameters
    ----------
    n_samples : int
    y : array-like of shape (n_samples,), default=None
    sample_domain : array-like of shape (n_samples,), default=None
    default : int, default=DEFAULT_TARGET

    Returns
    -------
    sample_domain : ndarray of int64

    Examples
    --------
    >>> from skxfer._domains import resolve_sample_domain
    >>> resolve_sample_domain(3, [0, -1, 1]).tolist(), resolve_sample_domain(2).tolist()
    ([1, -1, 1], [-1, -1])
    """
    if sample_domain is not None:
        return check_sample_domain(sample_domain, n_samples)
    if y is not None:
        y = np.asarray(y)
        if y.shape[0] != n_samples:
            raise ValueError(f"y has {y.shape[0]} entries but X has {n_samples} rows.")
        return infer_sample_domain(y)
    return np.full(n_samples, default, dtype=np.int64)


def masked_labels(n, like):
    """``n`` masked labels of the type of ``like`` (``NaN`` for float, ``-1`` otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer._domains import masked_labels
    >>> masked_labels(2, np.array([0, 1])).tolist(), masked_labels(1, np.array([0.5])).tolist()
    ([-1, -1], [nan])
    """
    like = np.asarray(like)
    fill = np.nan if like.dtype.kind == "f" else MASKED_LABEL
    return np.full(n, fill, dtype=like.dtype if like.dtype.kind in "iuf" else object)


def mask_target_labels(y, sample_domain, *, regression=None):
    """A copy of ``y`` with the labels of every target row masked.

    For users whose ``y`` holds every row's true label (as SKADA users often pass it):
    the target labels are replaced by ``-1`` (classification) or ``NaN`` (regression)
    so that no skxfer estimator learns from them.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    sample_domain : array-like of shape (n_samples,)
        ``> 0`` source rows, ``< 0`` target rows.
    regression : bool, default=None
        See :func:`is_masked`.

    Returns
    -------
    y_masked : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skxfer import mask_target_labels
    >>> mask_target_labels([0, 1, 1, 0], [1, 1, -1, -1]).tolist()
    [0, 1, -1, -1]
    """
    y = np.asarray(y)
    target = check_sample_domain(sample_domain, y.shape[0]) < 0
    if regression is None:
        regression = is_regression_target(y)
    if regression:
        out = y.astype(np.float64, copy=True)
        out[target] = np.nan
    elif y.dtype.kind in "iu" or (y.dtype.kind == "f"):
        out = y.copy()
        out[target] = MASKED_LABEL
    else:
        out = y.astype(object, copy=True)
        out[target] = MASKED_LABEL
    return out


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
        if any(v is None for v in y):
            raise ValueError(
                "y contains None. skxfer masks unknown labels with -1 (classification) or "
                "NaN (regression), in an integer or float y: encode string classes first, "
                "e.g. with sklearn.preprocessing.LabelEncoder fitted on the known labels, "
                "then set the unknown target labels to -1."
            )
        masked = is_masked(y, regression=False)
        if masked.any() and not masked.all():
            raise ValueError(
                "y mixes string class labels with the mask -1 or NaN. Masked labels must be "
                "-1 in an integer y: encode the classes first, e.g. with "
                "sklearn.preprocessing.LabelEncoder, then set the unknown target labels to -1."
            )
    return y


def check_domains_agree(estimator, y, sample_domain, *, regression=None, name=None):
    """Check that ``y``'s mask agrees with ``sample_domain`` at fit; return the ``y`` to use.

    A masked source row is an error (naming the sign convention). Labelled target rows
    are masked for an estimator that does not learn from them (its DA tags), and
    announced with :class:`TargetLabelsUsedWarning` (refused when every target row is
    labelled) for one that does, unless ``allow_labelled_target`` is set
    (:func:`skxfer.config_context`) or the estimator is supervised on the target (DA tag
    ``requires_target_labels``: fine-tuning, relation-based transfer learn from every
    labelled target row they are given). :func:`validate_da_data` calls it at fit.

    Parameters
    ----------
    estimator : estimator
    y : ndarray of shape (n_samples,)
    sample_domain : ndarray of int of shape (n_samples,)
    regression : bool, default=None
        See :func:`is_masked`.
    name : str, default=None
        Who is checking, in the messages; the estimator's class name when ``None``.

    Returns
    -------
    y : ndarray
        ``y`` itself, or a copy with the target labels masked.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer import CORALAligner
    >>> from skxfer._domains import check_domains_agree
    >>> check_domains_agree(CORALAligner(), np.array([0, 1, 1]), np.array([1, 1, -1])).tolist()
    [0, 1, -1]
    """
    if regression is None:
        regression = is_regression_target(y, estimator)
    name = type(estimator).__name__ if name is None else name
    masked = is_masked(y, regression=regression)
    source, target = sample_domain > 0, sample_domain < 0
    masked_source = source & masked
    if masked_source.any():
        flipped = target.any() and not masked[target].any() and masked[source].all()
        hint = (
            " Every source row is masked and every target row labelled: the signs look "
            "flipped, pass -sample_domain."
            if flipped
            else " If these rows are unlabelled target rows, give them a negative domain index."
        )
        raise ValueError(
            f"{name}: {int(masked_source.sum())} of {int(source.sum())} rows that "
            "sample_domain marks as source have a masked label (-1 / NaN). sample_domain "
            "follows the sign convention > 0 for source domains and < 0 for target domains "
            "(as in SKADA); only target labels may be masked." + hint
        )
    labelled_target = target & ~masked
    if not labelled_target.any():
        return y
    tags = _da_tags(estimator)
    if tags is None or not tags.uses_target_labels:
        # This estimator does not learn from target labels: it never sees them.
        return mask_target_labels(y, sample_domain, regression=regression)
    if tags.requires_target_labels or get_config()["allow_labelled_target"]:
        return y
    n_lab, n_tgt = int(labelled_target.sum()), int(target.sum())
    if n_lab == n_tgt:
        raise ValueError(
            f"{name}: every target row is labelled ({n_tgt} of {n_tgt}), so fit would train "
            "on the target labels - usually target labels left in y by mistake (SKADA masks "
            "them itself; skxfer does not). Mask the unknown ones with "
            "skxfer.mask_target_labels(y, sample_domain) or build X, y, sample_domain with "
            "skxfer.merge_domains(X_source, y_source, X_target). If the target is meant to be "
            "fully labelled (supervised domain adaptation), opt in with "
            "skxfer.config_context(allow_labelled_target=True)."
        )
    warnings.warn(
        f"{name} fit uses the labels of {n_lab} of {n_tgt} target rows (few-label domain "
        "adaptation). If they were left in y by mistake, mask them with "
        "skxfer.mask_target_labels(y, sample_domain) or skxfer.merge_domains; if they are "
        "meant, silence this with skxfer.config_context(allow_labelled_target=True).",
        TargetLabelsUsedWarning,
        stacklevel=4,
    )
    return y


def _da_tags(estimator):
    from .base import get_da_tags

    try:
        return get_da_tags(estimator)
    except Exception:  # not an sklearn estimator (e.g. a bare object in a doctest)
        return None


def _check_target_size(estimator, sample_domain):
    tags = _da_tags(estimator)
    if tags is None or not tags.requires_target:
        return
    domains, counts = np.unique(sample_domain[sample_domain < 0], return_counts=True)
    for domain, count in zip(domains, counts, strict=True):
        if count < MIN_TARGET_ROWS:
            warnings.warn(
                f"{type(estimator).__name__}: target domain {int(domain)} has {int(count)} "
                f"row{'s' if count > 1 else ''} at fit, too few to estimate its distribution "
                f"(fewer than {MIN_TARGET_ROWS}); the adaptation is unreliable. Fit with more "
                "unlabelled target rows.",
                SmallTargetDomainWarning,
                stacklevel=4,
            )


def validate_da_data(
    estimator,
    X,
    y=None,
    sample_domain=None,
    *,
    reset=True,
    require_target=False,
    require_source=False,
    require_labelled_source=False,
    **check_params,
):
    """Validate ``X``, ``y`` and ``sample_domain`` for a skxfer estimator.

    This is the one validation every skxfer estimator calls. It validates ``X`` with
    :func:`sklearn.utils.validation.validate_data` (setting ``n_features_in_`` when
    ``reset``), checks ``y`` and ``sample_domain``, and infers the domains when
    ``sample_domain`` is ``None``. The caller's arrays are never modified.

    At fit (``reset=True``) with an explicit ``sample_domain`` it also checks that the
    domains agree with the mask: a masked label on a source row is an error (mentioning
    the sign convention); labelled target rows reach only estimators whose DA tags say
    ``uses_target_labels`` (others get them masked), and those warn with
    :class:`TargetLabelsUsedWarning` (or raise when every target row is labelled) unless
    :func:`skxfer.config_context` ``(allow_labelled_target=True)``. A target domain of
    fewer than :data:`MIN_TARGET_ROWS` rows gets a :class:`SmallTargetDomainWarning`
    from estimators that adapt to the target.

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
    require_source : bool, default=False
        Raise at fit when no row is a source row.
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
    domains_given = sample_domain is not None
    regression = False
    if y is not None:
        y = _check_labels(y, n_samples)
        regression = is_regression_target(y, estimator)
    if sample_domain is not None:
        sample_domain = check_sample_domain(sample_domain, n_samples)
        if require_target and not np.any(sample_domain < 0):
            raise ValueError(
                f"{type(estimator).__name__} needs target rows, but sample_domain has no "
                "negative entry. Mark the target rows with a negative domain index (-1)."
            )
        if reset and y is not None:
            y = check_domains_agree(estimator, y, sample_domain, regression=regression)
    elif reset and y is not None:
        sample_domain = infer_sample_domain(y, regression=regression)
    elif reset:
        sample_domain = np.full(n_samples, DEFAULT_SOURCE, dtype=np.int64)
    else:
        sample_domain = np.full(n_samples, DEFAULT_TARGET, dtype=np.int64)
    if reset:
        _check_target_size(estimator, sample_domain)
    if (require_source or require_labelled_source) and reset and not np.any(sample_domain > 0):
        raise ValueError(
            f"{type(estimator).__name__} found no source row: "
            + (
                "sample_domain has no positive entry. Mark the source rows with a positive "
                "domain index (1, 2, ...) and the target rows with a negative one."
                if domains_given
                else "every label is masked, so every row counts as target. Give the source "
                "rows their labels (only unknown target labels are masked)."
            )
        )
    if require_labelled_source:
        if y is None:
            raise ValueError(
                f"{type(estimator).__name__} requires y: pass the source labels, with target "
                "rows masked as -1 (classification) or NaN (regression)."
            )
        if not np.any((sample_domain > 0) & ~is_masked(y, regression=regression)):
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
        yt = masked_labels(Xt.shape[0], ys)
    else:
        yt = np.asarray(y_target)
        if yt.shape[0] != Xt.shape[0]:
            raise ValueError(f"y_target has {yt.shape[0]} entries but X_target {Xt.shape[0]} rows.")
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
        sample_domain = infer_sample_domain(y)
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
    keep = ~is_masked(y, regression=regression)
    if not keep.any():
        return float("nan")
    sw = None if sample_weight is None else np.asarray(sample_weight)[keep]
    metric = r2_score if regression else accuracy_score
    return float(metric(y[keep], np.asarray(y_pred)[keep], sample_weight=sw))


def domain_balanced_weights(sample_domain):
    """Row weights under which every domain weighs the same in total (mean weight 1).

    With many source rows and a few labelled target rows, a model fitted on their union
    sees almost only the source; these weights give the target rows as much say as the
    source rows (each of ``n_domains`` domains gets ``n_rows / n_domains`` in total).

    Parameters
    ----------
    sample_domain : array-like of shape (n_samples,)
        Domain of each row (``> 0`` source, ``< 0`` target).

    Returns
    -------
    weights : ndarray of float64, shape (n_samples,)

    Examples
    --------
    >>> from skxfer._domains import domain_balanced_weights
    >>> domain_balanced_weights([1, 1, 1, -1]).tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """
    sd = np.asarray(sample_domain)
    sd = check_sample_domain(sd, sd.shape[0] if sd.ndim else 1)
    _, index, counts = np.unique(sd, return_inverse=True, return_counts=True)
    return sd.size / (counts.size * counts[index].astype(np.float64))
