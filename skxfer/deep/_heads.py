"""Head discovery: the output layer of a network, and the activations that enter it."""

import numpy as np
import torch
from torch import nn

from ._data import to_tensor_batch
from ._modules import check_submodule, last_linear

__all__ = [
    "find_head",
    "head_inputs",
    "is_under",
    "layer_activations",
    "output_layer",
    "set_submodule",
]


def is_under(name, prefix):
    """Whether the parameter or module ``name`` lies inside ``prefix`` ("" is the root)."""
    return prefix == "" or name == prefix or name.startswith(prefix + ".")


def find_head(backbone, head=None):
    """Name of the output module of ``backbone`` (``head`` or the last ``nn.Linear``)."""
    if head is not None:
        return check_submodule(backbone, head, "head", allow_root=False)
    last = last_linear(backbone)
    if last is None:
        raise ValueError(
            f"Cannot find the output layer of {type(backbone).__name__}: it has no nn.Linear. "
            "Pass head='name' (the submodule producing the outputs)."
        )
    return last


def output_layer(backbone, head):
    """Name of the nn.Linear to replace: ``head`` itself or its last nn.Linear."""
    mod = backbone.get_submodule(head)
    if isinstance(mod, nn.Linear):
        return head
    last = last_linear(mod)
    if last is None:
        raise ValueError(f"The head {head!r} holds no nn.Linear to replace.")
    return f"{head}.{last}" if last else head


def set_submodule(root, name, new):
    parent, _, leaf = name.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, leaf, new)


class _StopForward(Exception):
    """Raised by a hook to end a forward pass once the wanted activations are stored."""


def layer_activations(module, layer, X, device, batch_size=256, *, where="input"):
    """Inputs (``where="input"``) or outputs of submodule ``layer`` for every row of ``X``.

    Runs ``module`` in eval mode without gradients, batch by batch on ``device``; the
    forward pass stops at ``layer``. Returns a float32 CPU tensor of shape
    ``(n_samples, ...)`` (not flattened); ``module``'s training mode is restored.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skxfer.deep._heads import layer_activations
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Linear(8, 2))
    >>> layer_activations(net, "0", np.ones((3, 4), "float32"), "cpu", where="output").shape
    torch.Size([3, 8])
    """
    target = module.get_submodule(layer)
    store = {}

    def pre_hook(mod, args):
        store["x"] = args[0]
        raise _StopForward

    def hook(mod, args, output):
        store["x"] = output
        raise _StopForward

    was_training = module.training
    module.eval()
    if where == "input":
        handle = target.register_forward_pre_hook(pre_hook)
    else:
        handle = target.register_forward_hook(hook)
    outs = []
    try:
        with torch.no_grad():
            for start in range(0, X.shape[0], batch_size):
                rows = np.arange(start, min(start + batch_size, X.shape[0]))
                try:
                    module(to_tensor_batch(X, rows, device))
                except _StopForward:
                    pass
                outs.append(store.pop("x").detach().float().cpu())
    finally:
        handle.remove()
        module.train(was_training)
    return torch.cat(outs)


def head_inputs(backbone, layer, X, device, batch_size=256):
    """Inputs of submodule ``layer`` for every row of ``X`` (eval mode, no grad).

    The forward pass stops at ``layer``; returns a float32 CPU tensor of shape
    ``(n_samples, ...)`` (not flattened).
    """
    return layer_activations(backbone, layer, X, device, batch_size, where="input")
