"""Base classes shared by every skxfer estimator: domain requests, DA tags, adapters."""

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    TransformerMixin,
    _fit_context,
    is_regressor,
)
from sklearn.utils import Tags, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, column_or_1d

from ._domains import score_known_labels, validate_da_data

__all__ = ["DATags", "DomainAwareMixin", "BaseAdapter", "BaseDAMetaEstimator", "get_da_tags"]

#: Families of the transfer taxonomy, used in tags and by ``list_strategies``.
FAMILIES = (
    "instance",
    "feature",
    "model",
    "relation",
    "adversarial",
    "alignment",
    "source_free",
    "label_shift",
)


@dataclass
class DATags:
    """Domain-adaptation tags of a skxfer estimator.

    Parameters
    ----------
    family : str
        Place in the transfer taxonomy (``"instance"``, ``"feature"``, ``"model"``,
        ``"relation"``, ``"adversarial"``, ``"alignment"``, ``"source_free"``,
        ``"label_shift"``).
    kind : str
        How a strategy is combined with a user's estimator: ``"adapter"`` (a
        transformer placed before it), ``"weighting"`` (importance weights for its
        ``fit``), ``"estimator"`` (a complete classifier or regressor).
    requires_target : bool
        Whether ``fit`` uses unlabelled target rows (it adapts to them).
    uses_target_labels : bool
        Whether labelled target rows (marked by ``sample_domain``) improve the fit. An
        estimator without this tag never sees target labels (the contract masks them).
    requires_target_labels : bool
        Whether the estimator is supervised on the target: it needs labelled target
        rows and learns from every one it is given (fine-tuning, relation-based
        transfer), so labelled target rows are its input, not a possible leak.
    """

    family: str = "feature"
    kind: str = "adapter"
    requires_target: bool = True
    uses_target_labels: bool = False
    requires_target_labels: bool = False


@dataclass
class SkxferTags(Tags):
    """sklearn's :class:`~sklearn.utils.Tags` with the DA tags added."""

    da_tags: DATags = field(default_factory=DATags)


def get_da_tags(estimator):
    """Return the :class:`DATags` of an estimator, or ``None`` for a plain one.

    Examples
    --------
    >>> from skxfer import CORALAligner, get_da_tags
    >>> get_da_tags(CORALAligner()).family
    'feature'
    """
    return getattr(get_tags(estimator), "da_tags", None)


class DomainAwareMixin:
    """Request ``sample_domain`` by default when routing is enabled (``score`` aside).

    With ``sklearn.set_config(enable_metadata_routing=True)`` a meta-estimator passes
    ``sample_domain`` to every skxfer step without ``set_*_request`` calls. ``score`` does
    not request it: it scores the labelled rows with every row a target row, as with
    routing off, so ``cross_validate`` and ``GridSearchCV`` give the same scores in both
    modes (``set_score_request(sample_domain=True)`` changes that). With routing off
    (sklearn's default) the masked labels carry the domains.
    """

    __metadata_request__fit = {"sample_domain": True}
    __metadata_request__partial_fit = {"sample_domain": True}
    __metadata_request__transform = {"sample_domain": True}
    __metadata_request__predict = {"sample_domain": True}
    __metadata_request__predict_proba = {"sample_domain": True}
    __metadata_request__predict_log_proba = {"sample_domain": True}
    __metadata_request__decision_function = {"sample_domain": True}
    __metadata_request__score = {"sample_domain": False}

    #: The DA tags of the class; subclasses override this.
    _da_tags = DATags()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        fields = {name: getattr(tags, name) for name in tags.__dataclass_fields__}
        fields.pop("da_tags", None)
        return SkxferTags(**fields, da_tags=DATags(**vars(self._da_tags)))


