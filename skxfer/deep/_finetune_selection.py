"""What :class:`~skxfer.deep.FineTuneClassifier` decides for itself: input scaling and
the safety net that keeps fine-tuning from losing to the simplest no-transfer model.

The safety net compares, on an inner cross-validation of the labelled target rows, the
fine-tuned network with a head trained on the frozen source features and with a plain
linear model fitted on the labelled target rows alone, and keeps the best.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge

__all__ = ["fit_input_scaling", "apply_input_scaling", "linear_candidate", "flat"]


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


def linear_candidate(is_classifier):
    """The no-transfer baseline of the safety net: a linear model on the target rows."""
    return LogisticRegression(max_iter=1000) if is_classifier else Ridge()


def flat(X):
    """Rows of ``X`` as flat feature vectors (numpy)."""
    return np.asarray(X).reshape(len(X), -1)
