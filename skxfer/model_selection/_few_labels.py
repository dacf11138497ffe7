"""Few-label validation of :class:`~skxfer.model_selection.TransferSelector`.

When some target rows carry labels, they validate the candidates (held out by a repeated
stratified K-fold), two no-transfer baselines compete (the estimator on the labelled
target rows alone, and on every labelled row with the domains weighing the same), and
the selector's pick is hedged: it predicts with the weighted mean probability of the
pick and the two baselines (each calibrated and weighted on the held-out labelled rows)
unless one of them is clearly better there (the rules of
:class:`~skxfer.deep.FineTuneClassifier`'s safety net,
:func:`~skxfer.utils._inner_validation.calibrate_members` and
:func:`~skxfer.utils._inner_validation.keep_unless_clearly_beaten`).
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from .._domains import is_masked
from ..pipeline import LabelledOnly
from ..utils._inner_validation import (
    SWITCH_Z,
    calibrate_members,
    keep_unless_clearly_beaten,
    temper,
)
from ._compare import _fit, _seeded

#: Candidate of the few-label mode: the estimator fitted on the labelled target rows alone.
TARGET_ONLY = "target_only"
#: Candidate of the few-label mode: the estimator on every labelled row, each domain
#: weighing the same in total (the labelled target rows as much as all the source rows).
DOMAIN_BALANCED = "domain_balanced"
#: Name of the hedge: the mean probability of the pick and the two baselines.
HEDGE = "hedge"


def few_label_baselines(estimator):
    """The no-transfer candidates that compete when some target rows are labelled.

    ``"domain_balanced"`` needs an estimator whose ``fit`` takes ``sample_weight``.
    """
    baselines = {TARGET_ONLY: LabelledOnly(clone(estimator), domains="target")}
    if has_fit_parameter(estimator, "sample_weight"):
        baselines[DOMAIN_BALANCED] = LabelledOnly(clone(estimator), domain_weight="balanced")
    return baselines


def few_label_rows(y, sd):
    """Labelled target rows when they give at least one row per class, else ``None``.

    Classes are those of the labelled source rows; the labelled target rows must cover
    at least two of them (a held-out accuracy needs more than one class).
    """
    rows = np.flatnonzero((sd < 0) & ~is_masked(y))
    if rows.size == 0 or np.unique(y[rows]).size < 2:
        return None
    return rows


def few_label_splits(y, sd, rows, n_repeats, random_state, test_size=0.3, max_train_rows=None):
    """Repeated stratified K-fold over the labelled target rows.

    ``K`` is the smallest class count (at least 2, at most 5); each fold holds out
    ``1 / K`` of the labelled target rows of every class and, for the unsupervised
    scorers, ``test_size`` of each source domain's rows and of the unlabelled target
    rows (drawn per fold), and trains on everything else: every other labelled target
    row, and at most ``max_train_rows`` (``None``: all) of each of the other parts,
    drawn per fold.
    """
    from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold

    counts = np.unique(y[rows], return_counts=True)[1]
    k = int(np.clip(counts.min(), 2, 5))
    yl = y[rows]
    if counts.min() < 2:  # a single labelled row of a class: plain repeated K-fold
        cv = RepeatedKFold(
            n_splits=min(k, rows.size), n_repeats=n_repeats, random_state=random_state
        )
    else:
        cv = RepeatedStratifiedKFold(n_splits=k, n_repeats=n_repeats, random_state=random_state)
    others = [np.flatnonzero(sd == d) for d in np.unique(sd[sd > 0])]
    others.append(np.setdiff1d(np.flatnonzero(sd < 0), rows))
    rng = check_random_state(random_state)
    splits = []
    for kept, held in cv.split(rows.reshape(-1, 1), yl):
        drawn = [
            rng.choice(part, int(round(test_size * part.size)), replace=False) for part in others
        ]
        train = [rows[kept]]
        for part, test in zip(others, drawn, strict=True):
            rest = np.setdiff1d(part, test)
            if max_train_rows is not None and rest.size > max_train_rows:
                rest = rng.choice(rest, max_train_rows, replace=False)
            train.append(rest)
        splits.append(
            (np.sort(np.concatenate(train)), np.sort(np.concatenate([rows[held], *drawn])))
        )
    return splits


def held_out_correctness(results, splits, y, sd, labelled):
    """Each candidate's mean held-out correctness on each labelled target row.

    ``results`` are ``_fit_and_score(..., target_proba=True)`` tuples, candidate-major
    over ``splits``; a labelled target row counts once per fold that holds it out
    (once per repeat). Returns a dict of candidate name to an array over ``labelled``
    (NaN for a candidate whose fits failed).
    """
    position = {row: k for k, row in enumerate(labelled)}
    hits = {}
    for k, r in enumerate(results):
        _, test = splits[k % len(splits)]
        total, count = hits.setdefault(r[0], (np.zeros(labelled.size), np.zeros(labelled.size)))
        if r[4] is None:
            total[:] = np.nan
            continue
        classes, proba = r[4]
        target = test[sd[test] < 0]
        pred = np.asarray(classes)[np.argmax(proba, axis=1)]
        for row, p in zip(target, pred, strict=True):
            if row in position:
                total[position[row]] += p == y[row]
                count[position[row]] += 1
    return {name: total / np.maximum(count, 1) for name, (total, count) in hits.items()}


def mean_probabilities(outputs, weights=None):
    """Weighted mean (equal weights by default) of ``(classes, proba)`` pairs over the
    union of their classes.

    A member that never saw a class gives it probability 0.
    """
    weights = np.full(len(outputs), 1.0 / len(outputs)) if weights is None else weights
    classes = np.unique(np.concatenate([np.asarray(c) for c, _ in outputs]))
    total = np.zeros((outputs[0][1].shape[0], classes.size))
    for (own, proba), weight in zip(outputs, weights, strict=True):
        total[:, np.searchsorted(classes, own)] += weight * np.asarray(proba)
    return classes, total / np.sum(weights)


def hedge_members(pick, results, splits, y, sd, labelled, correct):
    """Candidates that predict after the few-label choice ``pick``, with their weights.

    The members are ``pick``, ``"target_only"`` and ``"domain_balanced"`` (those that
    were cross-validated without failing). As in
    :class:`~skxfer.deep.FineTuneClassifier`'s safety net, each member is calibrated by
    temperature scaling on its held-out probabilities of the labelled target rows and
    weighs the inverse of its calibrated held-out log loss
    (:func:`~skxfer.utils._inner_validation.calibrate_members`; equal weights and no
    temperature when the members do not all know the same classes). Their weighted
    mean is held out like any candidate; it is kept unless one member beats it by more
    than :data:`~skxfer.utils._inner_validation.SWITCH_Z` standard errors of the paired
    differences over the labelled target rows, in which case that member alone predicts.

    ``correct`` is :func:`held_out_correctness` of the candidates, with the same
    ``results`` (candidate-major, ``len(splits)`` per candidate).

    Returns
    -------
    members : list of str
    temperatures, weights : dict or None
        Per member (``None`` when one member predicts alone).
    """
    members = [
        name
        for name in dict.fromkeys([pick, TARGET_ONLY, DOMAIN_BALANCED])
        if name in correct and np.all(np.isfinite(correct[name]))
    ]
    if len(members) < 2:
        return [pick], None, None
    n_folds = len(splits)
    by_name = {}
    for k, r in enumerate(results):
        by_name.setdefault(r[0], [None] * n_folds)[k % n_folds] = r[4]
    # held-out probabilities of the labelled target rows, folds stacked
    targets = [test[sd[test] < 0] for _, test in splits]
    is_held = [np.isin(target, labelled) for target in targets]
    truth = y[np.concatenate([t[h] for t, h in zip(targets, is_held, strict=True)])]
    classes = np.asarray(by_name[members[0]][0][0])
    temperatures = dict.fromkeys(members, 1.0)
    weights = dict.fromkeys(members, 1.0 / len(members))
    same = all(np.array_equal(np.asarray(out[0]), classes) for m in members for out in by_name[m])
    if same and np.isin(truth, classes).all():
        held = {
            m: np.concatenate(
                [np.asarray(o[1])[h] for o, h in zip(by_name[m], is_held, strict=True)]
            )
            for m in members
        }
        temperatures, weights = calibrate_members(held, np.searchsorted(classes, truth))
    hedge = [
        (
            HEDGE,
            np.nan,
            np.nan,
            np.nan,
            mean_probabilities(
                [(by_name[m][f][0], temper(by_name[m][f][1], temperatures[m])) for m in members],
                [weights[m] for m in members],
            ),
        )
        for f in range(n_folds)
    ]
    scores = {m: correct[m] for m in members}
    scores[HEDGE] = held_out_correctness(hedge, splits, y, sd, labelled)[HEDGE]
    kept = keep_unless_clearly_beaten(scores, HEDGE, z=SWITCH_Z)
    if kept != HEDGE:
        return [kept], None, None
    return members, temperatures, weights


class MeanProbaClassifier(ClassifierMixin, BaseEstimator):
    """Mean class probabilities of DA candidates, each fitted on the same rows.

    What :class:`~skxfer.model_selection.TransferSelector` predicts with in few-label
    mode when the hedge is kept (members calibrated and weighted on the held-out
    labelled target rows).

    Parameters
    ----------
    members : list of (str, estimator)
        Named candidates; each is fitted on ``X, y, sample_domain`` and must have
        ``predict_proba``.
    temperatures : dict or None, default=None
        Per member name, the temperature its probabilities are divided by (in log
        space) before averaging; ``None``: 1 for every member.
    weights : dict or None, default=None
        Per member name, its weight in the mean; ``None``: equal weights.
    random_state : int or None, default=None
        Given to every member parameter ending in ``random_state`` that is ``None``.

    Attributes
    ----------
    members_ : list of (str, estimator)
        The fitted members.
    classes_ : ndarray
        Union of the members' classes.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> from skxfer.model_selection._few_labels import MeanProbaClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> both = MeanProbaClassifier([("a", LabelledOnly(LogisticRegression())),
    ...                             ("b", LabelledOnly(LogisticRegression(C=0.1)))])
    >>> both.fit(X, y, sample_domain=sd).predict_proba(X[:2]).sum(axis=1).round(6).tolist()
    [1.0, 1.0]
    """

    def __init__(self, members, temperatures=None, weights=None, random_state=None):
        self.members = members
        self.temperatures = temperatures
        self.weights = weights
        self.random_state = random_state

    def fit(self, X, y, sample_domain=None):
        """Fit every member on the same rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels, unknown target labels masked.
        sample_domain : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        self.members_ = [
            (name, _fit(_seeded(clone(est), self.random_state), X, y, sample_domain))
            for name, est in self.members
        ]
        self.classes_ = np.unique(np.concatenate([est.classes_ for _, est in self.members_]))
        return self

    def predict_proba(self, X):
        """Weighted mean of the members' calibrated class probabilities (columns
        ``classes_``)."""
        check_is_fitted(self)
        temperatures = self.temperatures or {}
        outputs = [
            (est.classes_, temper(est.predict_proba(X), temperatures.get(name, 1.0)))
            for name, est in self.members_
        ]
        weights = None if self.weights is None else [self.weights[n] for n, _ in self.members_]
        return mean_probabilities(outputs, weights)[1]

    def predict(self, X):
        """Class with the highest mean probability."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
