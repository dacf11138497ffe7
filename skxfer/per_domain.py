"""PerDomain: fit a transformer on each domain separately (per-domain preprocessing)."""

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, TransformerMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted

from ._domains import validate_da_data
from .base import DATags, DomainAwareMixin

__all__ = ["PerDomain"]


class PerDomain(DomainAwareMixin, TransformerMixin, MetaEstimatorMixin, BaseEstimator):
    """Fit one clone of a transformer per domain and apply each to its own domain's rows.

    ``PerDomain(StandardScaler())`` standardises every domain with its own mean and
    scale, the simplest alignment of first and second moments, feature by feature. At
    ``fit``, a clone of ``transformer`` is fitted on the rows of each domain
    (``sample_domain``, or inferred from the masked labels: labelled rows are source,
    masked rows target). At ``transform``, each row goes through the clone of its
    domain; without a ``sample_domain`` every row is target (domain ``-1``), as at
    predict time everywhere in skxfer. A domain not seen at fit uses a clone fitted on
    all training rows (``fallback_``): with no domain-specific statistics, the pooled
    ones.

    Parameters
    ----------
    transformer : transformer
        A scikit-learn transformer (``fit`` / ``transform``), e.g. ``StandardScaler()``.

    Attributes
    ----------
    transformers_ : dict of int to transformer
        The fitted clone of each domain seen at fit.
    fallback_ : transformer
        Clone fitted on all training rows, for domains not seen at fit.
    domains_ : ndarray of int
        Domains seen at fit.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skxfer import PerDomain
    >>> X = np.array([[0.0], [2.0], [10.0], [14.0]])
    >>> y = np.array([0, 1, -1, -1])  # target rows masked
    >>> PerDomain(StandardScaler()).fit_transform(X, y).ravel().tolist()
    [-1.0, 1.0, -1.0, 1.0]
    >>> PerDomain(StandardScaler()).fit(X, y).transform([[12.0]]).ravel().tolist()
    [0.0]
    """

    _da_tags = DATags(family="feature", kind="adapter", requires_target=False)

    _parameter_constraints = {"transformer": [HasMethods(["fit", "transform"])]}

    def __init__(self, transformer):
        self.transformer = transformer

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_domain=None):
        """Fit a clone of the transformer on each domain's rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Labels, target rows masked; only used to infer the domains (and passed to
            no transformer).
        sample_domain : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        self._fit(X, y, sample_domain)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None, sample_domain=None):
        """Fit, then transform the training rows with their own domains' clones.

        Parameters
        ----------
        X, y, sample_domain
            As in :meth:`fit`.

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features_out)
        """
        X, sd = self._fit(X, y, sample_domain)
        return self._apply(X, sd)

    def transform(self, X, sample_domain=None):
        """Transform every row with the clone fitted on its domain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_domain : array-like of shape (n_samples,), default=None
            Every row is target (``-1``) when ``None``.

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features_out)
        """
        check_is_fitted(self)
        X, _, sd = validate_da_data(
            self,
            X,
            None,
            sample_domain,
            reset=False,
            accept_sparse=["csr", "csc"],
            ensure_all_finite="allow-nan",
        )
        return self._apply(X, sd)

    def _fit(self, X, y, sample_domain):
        X, _, sd = validate_da_data(
            self,
            X,
            y,
            sample_domain,
            reset=True,
            accept_sparse=["csr", "csc"],
            ensure_all_finite="allow-nan",
        )
        self.domains_ = np.unique(sd)
        self.transformers_ = {
            int(d): clone(self.transformer).fit(X[np.flatnonzero(sd == d)]) for d in self.domains_
        }
        self.fallback_ = clone(self.transformer).fit(X)
        return X, sd

    def _apply(self, X, sd):
        parts, order = [], []
        for d in np.unique(sd):
            rows = np.flatnonzero(sd == d)
            parts.append(self.transformers_.get(int(d), self.fallback_).transform(X[rows]))
            order.append(rows)
        if not parts:
            return self.fallback_.transform(X)
        inverse = np.argsort(np.concatenate(order), kind="stable")
        if any(hasattr(p, "tocsr") for p in parts):
            from scipy import sparse

            return sparse.vstack([sparse.csr_matrix(p) for p in parts], format="csr")[inverse]
        return np.concatenate([np.asarray(p) for p in parts])[inverse]

    def get_feature_names_out(self, input_features=None):
        """Output feature names of the transformer (the same for every domain)."""
        check_is_fitted(self)
        return self.fallback_.get_feature_names_out(input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if not hasattr(self.transformer, "__sklearn_tags__"):
            return tags  # not an estimator: fit says so
        inner = get_tags(self.transformer)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags
