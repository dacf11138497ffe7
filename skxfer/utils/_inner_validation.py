"""Inner validation on the few labelled target rows: the folds, out-of-fold outputs and
the conservative rules that decide whether another candidate replaces the default one.

Used by :class:`~skxfer.deep.FineTuneClassifier` (its safety net),
:class:`~skxfer.RelationTransferClassifier` (``use_embedding="auto"``) and
:class:`~skxfer.model_selection.TransferSelector` (its few-label hedge).
"""

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

__all__ = [
    "MAX_INNER_FOLDS",
    "SWITCH_Z",
    "TEMPERATURES",
    "calibrate_members",
    "calibrated_mean",
    "inner_splits",
    "keep_unless_clearly_beaten",
    "out_of_fold",
    "row_scores",
    "temper",
]

#: most folds of the inner validation (fewer when a class has fewer labelled rows)
MAX_INNER_FOLDS = 3
#: a single candidate replaces an ensemble only if it beats it on the labelled target rows
#: by more than this many standard errors of the paired per-row differences
SWITCH_Z = 2.0
#: temperatures tried when a member's probabilities are calibrated on its out-of-fold
#: probabilities (``1`` leaves them as they are; below 1 sharpens, above 1 softens)
TEMPERATURES = np.exp(np.linspace(np.log(0.05), np.log(20.0), 121))


def inner_splits(y, is_classifier, seed, max_folds=MAX_INNER_FOLDS):
    """Inner cross-validation folds of the labelled target rows, or ``None`` when too few.

    Classification needs two labelled rows in every class (stratified, at most
    ``max_folds`` folds, fewer when a class has fewer rows); regression needs six rows
    (:data:`MAX_INNER_FOLDS` folds).
    """
    if is_classifier:
        _, counts = np.unique(np.asarray(y), return_counts=True)
        n_splits = min(max_folds, int(counts.min())) if len(counts) > 1 else 0
        if n_splits < 2:
            return None
        cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    else:
        if len(y) < 2 * MAX_INNER_FOLDS:
            return None
        cv = KFold(n_splits=MAX_INNER_FOLDS, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros((len(y), 1)), y))


def out_of_fold(fit_output, names, splits, n_rows):
    """Out-of-fold outputs ``{name: array (n_rows, ...)}`` of every candidate.

    ``fit_output(name, train, valid)`` trains candidate ``name`` on the rows ``train``
    and returns its outputs (class probabilities, or predictions) on the rows ``valid``;
    every row gets the output of a model that did not see it.
    """
    oof = {}
    for train, valid in splits:
        for name in names:
            out = np.asarray(fit_output(name, train, valid), dtype=np.float64)
            if name not in oof:
                oof[name] = np.zeros((n_rows, *out.shape[1:]))
            oof[name][valid] = out
    return oof


def row_scores(output, y, is_classifier):
    """Per-row score of out-of-fold outputs: 1/0 correct (classification: ``output``
    holds class probabilities), or minus the squared error (regression)."""
    if is_classifier:
        return (np.asarray(output).argmax(axis=1) == np.asarray(y)).astype(np.float64)
    err = np.asarray(output).reshape(len(y), -1) - np.asarray(y).reshape(len(y), -1)
    return -(err**2).sum(axis=1)


def keep_unless_clearly_beaten(scores, default, z=1.0):
    """Name of the candidate to keep, given per-row scores ``{name: array}``.

    ``default`` is kept unless the candidate with the best mean score beats it by more
    than ``z`` standard errors of the paired per-row differences (the same rows score
    both, so the comparison is paired; with a few labelled rows a plain comparison of
    means would switch on noise). Ties go to ``default``.
    """
    best = max(scores, key=lambda name: (float(np.mean(scores[name])), name == default))
    diff = np.asarray(scores[best]) - np.asarray(scores[default])
    if best == default or len(diff) < 2:
        return default
    se = float(np.std(diff, ddof=1)) / np.sqrt(len(diff))
    return best if float(np.mean(diff)) > z * se else default


def temper(proba, temperature):
    """Probabilities ``softmax(log(proba) / temperature)``: the class ranking of every row
    is unchanged, only the confidence moves (``temperature=1`` returns ``proba``)."""
    logp = np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-12, None)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


def _log_loss(proba, y):
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, None))))


def calibrate_members(oof, y, weighted=True):
    """Temperatures and ensemble weights of the members from their out-of-fold
    probabilities ``{name: (n_rows, n_classes)}`` on the labelled rows ``y`` (codes).

    Each member gets the temperature (from :data:`TEMPERATURES`) that minimises the log
    loss of its out-of-fold probabilities (temperature scaling, Guo et al. 2017): a
    network that is sure of wrong answers is softened, so it does not outvote a better
    calibrated member in the mean. With ``weighted``, each member then weighs the inverse
    of its calibrated out-of-fold log loss (normalised to sum to 1); otherwise every
    member weighs the same.

    Returns
    -------
    temperatures, weights : dict, dict
    """
    y = np.asarray(y)
    temperatures, losses = {}, {}
    for name, proba in oof.items():
        loss = [_log_loss(temper(proba, t), y) for t in TEMPERATURES]
        best = int(np.argmin(loss))
        temperatures[name], losses[name] = float(TEMPERATURES[best]), loss[best]
    inv = {n: 1.0 / max(v, 1e-3) if weighted else 1.0 for n, v in losses.items()}
    total = sum(inv.values())
    return temperatures, {n: v / total for n, v in inv.items()}


def calibrated_mean(proba, temperatures, weights):
    """Weighted mean of the members' calibrated probabilities.

    ``proba`` maps each member's name to its class probabilities (same rows, same
    columns); the mean runs over the members named in ``weights``:
    ``sum(weights[n] * temper(proba[n], temperatures[n]))`` (see
    :func:`calibrate_members`, whose output it takes).
    """
    return np.sum([w * temper(proba[n], temperatures[n]) for n, w in weights.items()], axis=0)
