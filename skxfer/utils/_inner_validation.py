"""Inner validation on the few labelled target rows: the folds and the conservative rule
that decides whether a no-transfer (or other) candidate replaces the transfer model.

Used by :class:`~skxfer.deep.FineTuneClassifier` (its safety net) and
:class:`~skxfer.RelationTransferClassifier` (``use_embedding="auto"``).
"""

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

__all__ = ["MAX_INNER_FOLDS", "inner_splits", "keep_unless_beaten"]

#: most folds of the inner validation (fewer when a class has fewer labelled rows)
MAX_INNER_FOLDS = 3


def inner_splits(y, is_classifier, seed):
    """Inner cross-validation folds of the labelled target rows, or ``None`` when too few.

    Classification needs two labelled rows in every class (stratified, at most
    :data:`MAX_INNER_FOLDS` folds); regression needs six rows.
    """
    if is_classifier:
        _, counts = np.unique(np.asarray(y), return_counts=True)
        n_splits = min(MAX_INNER_FOLDS, int(counts.min())) if len(counts) > 1 else 0
        if n_splits < 2:
            return None
        cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    else:
        if len(y) < 2 * MAX_INNER_FOLDS:
            return None
        cv = KFold(n_splits=MAX_INNER_FOLDS, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros((len(y), 1)), y))


def keep_unless_beaten(fold_scores):
    """Name of the candidate to keep, given ``{name: [score per fold]}`` in order.

    The first candidate is kept unless a later one scores higher on *every* fold (then
    that one becomes the candidate to beat): a few labelled rows make noisy folds, and a
    comparison of means would switch away from transfer on noise.
    """
    names = list(fold_scores)
    best = names[0]
    for name in names[1:]:
        if all(a > b for a, b in zip(fold_scores[name], fold_scores[best], strict=True)):
            best = name
    return best
