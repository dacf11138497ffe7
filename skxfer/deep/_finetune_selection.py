"""What :class:`~skxfer.deep.FineTuneClassifier` decides for itself: input scaling and
the safety net that keeps fine-tuning from losing to the simplest no-transfer model.

The safety net compares, on an inner cross-validation of the labelled target rows, the
fine-tuned network with a head trained on the frozen source features and with a plain
linear model fitted on the labelled target rows alone, and keeps the best.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold

__all__ = ["fit_input_scaling", "apply_input_scaling", "inner_splits", "linear_candidate",
           "flat"]

#: most folds of the inner validation (fewer when a class has fewer labelled rows)
MAX_INNER_FOLDS = 3


def fit_input_scaling(X):
    """Mean and scale of the inputs: per feature for flat rows, one pair for images."""
    if X.ndim == 2:
        mean = X.mean(axis=0, dtype=np.float64)
        scale = X.std(axis=0, dtype=np.float64)
    else:
        mean = np.asarray(X.mean(dtype=np.float64))
        scale = np.asarray(X.std(dtype=np.float64))
    scale = np.where(scale < 1e-6, 1.0, scale)  # constant inputs stay centred, not blown up
    return mean.astype(np.float32), scale.astype(np.float32)


def apply_input_scaling(X, mean, scale):
    """``(X - mean) / scale`` as a new float32 array (the caller's array is not touched)."""
    if mean is None:
        return X
    return ((X - mean) / scale).astype(np.float32, copy=False)


def inner_splits(y, is_classifier, seed):
    """Inner cross-validation folds of the labelled target rows, or ``None`` when too few.

    Classification needs two labelled rows in every class (stratified, at most
    :data:`MAX_INNER_FOLDS` folds); regression needs six rows.
    """
    if is_classifier:
        counts = np.bincount(np.asarray(y, dtype=np.int64))
        counts = counts[counts > 0]
        n_splits = min(MAX_INNER_FOLDS, int(counts.min()))
        if n_splits < 2:
            return None
        cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    else:
        if len(y) < 2 * MAX_INNER_FOLDS:
            return None
        cv = KFold(n_splits=MAX_INNER_FOLDS, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros((len(y), 1)), y))


def linear_candidate(is_classifier):
    """The no-transfer baseline of the safety net: a linear model on the target rows."""
    return LogisticRegression(max_iter=1000) if is_classifier else Ridge()


def flat(X):
    """Rows of ``X`` as flat feature vectors (numpy)."""
    return np.asarray(X).reshape(len(X), -1)