class BaseAdapter(DomainAwareMixin, TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of feature-based adapters (transformers).

    Subclasses implement ``_fit(X, y, source, target)`` and
    ``_transform(X, sample_domain)``. ``fit_transform`` maps the training rows with the
    domains seen at fit (source rows moved towards the target); ``transform`` without a
    ``sample_domain`` treats every row as target, so a fitted pipeline predicts target
    rows directly.

    When there is no target row at all (no masked label and no ``sample_domain``), the
    adapter aligns the data to itself: the target statistics are estimated on all rows,
    which makes it a plain unsupervised transformer (this is what sklearn's estimator
    checks exercise).
    """

    _da_tags = DATags(family="feature", kind="adapter")
    _accept_sparse = False
    #: sklearn's parameter constraints, checked once at the start of ``fit`` (subclasses
    #: list theirs; a plugin that lists none gets no check).
    _parameter_constraints: dict = {}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_domain=None):
        """Fit the adapter on source and target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels, target rows masked (``-1`` or ``NaN``).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain of each row (``> 0`` source, ``< 0`` target); inferred from ``y``.

        Returns
        -------
        self : object
        """
        self._fit_domains(X, y, sample_domain)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, sample_domain=None):
        """Fit, then map the training rows using their domains.

        Parameters
        ----------
        X, y, sample_domain
            As in :meth:`fit`.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            Rows in input order.
        """
        X, sample_domain = self._fit_domains(X, y, sample_domain)
        return self._transform(X, sample_domain)

    def transform(self, X, sample_domain=None):
        """Map rows into the aligned space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_domain : array-like of shape (n_samples,), default=None
            Domain of each row; every row is target when ``None``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self)
        X, _, sample_domain = validate_da_data(
            self, X, None, sample_domain, reset=False, accept_sparse=self._accept_sparse
        )
        return self._transform(X, sample_domain)

    def _fit_domains(self, X, y, sample_domain):
        X, y, sample_domain = validate_da_data(
            self,
            X,
            y,
            sample_domain,
            reset=True,
            require_target=self._da_tags.requires_target,
            require_source=self._da_tags.requires_target,
            accept_sparse=self._accept_sparse,
        )
        source = sample_domain > 0
        target = sample_domain < 0
        if not target.any():
            target = np.ones_like(source)
        self._fit(X, y, source, target)
        return X, sample_domain

    def get_feature_names_out(self, input_features=None):
        """Output feature names.

        The input names when the adapter keeps the feature space (CORAL, OT); otherwise
        ``<classname>0``, ``<classname>1``, ... for its ``n_components_`` outputs.
        """
        check_is_fitted(self)
        n_out = getattr(self, "n_components_", None)
        if n_out is None:
            return _check_feature_names_in(self, input_features)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(n_out)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = bool(self._accept_sparse)
        return tags

    @abstractmethod
    def _fit(self, X, y, source, target):
        """Learn the alignment from boolean row masks ``source`` and ``target``."""

    @abstractmethod
    def _transform(self, X, sample_domain):
        """Map validated rows given their domains (source rows moved, target kept)."""


def _estimator_has(attr):
    def check(self):
        getattr(self.estimator, attr)
        return True

    return check


class BaseDAMetaEstimator(DomainAwareMixin, MetaEstimatorMixin, BaseEstimator):
    """Base of meta-estimators that fit a clone of ``estimator`` as ``estimator_``.

    Subclasses implement ``fit`` (setting ``estimator_`` and, for classifiers,
    ``classes_``); this base delegates ``predict``, ``predict_proba``,
    ``predict_log_proba`` and ``decision_function`` to ``estimator_`` (each available
    when the wrapped estimator has it), scores on the labelled rows only, and takes its
    estimator type and input tags from the wrapped estimator.
    """

    #: Sparse formats accepted at predict time (``False``: dense only).
    _accept_sparse = ("csr", "csc")
    #: Whether NaN / inf in ``X`` are left for the wrapped estimator to handle.
    _allow_nan = False

    def _validate_predict_X(self, X):
        check_is_fitted(self)
        X, _, _ = validate_da_data(
            self,
            X,
            reset=False,
            accept_sparse=self._accept_sparse,
            ensure_all_finite=not self._allow_nan,
            dtype=None if self._allow_nan else "numeric",
        )
        return X

    @available_if(_estimator_has("predict"))
    def predict(self, X, sample_domain=None):
        """Predict with the fitted estimator (every row is a target row)."""
        X = self._validate_predict_X(X)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities from the fitted estimator."""
        X = self._validate_predict_X(X)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, sample_domain=None):
        """Log class probabilities from the fitted estimator."""
        X = self._validate_predict_X(X)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X, sample_domain=None):
        """Decision function of the fitted estimator."""
        X = self._validate_predict_X(X)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None, sample_domain=None):
        """Score of the fitted estimator on the labelled rows of ``(X, y)``.

        Masked rows carry no label and are left out; with every row masked the score is
        undefined and ``nan`` is returned (score unlabelled target rows with a DA scorer
        from :mod:`skxfer.model_selection`).
        """
        y = column_or_1d(y)
        return score_known_labels(y, self.predict(X), sample_weight, regression=is_regressor(self))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if not hasattr(self.estimator, "__sklearn_tags__"):
            return tags  # not an estimator: fit says so
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags.required = True
        tags.input_tags = inner.input_tags
        return tags
