"""Default backbones and the network wrapper shared by the deep DA estimators.

Importing this module imports torch; :mod:`skxfer` itself never does.
"""

import contextlib
import copy
import math

import torch
from torch import nn

__all__ = [
    "MLP",
    "LeNet",
    "CosineClassifier",
    "Discriminator",
    "GradientReversal",
    "grad_reverse",
    "make_default_backbone",
    "DomainAdaptationNet",
]


class _GradReverseFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, coeff):
        ctx.coeff = coeff
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.coeff * grad_output, None


def grad_reverse(x, coeff=1.0):
    """Identity in the forward pass; multiplies the gradient by ``-coeff`` backwards.

    Parameters
    ----------
    x : torch.Tensor
    coeff : float, default=1.0
        The adaptation weight :math:`\\lambda` of Ganin et al. (2016).

    Returns
    -------
    torch.Tensor
        ``x`` itself (a view), whose gradient is reversed and scaled.

    Examples
    --------
    >>> import torch
    >>> from skxfer.deep import grad_reverse
    >>> x = torch.ones(2, requires_grad=True)
    >>> grad_reverse(x, 0.5).sum().backward()
    >>> x.grad.tolist()
    [-0.5, -0.5]
    """
    return _GradReverseFn.apply(x, float(coeff))


class GradientReversal(nn.Module):
    """Gradient reversal layer (module form of :func:`grad_reverse`).

    Parameters
    ----------
    coeff : float, default=1.0
        Scale of the reversed gradient; may be changed between steps.
    """

    def __init__(self, coeff=1.0):
        super().__init__()
        self.coeff = coeff

    def forward(self, x):
        return grad_reverse(x, self.coeff)


