"""Deep features as a scikit-learn transformer: every shallow strategy on torch activations."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._domains import validate_da_data
from ..base import DATags, DomainAwareMixin
from ._data import check_device
from ._heads import find_head, layer_activations
from ._loading import load_source_model

__all__ = ["TorchFeatureExtractor"]


class TorchFeatureExtractor(DomainAwareMixin, TransformerMixin, BaseEstimator):
    """Activations of a layer of a (pretrained) torch module, as a transformer.

    ``transform`` runs the module in eval mode without gradients, batch by batch on
    ``device``, and returns the chosen activations flattened to float32 rows, so any
    shallow skxfer strategy (CORAL, subspace alignment, reweighting, ...) and any
    sklearn estimator runs on deep features in one ``Pipeline``. The forward pass stops
    at the chosen layer. The module is copied at ``fit`` and never trained.

    Parameters
    ----------
    module : torch.nn.Module, fitted skxfer deep estimator, state dict or path
        The network (see :func:`~skxfer.deep.load_source_model`; a state dict is loaded
        with ``weights_only=True`` into ``architecture``).
    layer : str, default=None
        Submodule whose *output* is returned. ``None``: the *input* of the head (the
        penultimate activations): the submodule ``head`` if the module has one, else the
        last ``nn.Linear``.
    batch_size : int, default=256
    device : str, default="cpu"
    architecture : nn.Module, default=None
        Network into which a state dict is loaded.

    Attributes
    ----------
    module_ : torch.nn.Module
        The copied module, in eval mode on ``device``.
    layer_ : str
        The layer used (``"<input of NAME>"`` for the default).
    n_features_in_ : int
    n_features_out_ : int

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skxfer.deep import TorchFeatureExtractor
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
    ...                           torch.nn.Linear(8, 2))
    >>> TorchFeatureExtractor(net).fit_transform(np.ones((3, 4))).shape
    (3, 8)
    """

    _da_tags = DATags(
        family="feature", kind="adapter", requires_target=False, uses_target_labels=False
    )

    def __init__(self, module=None, *, layer=None, batch_size=256, device="cpu", architecture=None):
        self.module = module
        self.layer = layer
        self.batch_size = batch_size
        self.device = device
        self.architecture = architecture

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = ["float32"]  # always float32 out
        return tags

    def fit(self, X, y=None, sample_domain=None):
        """Validate ``X`` and prepare the module (nothing is trained).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
        y : array-like of shape (n_samples,), default=None
            Checked against ``X``, otherwise unused.
        sample_domain : array-like of shape (n_samples,), default=None
            Checked against ``X``, otherwise unused.

        Returns
        -------
        self : object
        """
        if self.module is None:
            raise ValueError("TorchFeatureExtractor needs a module (a torch.nn.Module).")
        check_device(self, self.device)
        X, _, _ = validate_da_data(
            self, X, y, sample_domain, reset=True, allow_nd=True, dtype=np.float32
        )
        module = load_source_model(
            self.module, architecture=self.architecture, input_shape=tuple(X.shape[1:])
        )
        module = module.to(self.device).eval()
        for p in module.parameters():
            p.requires_grad_(False)
        self.module_ = module
        if self.layer is None:
            self._hook = (
                "input",
                find_head(
                    module, "head" if isinstance(getattr(module, "head", None), nn.Module) else None
                ),
            )
            self.layer_ = f"<input of {self._hook[1]}>"
        else:
            find_head(module, self.layer)  # validates the name
            self._hook = ("output", self.layer)
            self.layer_ = self.layer
        self.n_features_out_ = int(self._extract(X[:1]).shape[1]) if len(X) else 0
        return self

    def _extract(self, X):
        where, name = self._hook
        size = int(self.batch_size)
        out = layer_activations(self.module_, name, X, self.device, size, where=where)
        return out.flatten(1).numpy()

    def transform(self, X, sample_domain=None):
        """Activations of the chosen layer for every row.

        Parameters
        ----------
        X : array-like
        sample_domain : ignored

        Returns
        -------
        X_new : ndarray of float32, shape (n_samples, n_features_out)
        """
        check_is_fitted(self)
        X, _, _ = validate_da_data(
            self, X, None, None, reset=False, allow_nd=True, dtype=np.float32
        )
        self.module_.eval()
        return np.ascontiguousarray(self._extract(X), dtype=np.float32)

    def fit_transform(self, X, y=None, sample_domain=None):
        """Fit, then transform ``X``."""
        return self.fit(X, y, sample_domain).transform(X)

    def get_feature_names_out(self, input_features=None):
        """``torchfeatureextractor0``, ``torchfeatureextractor1``, ..."""
        check_is_fitted(self)
        return np.asarray(
            [f"torchfeatureextractor{i}" for i in range(self.n_features_out_)], dtype=object
        )
