"""CORAL: correlation alignment (Sun, Feng and Saenko, AAAI 2016)."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseAdapter
from ._covariance import apply_operator, spectral_covariance

__all__ = ["CORALAligner"]


class CORALAligner(BaseAdapter):
    """Align the second-order statistics of the source with those of the target.

    Source rows are centred, whitened with the source covariance and re-coloured with
    the target covariance, ``x -> (x - m_s) C_s^{-1/2} C_t^{1/2}``; target rows are
    centred, ``x -> x - m_t``. Both domains thus end up centred on the origin with the
    target's covariance (a downstream linear model sees well-conditioned features).
    Both covariances are regularised: by default Ledoit-Wolf shrinkage of the
    correlation matrix (the covariance shrunk towards its own diagonal, so the result
    does not depend on the features' units), or ``C + reg I`` as in the paper, which
    uses ``reg=1`` on standardised features. All matrix powers come from one symmetric
    eigendecomposition per domain; when there are more features than rows the
    shrinkage target is a scaled identity, the computation goes through the Gram matrix
    and never forms a ``d x d`` matrix.

    Parameters
    ----------
    reg : "auto" or float, default="auto"
        Covariance regularisation: ``"auto"`` for Ledoit-Wolf shrinkage, a float ``>= 0``
        added to the diagonal otherwise.
    center : bool, default=True
        Centre each domain on its own mean. ``False`` reproduces the paper exactly
        (whitening and re-colouring about the origin, target rows unchanged).

    Attributes
    ----------
    source_cov_, target_cov_ : SpectralCovariance
        The regularised covariances in spectral form.
    n_features_in_ : int
        Number of features seen at fit.

    References
    ----------
    B. Sun, J. Feng and K. Saenko. Return of Frustratingly Easy Domain Adaptation.
    AAAI 2016.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import CORALAligner, make_da_pipeline
    >>> from skxfer.datasets import make_shifted_classification
    >>> X, y, sample_domain = make_shifted_classification(shift="covariate", random_state=0)
    >>> pipe = make_da_pipeline(CORALAligner(), LogisticRegression()).fit(X, y)
    >>> pipe.predict(X[sample_domain < 0]).shape
    (200,)
    """

    _parameter_constraints = {
        "reg": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "center": ["boolean"],
    }

    def __init__(self, reg="auto", center=True):
        self.reg = reg
        self.center = center

    def _fit(self, X, y, source, target):
        self.source_cov_ = spectral_covariance(X[source], self.reg)
        self.target_cov_ = spectral_covariance(X[target], self.reg)
        return self

    def _transform(self, X, sample_domain):
        source = sample_domain > 0
        if not source.any():  # target rows only (e.g. predict): one pass, no masking
            if self.center:
                return np.asarray(X, dtype=np.float64) - self.target_cov_.mean
            return np.array(X, dtype=np.float64)
        X = np.array(X, dtype=np.float64)
        if self.center:
            X[~source] -= self.target_cov_.mean
        Xs = X[source]
        if self.center:
            Xs = Xs - self.source_cov_.mean
        Xs = apply_operator(Xs, *self.source_cov_.power_operator(-0.5))
        X[source] = apply_operator(Xs, *self.target_cov_.power_operator(0.5))
        return X
