"""What :class:`~skxfer.deep.FineTuneClassifier` decides for itself: input scaling and
the safety net that keeps fine-tuning from losing to the simplest no-transfer model.

The safety net averages the fine-tuned network, the source classifier, a head trained on
the frozen source features, the network trained from scratch and a plain linear model
fitted on the labelled target rows alone; on an inner cross-validation of the labelled
target rows each member is calibrated (temperature scaling) and weighted by its
out-of-fold log loss, and a single member replaces the mean only when clearly better.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge

__all__ = [
    "ENSEMBLE",
    "apply_input_scaling",
    "candidate_output",
    "ensemble_output",
    "fit_input_scaling",
    "flat",
    "linear_candidate",
    "network_output",
    "reinitialise",
    "validation_summary",
]

#: name of the safety net's default choice: the mean of every candidate's outputs
ENSEMBLE = "ensemble"


def fit_input_scaling(X, sample_domain=None):
    """Mean and scale of the inputs: per feature for flat rows, one pair for images.

    Each domain weighs the same (the statistics of an equal mixture of the domains), so
    that many source rows and a few target rows do not give a scale fitted to the source
    alone; and no feature's scale is below the median scale of the features: a feature
    nearly constant on the rows seen (a border pixel of MNIST) is not blown up on rows
    where it varies. (On flat MNIST -> USPS, the source network reached 8 % target
    accuracy with per-feature scales of the pooled rows, 42 % with these, 45 % on the
    inputs as given; ``benchmarks/bench_finetune.py --suite defaults``.)
    """
    X = np.asarray(X)
    groups = [np.arange(len(X))]
    if sample_domain is not None:
        sd = np.asarray(sample_domain)
        groups = [np.flatnonzero(sd == d) for d in np.unique(sd)]
    axis = 0 if X.ndim == 2 else None
    means = [X[g].mean(axis=axis, dtype=np.float64) for g in groups]
    mean = np.mean(means, axis=0)
    var = np.mean([((X[g] - mean) ** 2).mean(axis=axis, dtype=np.float64) for g in groups], axis=0)
    scale = np.sqrt(var)
    scale = np.maximum(scale, np.median(scale))
    scale = np.where(scale < 1e-6, 1.0, scale)  # constant inputs stay centred, not blown up
    return np.asarray(mean, dtype=np.float32), np.asarray(scale, dtype=np.float32)


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


def candidate_output(model, X, is_classifier):
    """Class probabilities (classification) or predictions of a fitted sklearn model."""
    if is_classifier:
        return np.asarray(model.predict_proba(X), dtype=np.float64)
    return np.asarray(model.predict(X), dtype=np.float64).reshape(len(X), -1)


def network_output(out, is_classifier):
    """Class probabilities (softmax of the logits) or predictions of a network."""
    out = np.asarray(out, dtype=np.float64)
    if not is_classifier:
        return out.reshape(len(out), -1)
    out = out - out.max(axis=1, keepdims=True)
    p = np.exp(out)
    return p / p.sum(axis=1, keepdims=True)


def reinitialise(module, seed):
    """Draw fresh weights for every layer of ``module`` that can (``reset_parameters``)."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for layer in module.modules():
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
    return module


def ensemble_output(outputs, is_classifier, weights=None):
    """Weighted mean (equal weights by default) of the members' probabilities (returned
    as logs) or predictions."""
    mean = np.average(np.asarray(outputs), axis=0, weights=weights)
    if is_classifier:
        return np.log(np.clip(mean, 1e-12, None)).astype(np.float32)
    return mean.astype(np.float32)


def validation_summary(oof, y, is_classifier):
    """Mean inner-validation accuracy (R² for regression) of each candidate's
    out-of-fold outputs."""
    from sklearn.metrics import r2_score

    if is_classifier:
        return {name: float(np.mean(out.argmax(axis=1) == y)) for name, out in oof.items()}
    return {
        name: float(r2_score(y, out[:, 0] if out.shape[1] == 1 else out))
        for name, out in oof.items()
    }
