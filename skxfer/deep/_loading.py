"""Model loading: a source network from a module, a state dict, a file or torchvision."""

import copy
import os
from collections import OrderedDict
from collections.abc import Mapping

import torch
from torch import nn

from ._modules import MLP, DomainAdaptationNet, LeNet, build_backbone

__all__ = ["load_source_model"]


def _safe_load(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # UnpicklingError and friends
        raise ValueError(
            f"Could not load {os.fspath(path)!r} safely with torch.load(weights_only=True): "
            f"{exc}. Only state dicts and checkpoints of tensors are accepted; a pickled "
            "module may run arbitrary code. If you trust the file, load it yourself and "
            "pass the module as source_model."
        ) from exc


def _unwrap_state_dict(obj):
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model_state_dict", "module_state_dict", "model", "module"):
            if key in obj and isinstance(obj[key], Mapping):
                return _unwrap_state_dict(obj[key])
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(
            "source_model must hold a state dict (a mapping of parameter names to tensors), "
            f"got {type(obj).__name__}."
        )
    sd = OrderedDict(obj)
    # state dicts of skxfer's own deep estimators (module_): backbone.*, alignment.*
    if sd and all(k.startswith(("backbone.", "alignment.")) for k in sd):
        sd = OrderedDict(
            (k[len("backbone.") :], v) for k, v in sd.items() if k.startswith("backbone.")
        )
    return sd


def _torchvision_model(name, weights):
    try:
        import torchvision
    except ImportError as exc:
        raise ImportError(
            f"source_model={name!r} names a torchvision model, but torchvision is not "
            "installed: pip install torchvision (or pass a torch.nn.Module)."
        ) from exc
    arch = name.split(":", 1)[1] if name.startswith("torchvision:") else name
    try:
        return torchvision.models.get_model(arch, weights=weights)
    except ValueError as exc:
        raise ValueError(f"Unknown torchvision model {arch!r}: {exc}") from exc


def _looks_like_path(s):
    return os.sep in s or "/" in s or s.endswith((".pt", ".pth", ".ckpt", ".bin"))


def load_source_model(
    source_model, *, architecture=None, weights=None, input_shape=None, module_kwargs=None
):
    """Resolve ``source_model`` to a fresh ``torch.nn.Module`` (never the caller's).

    Parameters
    ----------
    source_model : nn.Module, fitted skxfer deep estimator, mapping, path or str
        A module (deep-copied), a fitted estimator with ``module_``, a state dict, a path
        to a state dict / checkpoint (``torch.load(weights_only=True)``: a file holding
        pickled code is refused), or a torchvision model name (``"resnet18"`` or
        ``"torchvision:resnet18"``; torchvision is imported only then).
    architecture : nn.Module instance or class, default=None
        Module into which a state dict is loaded; ``None`` builds the default backbone
        of ``input_shape`` with as many outputs as the state dict's last layer.
    weights : str, default=None
        torchvision weights to download (``"DEFAULT"``); ``None`` downloads nothing.
    input_shape : tuple of int, default=None
        Shape of one input row (for the default architecture).
    module_kwargs : dict, default=None
        Passed to the architecture's constructor.

    Returns
    -------
    module : torch.nn.Module

    Examples
    --------
    >>> import torch
    >>> from skxfer.deep import load_source_model
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 2))
    >>> load_source_model(net) is net
    False
    """
    kwargs = dict(module_kwargs or {})
    if isinstance(source_model, nn.Module):
        return copy.deepcopy(source_model)
    module = getattr(source_model, "module_", None)
    if isinstance(module, nn.Module):
        if isinstance(module, DomainAdaptationNet):
            module = module.backbone
        return copy.deepcopy(module)
    if isinstance(source_model, (str, os.PathLike)):
        path = os.fspath(source_model)
        if os.path.exists(path) or _looks_like_path(path):
            state = _unwrap_state_dict(_safe_load(path))
        else:
            return _torchvision_model(path, weights)
    elif isinstance(source_model, Mapping):
        state = _unwrap_state_dict(source_model)
    else:
        raise TypeError(
            "source_model must be None, a torch.nn.Module, a fitted skxfer deep estimator, "
            f"a state dict, a checkpoint path or a torchvision model name; got "
            f"{type(source_model).__name__}."
        )
    if isinstance(architecture, nn.Module):
        module = copy.deepcopy(architecture)
    elif (
        isinstance(architecture, type)
        and issubclass(architecture, nn.Module)
        and not (issubclass(architecture, (MLP, LeNet)))
    ):
        module = architecture(**kwargs)
    else:
        if input_shape is None:
            raise ValueError(
                "Loading a state dict into the default backbone needs the "
                "input shape (pass X, or an architecture)."
            )
        weights2d = [v for k, v in state.items() if k.endswith("weight") and v.ndim == 2]
        if not weights2d:
            raise ValueError(
                "Cannot infer the number of outputs of the state dict: it has "
                "no linear layer. Pass architecture=."
            )
        n_out = int(weights2d[-1].shape[0])
        module = build_backbone(architecture, input_shape, n_out, kwargs)
    module.load_state_dict(state)
    return module
