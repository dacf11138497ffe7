"""Plain estimators in DA pipelines: fit on the labelled rows only."""

import inspect

import numpy as np
from sklearn import get_config
from sklearn.base import _fit_context, clone, is_classifier, is_regressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import has_fit_parameter

from ._domains import domain_balanced_weights, is_masked, score_known_labels, validate_da_data
from .base import BaseDAMetaEstimator, DATags, get_da_tags

__all__ = ["DAPipeline", "LabelledOnly", "make_da_pipeline"]


class LabelledOnly(BaseDAMetaEstimator):
    """Fit a plain estimator on the labelled rows only.

    A plain classifier at the end of a DA pipeline would learn ``-1`` (the mask of
    unknown target labels) as a class. ``LabelledOnly`` drops the masked rows before
    fitting its estimator (labelled target rows, if any, are kept, with a
    :class:`~skxfer.TargetLabelsUsedWarning`) and delegates prediction.
    :func:`make_da_pipeline` adds it automatically.

    The wrapped estimator's parameters are reachable under their own names as well as
    under ``estimator__``: ``set_params(C=10)`` sets ``estimator.C``, so a grid written
    for a plain pipeline (``logisticregression__C``) works unchanged on
    :func:`make_da_pipeline`'s.

    ``domains="target"`` fits on the labelled **target** rows alone (``sample_domain <
    0``): the target-only baseline of few-label DA, which any transfer has to beat.
    ``domain_weight="balanced"`` gives every domain the same total weight: a few
    labelled target rows then count as much as all the source rows together, instead of
    being drowned by them.

    Parameters
    ----------
    estimator : estimator
        A scikit-learn classifier or regressor.
    domains : {"all", "target"}, default="all"
        Which labelled rows to fit on: every one, or the target domain's only.
    domain_weight : {None, "balanced"}, default=None
        ``"balanced"``: weight the rows fitted on so that each domain weighs the same in
        total (:func:`~skxfer._domains.domain_balanced_weights`, multiplied into any
        ``sample_weight`` given); the estimator's ``fit`` must take ``sample_weight``.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    classes_ : ndarray
        Class labels (classifiers only).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> X = np.array([[0.0], [1.0], [0.2], [0.9]])
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, [0, 1, -1, -1])
    >>> clf.classes_.tolist()
    [0, 1]
    >>> X = np.array([[0.0], [1.0], [5.0], [6.0], [5.2], [5.9]])
    >>> target_only = LabelledOnly(LogisticRegression(), domains="target")
    >>> target_only.fit(X, [0, 1, 0, 1, -1, -1], sample_domain=[1, 1, -1, -1, -1, -1])
    LabelledOnly(domains='target', estimator=LogisticRegression())
    >>> target_only.predict([[5.1], [5.8]]).tolist()
    [0, 1]
    >>> pooled = LabelledOnly(LogisticRegression(), domain_weight="balanced")
    >>> pooled.fit(X, [0, 1, 0, 1, -1, -1], sample_domain=[1, 1, -1, -1, -1, -1]).classes_
    array([0, 1])
    """

    _da_tags = DATags(
        family="feature", kind="estimator", requires_target=False, uses_target_labels=True
    )
    _allow_nan = True

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "domains": [StrOptions({"all", "target"})],
        "domain_weight": [None, StrOptions({"balanced"})],
    }

    def __init__(self, estimator, domains="all", domain_weight=None):
        self.estimator = estimator
        self.domains = domains
        self.domain_weight = domain_weight

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_domain=None, **fit_params):
        """Fit the estimator on the rows whose label is not masked.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels; masked rows (``-1`` / ``NaN``) are dropped.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain of each row; with ``domains="all"`` the mask alone decides which rows
            are used.
        **fit_params : dict
            Passed to the estimator's ``fit`` (row-aligned arrays are subset too).

        Returns
        -------
        self : object
        """
        if y is None:
            raise ValueError(
                "LabelledOnly requires y to be passed, but the target y is None: pass the "
                "labels, with unknown target labels masked (-1 / NaN)."
            )
        X, y, sd = validate_da_data(
            self, X, y, sample_domain, accept_sparse="csr", ensure_all_finite=False, dtype=None
        )
        keep = ~is_masked(y)
        if self.domains == "target":
            keep &= sd < 0
            if not keep.any():
                raise ValueError(
                    "LabelledOnly(domains='target') found no labelled target row: give some "
                    "target rows their labels and mark them with sample_domain < 0."
                )
        if not keep.any():
            raise ValueError(
                "LabelledOnly found no labelled row: every label is masked (-1 / NaN). "
                "Give the source rows their labels."
            )
        n = y.shape[0]
        fit_params = {
            k: (np.asarray(v)[keep] if hasattr(v, "__len__") and len(v) == n else v)
            for k, v in fit_params.items()
        }
        if self.domain_weight == "balanced":
            if not has_fit_parameter(self.estimator, "sample_weight"):
                raise TypeError(
                    f"LabelledOnly(domain_weight='balanced') weights the rows, but "
                    f"{type(self.estimator).__name__}.fit takes no sample_weight: use an "
                    "estimator that does, or domain_weight=None."
                )
            weights = domain_balanced_weights(sd[keep])
            fit_params["sample_weight"] = weights * fit_params.get("sample_weight", 1.0)
        self.estimator_ = clone(self.estimator).fit(X[keep], y[keep], **fit_params)
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self

    def set_params(self, **params):
        """Set parameters; the wrapped estimator's own names are forwarded to it.

        Parameters
        ----------
        **params : dict
            ``estimator``, ``estimator__<name>``, or a parameter name of the wrapped
            estimator (``C`` for ``estimator__C``).

        Returns
        -------
        self : object
        """
        own = self.get_params(deep=True)
        est = self.estimator
        inner = est.get_params(deep=True) if hasattr(est, "get_params") else {}
        forwarded = {}
        for key in list(params):
            if key not in own and key.split("__")[0] not in own and key in inner:
                forwarded[f"estimator__{key}"] = params.pop(key)
        return super().set_params(**params, **forwarded)


class DAPipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` that takes ``sample_domain`` in every mode.

    What :func:`make_da_pipeline` builds. With metadata routing on it is sklearn's
    ``Pipeline``. With routing off (sklearn's default), where a plain ``Pipeline``
    refuses ``fit(X, y, sample_domain=sd)``, it hands ``sample_domain`` to every step
    whose ``fit`` takes one. ``score`` is accuracy (R² for a regressor) of ``predict`` on
    the rows whose label is known, every row a target row, whether or not a
    ``sample_domain`` is routed to it: a cross-validation gives the same scores with
    routing on and off, and the same as ``get_da_scorer("accuracy")``.

    Parameters
    ----------
    steps, memory, verbose, transform_input
        As in :class:`sklearn.pipeline.Pipeline`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import CORALAligner, make_da_pipeline
    >>> X = np.r_[np.eye(3), np.eye(3) + 1.0]
    >>> y, sd = np.array([0, 1, 0, 1, 0, 1]), np.array([1, 1, 1, -1, -1, -1])
    >>> pipe = make_da_pipeline(CORALAligner(), LogisticRegression())
    >>> pipe.fit(X, np.where(sd < 0, -1, y), sample_domain=sd).predict(X[3:]).shape
    (3,)
    """

    def fit(self, X, y=None, **params):
        """Fit every step; ``sample_domain`` reaches the steps whose ``fit`` takes it.

        Parameters
        ----------
        X, y, **params
            As in :meth:`sklearn.pipeline.Pipeline.fit`, plus ``sample_domain``.

        Returns
        -------
        self : DAPipeline
        """
        return super().fit(X, y, **self._domain_params(params))

    def fit_transform(self, X, y=None, **params):
        """Fit, then transform the training rows (see :meth:`fit`)."""
        return super().fit_transform(X, y, **self._domain_params(params))

    def score(self, X, y=None, sample_weight=None, **params):
        """Accuracy (R² for a regressor) on the rows whose label is known.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Every row is predicted as a target row.
        y : array-like of shape (n_samples,)
            Labels; masked rows (``-1`` / ``NaN``) are left out.
        sample_weight : array-like of shape (n_samples,), default=None
        **params : dict
            Ignored (a routed ``sample_domain``), so both routing modes agree.

        Returns
        -------
        score : float
        """
        if y is None:
            raise ValueError("DAPipeline.score needs y: the labels, unknown ones masked.")
        return score_known_labels(
            y, self.predict(X), sample_weight, regression=is_regressor(self._final_estimator)
        )

    def _domain_params(self, params):
        """Routing off: ``sample_domain`` as ``step__sample_domain`` for the steps that take it."""
        if get_config()["enable_metadata_routing"] or "sample_domain" not in params:
            return params
        params = dict(params)
        sample_domain = params.pop("sample_domain")
        for name, step in self.steps:
            if step in (None, "passthrough"):
                continue
            if "sample_domain" in inspect.signature(step.fit).parameters:
                params[f"{name}__sample_domain"] = sample_domain
        return params


def make_da_pipeline(*steps, memory=None, verbose=False):
    """Build a :class:`~sklearn.pipeline.Pipeline` for domain adaptation.

    Like :func:`sklearn.pipeline.make_pipeline`, but a final step that is a plain
    classifier or regressor is wrapped in :class:`LabelledOnly`, so it learns from the
    labelled rows only. Step names are sklearn's, the wrapped step keeping its
    estimator's name, and :class:`LabelledOnly` forwards its estimator's parameters, so
    ``logisticregression__C`` from an existing grid works unchanged.

    Parameters
    ----------
    *steps : estimators
    memory, verbose
        As in :func:`sklearn.pipeline.make_pipeline`.

    Returns
    -------
    pipeline : DAPipeline
        A :class:`~sklearn.pipeline.Pipeline` that also takes ``sample_domain`` with
        metadata routing off.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skxfer import CORALAligner, make_da_pipeline
    >>> pipe = make_da_pipeline(StandardScaler(), CORALAligner(), LogisticRegression())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'coralaligner', 'logisticregression']
    >>> pipe.set_params(logisticregression__C=10.0)[-1].estimator.C
    10.0
    """
    if not steps:
        raise ValueError("make_da_pipeline needs at least one step.")
    *head, last = steps
    named = make_pipeline(*head, last).steps
    if (is_classifier(last) or is_regressor(last)) and get_da_tags(last) is None:
        named[-1] = (named[-1][0], LabelledOnly(last))
    return DAPipeline(named, memory=memory, verbose=verbose)
