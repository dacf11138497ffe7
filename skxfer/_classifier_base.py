"""Shared plumbing of skxfer's complete DA classifiers (EasyTL, MEDA, self-training)."""

from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils.validation import check_is_fitted

from ._domains import check_classes, is_masked, score_known_labels, validate_da_data
from .alignment import CORALAligner
from .base import DomainAwareMixin


class DAClassifierBase(DomainAwareMixin, ClassifierMixin, BaseEstimator):
    """Fit-time validation, prediction, scoring and tags of a DA classifier.

    Subclasses implement ``_fit(X, y, sample_domain, labelled, given_domain)`` (validated
    arrays, the mask of labelled rows and the caller's own ``sample_domain``, possibly
    ``None``) and ``_class_scores(X)`` (one column per class of ``classes_``).
    """

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_domain=None):
        """Fit on the source and target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Labels, unknown target labels masked with ``-1``.
        sample_domain : array-like of shape (n_samples,), default=None
            ``> 0`` source, ``< 0`` target; inferred from the mask when ``None``.

        Returns
        -------
        self : object
        """
        X, y, sd, labelled = self._validate_fit_data(X, y, sample_domain)
        self._fit(X, y, sd, labelled, sample_domain)
        return self

    def predict(self, X, sample_domain=None):
        """Predict the classes of target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for the data contract; unused (every row is a target row).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self._class_scores(X)
        return self.classes_[scores.argmax(axis=1)]

    def _validate_fit_data(self, X, y, sample_domain):
        """``X, y, sample_domain, labelled`` validated, the labelled classes checked."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "pass the source labels, with unknown target labels masked as -1."
            )
        X, y, sd = validate_da_data(self, X, y, sample_domain, require_labelled_source=True)
        labelled = ~is_masked(y)
        check_classes(self, y[labelled])
        return X, y, sd, labelled

    def _validate_predict_data(self, X):
        check_is_fitted(self)
        X, _, _ = validate_da_data(self, X, reset=False)
        return X

    def score(self, X, y, sample_weight=None, sample_domain=None):
        """Accuracy on the labelled rows of ``(X, y)``; ``nan`` when all are masked."""
        return score_known_labels(y, self.predict(X), sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags


class AlignedClassifierBase(DAClassifierBase):
    """A DA classifier working in the space of an ``aligner`` (CORAL when ``None``)."""

    def _fit_aligner(self, X, y, sample_domain):
        """Fit ``aligner_`` (``None`` for ``"passthrough"``) and map the training rows."""
        if self.aligner == "passthrough":
            self.aligner_ = None
            return X
        self.aligner_ = clone(CORALAligner() if self.aligner is None else self.aligner)
        return self.aligner_.fit_transform(X, y, sample_domain=sample_domain)

    def _map(self, X):
        """Validated rows (all target) in the aligned space."""
        X = self._validate_predict_data(X)
        return X if self.aligner_ is None else self.aligner_.transform(X)
