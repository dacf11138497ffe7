"""``InstanceReweighter``: fit any estimator on source rows weighted by a density ratio."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.exceptions import DataConversionWarning
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import (
    _check_sample_weight,
    has_fit_parameter,
)

from .._domains import is_masked, validate_da_data
from ..base import BaseDAMetaEstimator, DATags, get_da_tags
from ._base import EffectiveSampleSizeWarning, effective_sample_size, normalise_weights

__all__ = ["InstanceReweighter"]


class InstanceReweighter(BaseDAMetaEstimator):
    """Fit an estimator on the source rows weighted by the estimated ``p_target / p_source``.

    Instance-based transfer (importance weighting under covariate shift): a
    density-ratio estimator, chosen by ``method``, tells how much more likely each source
    row is under the target distribution; ``estimator`` is then fitted on the labelled
    rows with those weights passed as ``sample_weight`` (labelled target rows, if any,
    get weight 1). Any estimator whose ``fit`` takes ``sample_weight`` works, without
    metadata-routing set-up; an estimator that cannot take weights is refused with an
    error (it is never fitted unweighted nor on a resampled set).

    The raw ratio is post-processed for robustness: normalised to mean 1 on the
    labelled source rows, flattened as ``w ** power`` and clipped at ``clip`` times the
    mean, then shrunk towards uniform weights, ``(1 - shrinkage) w + shrinkage``.
    Density ratios estimated in many dimensions are noisy; these defaults keep
    reweighting from falling below the unweighted fit on real data. When the effective
    sample size ``(sum w)^2 / sum w^2`` falls below ``ess_threshold`` times the number of
    source rows, an
    :class:`EffectiveSampleSizeWarning` is raised.

    With no target row (no masked label and no ``sample_domain``), every weight is 1
    and the reweighter behaves as its plain estimator.

    Parameters
    ----------
    estimator : estimator
        A classifier or regressor whose ``fit`` accepts ``sample_weight``.
    density_ratio : str or density-ratio estimator, default="kmm"
        A strategy name registered in ``skxfer.strategies`` with kind ``"weighting"``
        (built-in: ``"kmm"``, ``"kliep"``, ``"ulsif"``, ``"classifier"``, ``"nn"``),
        resolved in ``fit``, or an instance of a
        :class:`~skxfer.reweighting.BaseDensityRatio` subclass, whose parameters are then
        the reweighter's (``density_ratio__gamma`` in ``set_params`` and grids).
    method : str or density-ratio estimator, default=None
        Deprecated alias of ``density_ratio`` (a ``FutureWarning`` when given).
    method_params : dict or None, default=None
        Deprecated: pass a configured estimator as ``density_ratio`` instead
        (``density_ratio=KMMDensityRatio(gamma=0.1)``).
    power : float, default=0.5
        Flattening exponent applied to the normalised ratio: ``1`` uses the ratio as
        estimated, ``0`` gives uniform weights (no reweighting). Values in between
        trade bias for variance; the default is robust on real data, where density
        ratios in many dimensions are noisy.
    clip : float or None, default=10.0
        Largest weight, as a multiple of the mean weight; ``None`` disables clipping.
    shrinkage : float in [0, 1], default=0.5
        Weight of the uniform weights in the final convex combination: ``0`` keeps the
        processed ratio, ``1`` is no reweighting. It also bounds every weight below by
        ``shrinkage`` (no source row is discarded).
    ess_threshold : float, default=0.1
        Warn when the effective sample size is below this fraction of the source rows.
    random_state : int, RandomState or None, default=None
        Seeds the density-ratio estimator when its own ``random_state`` is ``None``.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    ratio_estimator_ : BaseDensityRatio or None
        The fitted density-ratio estimator (``None`` when there was no target row).
    weights_ : ndarray of shape (n_samples,)
        Importance weight of each row of ``X`` at fit, in its order: the processed ratio
        for labelled source rows, 1 for labelled target rows, 0 for rows left out of the
        fit (masked labels). A user ``sample_weight`` is not included.
    effective_sample_size_ : float
        Effective sample size of the labelled source rows' weights.
    classes_ : ndarray
        Class labels (classifiers only).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` at fit has string column names.

    See Also
    --------
    KMMDensityRatio, KLIEPDensityRatio, ULSIFDensityRatio, ClassifierDensityRatio,
    NearestNeighborDensityRatio

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import InstanceReweighter, merge_domains
    >>> rng = np.random.RandomState(0)
    >>> Xs, Xt = rng.randn(100, 2), rng.randn(80, 2) + 1.0
    >>> ys = (Xs[:, 0] + Xs[:, 1] > 0).astype(int)
    >>> X, y, sample_domain = merge_domains(Xs, ys, Xt)
    >>> clf = InstanceReweighter(LogisticRegression(), density_ratio="kliep", random_state=0)
    >>> clf = clf.fit(X, y)
    >>> clf.weights_.shape, clf.predict(Xt).shape
    ((180,), (80,))
    >>> from skxfer.reweighting import KMMDensityRatio
    >>> clf = InstanceReweighter(LogisticRegression(), density_ratio=KMMDensityRatio())
    >>> clf.set_params(density_ratio__gamma=0.5).density_ratio.gamma
    0.5
    """

    _da_tags = DATags(
        family="instance", kind="estimator", requires_target=False, uses_target_labels=True
    )

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "density_ratio": [str, HasMethods(["fit"])],
        "method": [str, HasMethods(["fit"]), None],
        "method_params": [dict, None],
        "power": [Interval(Real, 0, None, closed="left")],
        "clip": [Interval(Real, 1, None, closed="left"), None],
        "shrinkage": [Interval(Real, 0, 1, closed="both")],
        "ess_threshold": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        density_ratio="kmm",
        power=0.5,
        clip=10.0,
        shrinkage=0.5,
        ess_threshold=0.1,
        random_state=None,
        method=None,
        method_params=None,
    ):
        self.estimator = estimator
        self.density_ratio = density_ratio
        self.method = method
        self.method_params = method_params
        self.power = power
        self.clip = clip
        self.shrinkage = shrinkage
        self.ess_threshold = ess_threshold
        self.random_state = random_state

    def _make_ratio_estimator(self):
        from ..registry import get_strategy, list_strategies

        spec, what = self.density_ratio, "density_ratio"
        if self.method is not None or self.method_params is not None:
            warnings.warn(
                "InstanceReweighter's method and method_params are deprecated: pass the "
                "density-ratio estimator as density_ratio (a name, or a configured "
                "instance such as KMMDensityRatio(gamma=0.1), whose parameters are then "
                "grid-searchable as density_ratio__gamma).",
                FutureWarning,
                stacklevel=3,
            )
            if self.method is not None:
                spec, what = self.method, "method"
        if isinstance(spec, str):
            try:
                cls = get_strategy(spec)
            except ValueError:
                cls = None
            tags = None if cls is None else get_da_tags(cls())
            if tags is None or tags.kind != "weighting":
                raise ValueError(
                    f"{what}={spec!r} is not a registered density-ratio estimator. "
                    f"Choose one of {list_strategies(kind='weighting')} or pass an instance "
                    "of a skxfer.reweighting.BaseDensityRatio subclass."
                )
            ratio = cls()
        else:
            if not hasattr(spec, "source_weights_") and not hasattr(spec, "compute_weights"):
                raise TypeError(
                    f"{what} must be a registered name or a density-ratio estimator with "
                    f"fit() and compute_weights(); got {type(spec).__name__}."
                )
            ratio = clone(spec)
        if self.method_params:
            ratio.set_params(**self.method_params)
        params = ratio.get_params(deep=False)
        if "random_state" in params and params["random_state"] is None:
            ratio.set_params(random_state=self.random_state)
        return ratio

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_domain=None, sample_weight=None):
        """Estimate the importance weights, then fit the estimator with them.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Source and target rows stacked.
        y : array-like of shape (n_samples,)
            Labels; unknown target labels masked (``-1`` classification, ``NaN``
            regression).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain of each row (``> 0`` source, ``< 0`` target); inferred from the mask
            of ``y`` when ``None``. Needed for labelled target rows.
        sample_weight : array-like of shape (n_samples,), default=None
            User weights, multiplied with the importance weights.

        Returns
        -------
        self : object
        """
        if y is None:
            raise ValueError(
                "InstanceReweighter requires y to be passed, but the target y is None: pass "
                "the source labels, with the unknown target labels masked as -1 "
                "(classification) or NaN (regression)."
            )
        if not has_fit_parameter(self.estimator, "sample_weight"):
            raise TypeError(
                f"{type(self.estimator).__name__}.fit does not accept sample_weight, so it "
                "cannot be fitted with importance weights. Use an estimator that takes "
                "sample_weight (e.g. LogisticRegression, SVC, Ridge, gradient boosting); "
                "for a Pipeline, put the InstanceReweighter around its last step: "
                "make_pipeline(scaler, InstanceReweighter(LogisticRegression()))."
            )
        if getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please change "
                "the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning,
                stacklevel=2,
            )
        X, y, sample_domain = validate_da_data(
            self,
            X,
            y,
            sample_domain,
            reset=True,
            require_target=True,
            require_labelled_source=True,
            accept_sparse=["csr", "csc"],
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        labelled = ~is_masked(y)
        source, target = sample_domain > 0, sample_domain < 0
        weights = np.where(labelled, 1.0, 0.0)
        if target.any():
            ratio = self._make_ratio_estimator()
            ratio.fit(X, None, sample_domain)
            raw = np.asarray(ratio.source_weights_, dtype=np.float64)
            fit_src = labelled[source]
            w = normalise_weights(
                raw[fit_src], power=self.power, clip=self.clip, shrinkage=self.shrinkage
            )
            weights[np.flatnonzero(source)[fit_src]] = w
            self.ratio_estimator_ = ratio
            self.effective_sample_size_ = effective_sample_size(w)
            n_src = int(fit_src.sum())
            if self.effective_sample_size_ < self.ess_threshold * n_src:
                warnings.warn(
                    f"The importance weights leave an effective sample size of "
                    f"{self.effective_sample_size_:.1f} out of {n_src} source rows: a few "
                    "rows dominate the fit. Lower `power` (flatter weights), lower `clip`, "
                    "or widen the kernel bandwidth.",
                    EffectiveSampleSizeWarning,
                    stacklevel=2,
                )
        else:
            self.ratio_estimator_ = None
            self.effective_sample_size_ = float(labelled.sum())
        self.weights_ = weights
        keep = np.flatnonzero(labelled)
        fit_weight = weights[keep]
        if sample_weight is not None:
            fit_weight = fit_weight * sample_weight[keep]
        elif self.ratio_estimator_ is None:
            fit_weight = None  # exactly the plain estimator
        self.estimator_ = clone(self.estimator).fit(X[keep], y[keep], sample_weight=fit_weight)
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self
