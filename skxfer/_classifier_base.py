"""Shared plumbing of skxfer's complete DA classifiers (EasyTL, MEDA, self-training)."""

from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._domains import is_masked, score_known_labels, validate_da_data
from .alignment import CORALAligner
from .base import DomainAwareMixin


class DAClassifierBase(DomainAwareMixin, ClassifierMixin, BaseEstimator):
    """Fit-time validation, scoring and tags of a transductive DA classifier."""

    def _validate_fit_data(self, X, y, sample_domain):
        """``X, y, sample_domain, labelled`` validated, the labelled classes checked."""
        self._validate_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "pass the source labels, with unknown target labels masked as -1."
            )
        X, y, sd = validate_da_data(self, X, y, sample_domain, require_labelled_source=True)
        labelled = ~is_masked(y)
        check_classification_targets(y[labelled])
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
