"""Discriminative density ratio from a calibrated probabilistic domain classifier."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils._param_validation import HasMethods, Interval

from ._base import BaseDensityRatio

__all__ = ["ClassifierDensityRatio"]


def _scores(clf, X):
    if hasattr(clf, "decision_function"):
        return np.asarray(clf.decision_function(X), dtype=np.float64)
    p = np.clip(clf.predict_proba(X)[:, 1], 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)


class ClassifierDensityRatio(BaseDensityRatio):
    """Density ratio ``p_t(x)/p_s(x) = n_s/n_t * P(target|x) / P(source|x)``.

    A probabilistic classifier learns to tell target rows from source rows. Its scores
    for the rows it was fitted on are over-confident (on high-dimensional data the two
    domains are often separable, and the ratio then collapses to 0 or infinity), so the
    source weights come from *out-of-fold* scores (cross-fitting), which are then
    calibrated by a one-dimensional logistic (Platt) fit on those held-out scores. The
    domain probabilities are clipped to ``[clip, 1 - clip]``. New rows are scored by
    the classifier refitted on every row, through the same calibration.
    ``calibrate=False`` keeps the classifier's raw out-of-fold odds (what the
    importance-weighted scorers of :mod:`skxfer.model_selection` use).

    Parameters
    ----------
    estimator : classifier or None, default=None
        Domain classifier with ``decision_function`` or ``predict_proba``;
        ``None`` uses ``LogisticRegression(C=C, max_iter=1000)``.
    C : float, default=0.1
        Inverse regularisation of the default logistic regression.
    cv : int, default=5
        Folds of the cross-fitting.
    clip : float, default=0.01
        Domain probabilities are kept in ``[clip, 1 - clip]``, which bounds the ratio.
    calibrate : bool, default=True
        Platt-scale the out-of-fold scores; ``False`` reads the domain probability off
        the classifier's own scores (the logistic of its log-odds).
    random_state : int, RandomState or None, default=None
        Seeds the folds.

    Attributes
    ----------
    source_weights_ : ndarray of shape (n_source,)
    estimator_ : classifier
        The domain classifier fitted on every row (target = 1).
    calibrator_ : LogisticRegression or None
        The Platt scaling of the out-of-fold scores (``None`` when ``calibrate=False``
        or there were too few rows to cross-fit).

    References
    ----------
    S. Bickel, M. Brückner and T. Scheffer. Discriminative Learning Under Covariate
    Shift. JMLR 10, 2009. J. Platt. Probabilistic Outputs for Support Vector Machines.
    1999.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.reweighting import ClassifierDensityRatio
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(100, 2), rng.randn(80, 2) + 1.0]
    >>> sd = np.r_[np.ones(100), -np.ones(80)].astype(int)
    >>> dr = ClassifierDensityRatio(random_state=0).fit(X, sample_domain=sd)
    >>> dr.compute_weights([[-2.0, -2.0], [2.0, 2.0]]).argmax()
    np.int64(1)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"]), None],
        "C": [Interval(Real, 0, None, closed="neither")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "clip": [Interval(Real, 0, 0.5, closed="neither")],
        "calibrate": ["boolean"],
        "random_state": ["random_state"],
    }
    _accept_sparse = ("csr", "csc")

    def __init__(self, estimator=None, C=0.1, cv=5, clip=0.01, calibrate=True, random_state=None):
        self.estimator = estimator
        self.C = C
        self.cv = cv
        self.clip = clip
        self.calibrate = calibrate
        self.random_state = random_state

    def _fit(self, Xs, Xt):
        from scipy import sparse

        ns, nt = Xs.shape[0], Xt.shape[0]
        X = sparse.vstack([Xs, Xt], format="csr") if sparse.issparse(Xs) else np.vstack([Xs, Xt])
        d = np.r_[np.zeros(ns, dtype=int), np.ones(nt, dtype=int)]
        base = (
            LogisticRegression(C=self.C, max_iter=1000)
            if self.estimator is None
            else clone(self.estimator)
        )
        self._prior = np.log(ns / nt)
        n_splits = min(self.cv, ns, nt)
        if n_splits >= 2:
            folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
            method = "decision_function" if hasattr(base, "decision_function") else "predict_proba"
            oof = cross_val_predict(base, X, d, cv=folds, method=method)
            if method == "predict_proba":
                p = np.clip(oof[:, 1], 1e-12, 1 - 1e-12)
                oof = np.log(p) - np.log1p(-p)
            self.calibrator_ = (
                LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), d) if self.calibrate else None
            )
        else:  # too few rows to cross-fit: the classifier's own scores, uncalibrated
            oof = None
            self.calibrator_ = None
        self.estimator_ = base.fit(X, d)
        if oof is None:
            return self._ratio(Xs)
        return self._from_scores(oof[:ns])

    def _from_scores(self, s):
        if self.calibrator_ is not None:
            p = self.calibrator_.predict_proba(np.reshape(s, (-1, 1)))[:, 1]
        else:
            p = expit(s)
        p = np.clip(p, self.clip, 1.0 - self.clip)
        return np.exp(np.log(p) - np.log1p(-p) + self._prior)

    def _ratio(self, X):
        return self._from_scores(_scores(self.estimator_, X))