def _mlp_layers(n_in, hidden_units, dropout, batch_norm):
    layers = []
    for width in hidden_units:
        layers.append(nn.Linear(n_in, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
        n_in = width
    return nn.Sequential(*layers), n_in


class MLP(nn.Module):
    """Multi-layer perceptron for flat features: ``features`` then a linear ``head``.

    Parameters
    ----------
    n_features : int
        Input dimension.
    n_outputs : int
        Number of classes (logits) or regression targets.
    hidden_units : tuple of int, default=(100, 100)
        Widths of the hidden layers; the last one is the feature layer that DA aligns.
    dropout : float, default=0.0
    batch_norm : bool, default=False

    Examples
    --------
    >>> import torch
    >>> from skxfer.deep import MLP
    >>> MLP(4, 3, hidden_units=(8,))(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self, n_features, n_outputs, hidden_units=(100, 100), dropout=0.0, batch_norm=False
    ):
        super().__init__()
        hidden_units = (hidden_units,) if isinstance(hidden_units, int) else tuple(hidden_units)
        self.features, width = _mlp_layers(n_features, hidden_units, dropout, batch_norm)
        self.head = nn.Linear(width, n_outputs)

    def forward(self, x):
        return self.head(self.features(x.flatten(1)))


class LeNet(nn.Module):
    """Small LeNet-like CNN with batch normalisation (Ganin et al.'s digits network).

    Two 5x5 convolution blocks (32 and 48 channels, BatchNorm, ReLU, 2x2 max-pooling),
    a fully connected feature layer, then a two-layer label ``head``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)``; images smaller than 24 pixels are zero-padded.
    n_outputs : int
    hidden_units : int, default=100
        Width of the feature layer and of the head's hidden layer.
    dropout : float, default=0.0

    Examples
    --------
    >>> import torch
    >>> from skxfer.deep import LeNet
    >>> LeNet((1, 16, 16), 10)(torch.zeros(2, 1, 16, 16)).shape
    torch.Size([2, 10])
    """

    def __init__(self, input_shape, n_outputs, hidden_units=100, dropout=0.0):
        super().__init__()
        if isinstance(hidden_units, (tuple, list)):
            hidden_units = hidden_units[-1]
        c, h, w = input_shape
        pad = 2 if min(h, w) < 24 else 0
        self.conv = nn.Sequential(
            nn.Conv2d(c, 32, 5, padding=pad),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 48, 5, padding=pad),
            nn.BatchNorm2d(48),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        for _ in range(2):
            h, w = (h + 2 * pad - 4) // 2, (w + 2 * pad - 4) // 2
        if h < 1 or w < 1:
            raise ValueError(f"Images of shape {tuple(input_shape)} are too small for LeNet.")
        layers = [
            nn.Flatten(),
            nn.Linear(48 * h * w, hidden_units),
            nn.BatchNorm1d(hidden_units),
            nn.ReLU(),
        ]
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Linear(hidden_units, hidden_units), nn.ReLU(), nn.Linear(hidden_units, n_outputs)
        )

    def forward(self, x):
        return self.head(self.features(self.conv(x)))


class CosineClassifier(nn.Module):
    """Cosine-similarity output layer: ``logits = cos(features, w_c) / temperature``.

    Each class has a weight vector (its prototype); a row's logit for a class is the
    cosine of the angle between its feature vector and that prototype, divided by
    ``temperature``. The logits are bounded by ``1 / temperature``, so a classifier
    asked to maximise the entropy of its predictions (minimax entropy,
    :class:`~skxfer.deep.MMEClassifier`) cannot do it by shrinking its weights.

    Parameters
    ----------
    n_features : int
    n_outputs : int
        Number of classes.
    temperature : float, default=0.05

    Examples
    --------
    >>> import torch
    >>> from skxfer.deep import CosineClassifier
    >>> head = CosineClassifier(4, 3, temperature=0.1)
    >>> bool(head(torch.randn(5, 4)).abs().max() <= 10.0 + 1e-5)
    True
    """

    def __init__(self, n_features, n_outputs, temperature=0.05):
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"temperature must be positive; got {temperature!r}.")
        self.temperature = float(temperature)
        self.weight = nn.Parameter(torch.empty(n_outputs, n_features))
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.normal_(self.weight, std=0.01)

    def forward(self, x):
        cosine = nn.functional.normalize(x, dim=1) @ nn.functional.normalize(self.weight, dim=1).T
        return cosine / self.temperature


class Discriminator(nn.Module):
    """Domain discriminator: an MLP with a single logit output (use BCE-with-logits).

    Parameters
    ----------
    n_features : int
    hidden_units : tuple of int, default=(100, 100)
    """

    def __init__(self, n_features, hidden_units=(100, 100)):
        super().__init__()
        hidden_units = (hidden_units,) if isinstance(hidden_units, int) else tuple(hidden_units)
        body, width = _mlp_layers(n_features, hidden_units, 0.0, False)
        self.net = nn.Sequential(body, nn.Linear(width, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def make_default_backbone(input_shape, n_outputs, **kwargs):
    """An :class:`MLP` for flat inputs, a :class:`LeNet` for images.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one row: ``(n_features,)``, ``(height, width)`` or
        ``(channels, height, width)``.
    n_outputs : int
    **kwargs : dict
        Passed to the backbone (``hidden_units``, ``dropout``, ...).

    Returns
    -------
    module : torch.nn.Module

    Examples
    --------
    >>> from skxfer.deep import make_default_backbone
    >>> type(make_default_backbone((1, 28, 28), 10)).__name__
    'LeNet'
    """
    input_shape = tuple(int(s) for s in input_shape)
    if len(input_shape) == 1:
        return MLP(input_shape[0], n_outputs, **kwargs)
    if len(input_shape) == 3 and input_shape[2] <= 4 and min(input_shape[:2]) >= 8:
        raise ValueError(
            f"The rows have shape {input_shape}, which looks like channels-last images "
            "(height, width, channels); torch and the default CNN expect channels first "
            "(channels, height, width). Pass X.transpose(0, 3, 1, 2), or a module of your "
            "own that takes channels-last input."
        )
    if len(input_shape) == 2:
        input_shape = (1, *input_shape)
    if len(input_shape) == 3 and min(input_shape[1:]) >= 8:
        return LeNet(input_shape, n_outputs, **kwargs)
    return MLP(math.prod(input_shape), n_outputs, **kwargs)


def build_backbone(module, input_shape, n_outputs, module_kwargs=None, *, default_mlp_params=None):
    """The network mapping rows of ``input_shape`` to ``n_outputs`` outputs.

    The one place where the deep estimators (and fine-tuning's pre-training and state
    dict loading) turn their ``module`` parameter into a network.

    Parameters
    ----------
    module : None, nn.Module class or instance, or callable
        ``None``: :func:`make_default_backbone`; an :class:`MLP` or :class:`LeNet`
        subclass: built for ``input_shape`` and ``n_outputs``; an instance: deep-copied
        (never trained in place), or rebuilt with ``module_kwargs`` when there are any;
        any other class or callable: called with ``module_kwargs``.
    input_shape : tuple of int
        Shape of one row.
    n_outputs : int
    module_kwargs : dict, default=None
        Constructor parameters (``module__*``).
    default_mlp_params : dict, default=None
        Defaults of the default MLP (flat rows, ``module=None``), under ``module_kwargs``.

    Returns
    -------
    module : torch.nn.Module

    Examples
    --------
    >>> from skxfer.deep import MLP
    >>> from skxfer.deep._modules import build_backbone
    >>> build_backbone(MLP, (5,), 3, {"hidden_units": (4,)}).features[0].in_features
    5
    """
    kwargs = dict(module_kwargs or {})
    if module is None:
        if len(input_shape) == 1 and default_mlp_params:  # the default MLP
            kwargs = {**default_mlp_params, **kwargs}
        return make_default_backbone(input_shape, n_outputs, **kwargs)
    if isinstance(module, type) and issubclass(module, MLP):
        return module(int(math.prod(input_shape)), n_outputs, **kwargs)
    if isinstance(module, type) and issubclass(module, LeNet):
        shape = input_shape if len(input_shape) == 3 else (1, *input_shape)
        return module(shape, n_outputs, **kwargs)
    if isinstance(module, nn.Module):
        return type(module)(**kwargs) if kwargs else copy.deepcopy(module)
    return module(**kwargs)


def check_submodule(module, name, param, *, allow_root=True):
    """``name`` if it names a submodule of ``module``, else a ValueError about ``param``."""
    modules = dict(module.named_modules())
    if name not in modules or (name == "" and not allow_root):
        raise ValueError(
            f"{param}={name!r} is not a submodule of {type(module).__name__}; choose one "
            f"of {sorted(k for k in modules if k)}."
        )
    return name


def last_linear(module):
    """Name of the last ``nn.Linear`` of ``module`` (``None`` if it has none)."""
    last = None
    for name, mod in module.named_modules():
        if isinstance(mod, nn.Linear):
            last = name
    return last


def _find_feature_layer(backbone, feature_layer):
    if feature_layer is not None:
        return check_submodule(backbone, feature_layer, "feature_layer")
    if isinstance(getattr(backbone, "head", None), nn.Module):
        return "head"
    last = last_linear(backbone)
    if last is None:
        raise ValueError(
            f"Cannot find the feature layer of {type(backbone).__name__}: it has no "
            "'head' submodule and no nn.Linear. Pass feature_layer='name' (the submodule "
            "whose input is the feature vector)."
        )
    return last


_BN_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def _running_batch_norms(module):
    """The batch-normalisation layers of ``module`` that track running statistics."""
    return [
        m
        for m in module.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats
    ]


def _get_statistics(norms):
    return [tuple(getattr(layer, name) for name in _BN_BUFFERS) for layer in norms]


def _set_statistics(norms, statistics):
    for layer, buffers in zip(norms, statistics, strict=True):
        for name, value in zip(_BN_BUFFERS, buffers, strict=True):
            setattr(layer, name, value)


class DomainAdaptationNet(nn.Module):
    """A backbone whose feature vector is exposed, plus the alignment criterion.

    The features are the input of the submodule named ``feature_layer`` (by default
    ``head``, or the last ``nn.Linear``), captured with a temporary forward pre-hook,
    so any ``torch.nn.Module`` works unchanged.

    Parameters
    ----------
    backbone : torch.nn.Module
        Maps inputs to logits (classification) or predictions (regression).
    feature_layer : str, default=None
    alignment : torch.nn.Module, default=None
        A :class:`~skxfer.deep.Criterion`; owned here so that its parameters (a
        discriminator) are trained and moved to the device with the network.

    Attributes
    ----------
    domain_statistics : dict
        Batch-normalisation running statistics of each domain (``"source"``,
        ``"target"``) stored by :meth:`use_domain_statistics`; a plain attribute, kept
        by pickling but not by ``state_dict``.
    """

    def __init__(self, backbone, feature_layer=None, alignment=None):
        super().__init__()
        self.backbone = backbone
        self.feature_layer = _find_feature_layer(backbone, feature_layer)
        self.alignment = alignment
        self.domain_statistics = {}

    @contextlib.contextmanager
    def use_domain_statistics(self, domain, update=True):
        """Run the backbone with the batch-normalisation statistics of one domain.

        On entry the running statistics stored for ``domain`` (if any) are loaded into
        the backbone's batch-normalisation layers. On exit, with ``update=True``, the
        layers' statistics (updated by any training forward pass in between) are stored
        for ``domain``; with ``update=False`` the layers get back the statistics they
        had on entry. Training each domain under its own key keeps one set of running
        statistics per domain, so that inference normalises a domain with its own
        statistics, as training did (AdaBN, Li et al. 2018). A backbone without batch
        normalisation is unaffected.

        Parameters
        ----------
        domain : str
            Key of the statistics, e.g. ``"source"`` or ``"target"``.
        update : bool, default=True
            Store the statistics on exit (training) or restore the previous ones
            (inference).

        Examples
        --------
        >>> import torch
        >>> from skxfer.deep import DomainAdaptationNet, MLP
        >>> net = DomainAdaptationNet(MLP(3, 2, hidden_units=(4,), batch_norm=True))
        >>> with net.use_domain_statistics("target"):
        ...     _ = net(torch.randn(8, 3) + 5.0)
        >>> sorted(net.domain_statistics)
        ['target']
        """
        norms = _running_batch_norms(self.backbone)
        previous = _get_statistics(norms)
        stored = self.domain_statistics.get(domain)
        if stored is None:  # a domain seen for the first time starts from a copy
            stored = [tuple(t.detach().clone() for t in buffers) for buffers in previous]
        # buffers are swapped, never written in place: autograd may hold the previous
        # ones for a backward pass still to come
        _set_statistics(norms, stored)
        try:
            yield self
        finally:
            if update:
                if norms:
                    self.domain_statistics[domain] = _get_statistics(norms)
            else:
                _set_statistics(norms, previous)

    def forward(self, x, return_features=False, backbone=None):
        backbone = self.backbone if backbone is None else backbone
        if not return_features:
            return backbone(x)
        store = {}

        def hook(module, args):
            store["features"] = args[0]

        layer = backbone.get_submodule(self.feature_layer)
        handle = layer.register_forward_pre_hook(hook)
        try:
            out = backbone(x)
        finally:
            handle.remove()
        return out, store["features"].flatten(1)
