"""Label (prior) shift: estimate the target class proportions and correct for them.

Under label shift ``p_t(x | y) = p_s(x | y)`` but the class priors differ,
``q(y) != p(y)``. Two estimators of ``q`` that need no target label are provided:

- **BBSE** (black-box shift estimation, Lipton et al. 2018): with ``C[i, j]`` the joint
  probability that a source row of class ``j`` is predicted ``i`` (estimated on held-out
  predictions) and ``mu[i]`` the fraction of target rows predicted ``i``, the weights
  ``w = q / p`` solve ``C w = mu``.
- **EM** (Saerens, Latinne and Decaestecker 2002): alternate re-weighting the source
  posteriors of the target rows by ``q / p`` and re-estimating ``q`` as their mean.

The classifier's posteriors are then corrected by the prior ratio,
``p_t(y | x) ∝ p_s(y | x) q(y) / p(y)``, or the classifier is refitted with importance
weights ``w[y]``.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from ._domains import is_masked, score_known_labels, validate_da_data
from .base import DATags, DomainAwareMixin

__all__ = ["LabelShiftClassifier", "estimate_target_priors"]


class LabelShiftClassifier(DomainAwareMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Correct a probabilistic classifier for a change of class proportions.

    ``estimator`` is fitted on the labelled source rows; the target class proportions
    are estimated from the unlabelled target rows (BBSE or EM), and predictions are
    re-calibrated by the prior ratio (``correction="posterior"``) or the estimator is
    refitted with class importance weights (``correction="reweight"``). With no target
    row (no masked label, no ``sample_domain``) the estimated priors equal the source
    priors and it behaves as its plain estimator.

    Parameters
    ----------
    estimator : classifier, default=None
        A probabilistic classifier (``predict_proba``; BBSE only needs ``predict`` when
        ``correction="reweight"``). ``None`` means ``LogisticRegression(max_iter=1000)``.
    method : {"bbse", "em"}, default="bbse"
        Estimator of the target priors.
    correction : {"posterior", "reweight"}, default="posterior"
        ``"posterior"``: multiply the predicted probabilities by ``q / p`` and
        renormalise. ``"reweight"``: refit ``estimator`` on the source rows with
        ``sample_weight = w[y]`` (the estimator must accept ``sample_weight``).
    cv : int or cross-validation generator, default=5
        Folds of the held-out source predictions of BBSE's confusion matrix (reduced to
        the smallest class count when needed).
    max_iter : int, default=100
        Iterations of EM.
    tol : float, default=1e-6
        EM stops when the priors move less than ``tol`` (max absolute change).

    Attributes
    ----------
    estimator_ : classifier
        The fitted (source, or reweighted) classifier.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    source_priors_ : ndarray of shape (n_classes,)
        Class proportions of the labelled source rows.
    estimated_priors_ : ndarray of shape (n_classes,)
        Estimated class proportions of the target rows.
    class_weights_ : ndarray of shape (n_classes,)
        ``estimated_priors_ / source_priors_``.
    confusion_matrix_ : ndarray of shape (n_classes, n_classes) or None
        BBSE's joint ``P_s(prediction = i, y = j)``.
    n_iter_ : int
        EM iterations run (1 for BBSE: one linear solve).
    n_features_in_ : int
        Number of features seen at fit.

    References
    ----------
    Z. Lipton, Y.-X. Wang and A. Smola. Detecting and Correcting for Label Shift with
    Black Box Predictors. ICML 2018.
    M. Saerens, P. Latinne and C. Decaestecker. Adjusting the Outputs of a Classifier to
    New a Priori Probabilities: A Simple Procedure. Neural Computation 14(1), 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelShiftClassifier
    >>> rng = np.random.RandomState(0)
    >>> ys = np.repeat([0, 1], 500)                       # balanced source
    >>> yt = np.r_[np.zeros(100, int), np.ones(900, int)]  # 10% / 90% target
    >>> Xs, Xt = rng.randn(1000, 2) + ys[:, None], rng.randn(1000, 2) + yt[:, None]
    >>> X, y = np.vstack([Xs, Xt]), np.r_[ys, -np.ones(1000, int)]
    >>> clf = LabelShiftClassifier(LogisticRegression(), method="em").fit(X, y)
    >>> np.round(clf.estimated_priors_, 1).tolist()
    [0.1, 0.9]
    """

    _da_tags = DATags(
        family="label_shift", kind="estimator", requires_target=True, uses_target_labels=False
    )

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "method": [StrOptions({"bbse", "em"})],
        "correction": [StrOptions({"posterior", "reweight"})],
        "cv": ["cv_object"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, estimator=None, method="bbse", correction="posterior", cv=5, max_iter=100, tol=1e-6
    ):
        self.estimator = estimator
        self.method = method
        self.correction = correction
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_domain=None):
        """Fit on the labelled source rows and estimate the target priors.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Source labels; target rows masked (``-1``). Target labels, if any, are not
            used (every target row counts as unlabelled).
        sample_domain : array-like of shape (n_samples,), default=None
            ``> 0`` source, ``< 0`` target; inferred from the mask when ``None``.

        Returns
        -------
        self : object
        """
        if y is None:
            raise ValueError(
                "LabelShiftClassifier requires y to be passed, but the target y is None: pass "
                "the source labels, target rows masked (-1)."
            )
        X, y, sd = validate_da_data(
            self,
            X,
            y,
            sample_domain,
            require_target=True,
            require_labelled_source=True,
            accept_sparse="csr",
        )
        base = LogisticRegression(max_iter=1000) if self.estimator is None else self.estimator
        source = (sd > 0) & ~is_masked(y)
        Xs, ys = X[source], y[source]
        Xt = X[sd < 0]
        if self.correction == "posterior" and not hasattr(base, "predict_proba"):
            raise ValueError(
                f"correction='posterior' needs a probabilistic classifier, but "
                f"{type(base).__name__} has no predict_proba. Use a classifier "
                "with predict_proba (or wrap it in CalibratedClassifierCV), or "
                "correction='reweight'."
            )
        if self.correction == "reweight" and not has_fit_parameter(base, "sample_weight"):
            raise ValueError(
                f"correction='reweight' refits the estimator with sample_weight, but "
                f"{type(base).__name__}.fit does not accept sample_weight; use "
                "correction='posterior'."
            )
        if self.method == "em" and not hasattr(base, "predict_proba"):
            raise ValueError(
                "method='em' needs the posteriors of a classifier with predict_proba; use "
                "method='bbse' or a probabilistic classifier."
            )
        source_estimator = clone(base).fit(Xs, ys)
        self.classes_ = source_estimator.classes_
        counts = np.array([np.sum(ys == c) for c in self.classes_], dtype=float)
        self.source_priors_ = counts / counts.sum()
        self.confusion_matrix_ = None
        self.n_iter_ = 1
        if Xt.shape[0] == 0:
            priors = self.source_priors_.copy()
        elif self.method == "bbse":
            priors = self._bbse(source_estimator, Xs, ys, Xt)
        else:
            priors = self._em(source_estimator, Xt)
        self.estimated_priors_ = priors
        self.class_weights_ = priors / self.source_priors_
        if self.correction == "reweight" and Xt.shape[0] > 0:
            idx = np.searchsorted(self.classes_, ys)
            self.estimator_ = clone(base).fit(Xs, ys, sample_weight=self.class_weights_[idx])
        else:
            self.estimator_ = source_estimator
        return self

    def _bbse(self, est, Xs, ys, Xt):
        k = len(self.classes_)
        cv = self.cv
        if isinstance(cv, Integral):
            min_count = int(min(np.sum(ys == c) for c in self.classes_))
            if min_count < 2:
                warnings.warn(
                    "A source class has fewer than 2 rows: BBSE's confusion matrix is "
                    "estimated on in-sample predictions (optimistic).",
                    UserWarning,
                    stacklevel=3,
                )
                cv = None
            else:
                cv = StratifiedKFold(n_splits=min(cv, min_count))
        if cv is None:
            held_out = est.predict(Xs)
        else:
            held_out = cross_val_predict(clone(est), Xs, ys, cv=cv)
        pred_idx = np.searchsorted(self.classes_, held_out)
        true_idx = np.searchsorted(self.classes_, ys)
        C = np.zeros((k, k))
        np.add.at(C, (pred_idx, true_idx), 1.0)
        C /= len(ys)
        self.confusion_matrix_ = C
        t_idx = np.searchsorted(self.classes_, est.predict(Xt))
        mu = np.bincount(t_idx, minlength=k).astype(float) / Xt.shape[0]
        w = np.linalg.lstsq(C, mu, rcond=None)[0]
        w = np.clip(w, 0.0, None)
        q = w * self.source_priors_
        if q.sum() <= 0:
            warnings.warn(
                "BBSE gave no positive class weight; keeping the source priors.",
                UserWarning,
                stacklevel=3,
            )
            return self.source_priors_.copy()
        return q / q.sum()

    def _em(self, est, Xt):
        P = np.clip(np.asarray(est.predict_proba(Xt), dtype=float), 1e-12, None)
        p = self.source_priors_
        q = p.copy()
        for it in range(1, self.max_iter + 1):
            R = P * (q / p)
            R /= R.sum(axis=1, keepdims=True)
            q_new = R.mean(axis=0)
            self.n_iter_ = it
            done = np.max(np.abs(q_new - q)) < self.tol
            q = q_new
            if done:
                break
        return q

    def _validate_X(self, X):
        check_is_fitted(self)
        X, _, _ = validate_da_data(self, X, reset=False, accept_sparse="csr")
        return X

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities under the estimated target priors.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for the data contract; unused.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._validate_X(X)
        P = np.asarray(self.estimator_.predict_proba(X), dtype=float)
        if self.correction == "reweight":
            return P
        P = P * self.class_weights_
        total = P.sum(axis=1, keepdims=True)
        # a row whose every class got weight 0 keeps its uncorrected posterior
        bad = total[:, 0] <= 0
        if bad.any():
            P[bad] = self.estimator_.predict_proba(X[bad])
            total[bad] = 1.0
        return P / total

    def predict_log_proba(self, X, sample_domain=None):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X, sample_domain=None):
        """Predict classes under the estimated target priors.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for the data contract; unused.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        if not hasattr(self.estimator_, "predict_proba"):
            return self.estimator_.predict(self._validate_X(X))
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y, sample_weight=None, sample_domain=None):
        """Accuracy on the labelled rows of ``(X, y)``; ``nan`` when all are masked."""
        return score_known_labels(y, self.predict(X), sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = (
            self.estimator is None or get_tags(self.estimator).input_tags.sparse
        )
        return tags


def estimate_target_priors(estimator, X, y, sample_domain=None, method="bbse", cv=5):
    """Estimate the class proportions of the target rows without their labels.

    A diagnostic of label shift: compare the result with the source proportions.

    Parameters
    ----------
    estimator : classifier
        Fitted (a clone) on the labelled source rows; ``predict_proba`` for ``"em"``.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Source and target rows.
    y : array-like of shape (n_samples,)
        Source labels, target rows masked (``-1``).
    sample_domain : array-like of shape (n_samples,), default=None
        ``> 0`` source, ``< 0`` target; inferred from the mask when ``None``.
    method : {"bbse", "em"}, default="bbse"
    cv : int or cross-validation generator, default=5
        Folds of BBSE's held-out source predictions.

    Returns
    -------
    priors : ndarray of shape (n_classes,)
        Estimated target class proportions, in the order of ``np.unique`` of the source
        labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import estimate_target_priors
    >>> rng = np.random.RandomState(0)
    >>> ys = np.repeat([0, 1], 500)
    >>> yt = np.r_[np.zeros(200, int), np.ones(800, int)]
    >>> X = np.vstack([rng.randn(1000, 2) + 2 * ys[:, None], rng.randn(1000, 2) + 2 * yt[:, None]])
    >>> y = np.r_[ys, -np.ones(1000, int)]
    >>> np.round(estimate_target_priors(LogisticRegression(), X, y), 1).tolist()
    [0.2, 0.8]
    """
    clf = LabelShiftClassifier(estimator, method=method, cv=cv)
    return clf.fit(X, y, sample_domain=sample_domain).estimated_priors_
