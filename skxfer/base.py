"""Base classes shared by every skxfer estimator: domain requests, DA tags, adapters."""

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags, get_tags
from sklearn.utils.validation import check_is_fitted

from ._domains import validate_da_data

__all__ = ["DATags", "DomainAwareMixin", "BaseAdapter", "get_da_tags"]

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
        Whether labelled target rows (marked by ``sample_domain``) improve the fit.
    """

    family: str = "feature"
    kind: str = "adapter"
    requires_target: bool = True
    uses_target_labels: bool = False


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
    """Request ``sample_domain`` by default in every method when routing is enabled.

    With ``sklearn.set_config(enable_metadata_routing=True)`` a meta-estimator passes
    ``sample_domain`` to every skxfer step without ``set_*_request`` calls. With routing
    off (sklearn's default) nothing changes: the masked labels carry the domains.
    """

    __metadata_request__fit = {"sample_domain": True}
    __metadata_request__partial_fit = {"sample_domain": True}
    __metadata_request__transform = {"sample_domain": True}
    __metadata_request__predict = {"sample_domain": True}
    __metadata_request__predict_proba = {"sample_domain": True}
    __metadata_request__predict_log_proba = {"sample_domain": True}
    __metadata_request__decision_function = {"sample_domain": True}
    __metadata_request__score = {"sample_domain": True}

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
            accept_sparse=self._accept_sparse,
        )
        source = sample_domain > 0
        target = sample_domain < 0
        if not target.any():
            target = np.ones_like(source)
        self._fit(X, y, source, target)
        return X, sample_domain

    @abstractmethod
    def _fit(self, X, y, source, target):
        """Learn the alignment from boolean row masks ``source`` and ``target``."""

    @abstractmethod
    def _transform(self, X, sample_domain):
        """Map validated rows given their domains (source rows moved, target kept)."""
