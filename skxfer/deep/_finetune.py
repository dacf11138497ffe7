"""Model-based transfer: fine-tune a source network on the labelled target rows.

:class:`FineTuneClassifier` and :class:`FineTuneRegressor` take a network trained on
the source task (a ``torch.nn.Module``, a state dict or checkpoint file loaded with
``weights_only=True``, a torchvision model by name, a fitted skxfer deep estimator, or
``None``: the default backbone pre-trained inside ``fit`` on the labelled source rows),
replace its output layer with one sized to the target task, freeze what should stay and
fine-tune on the labelled target rows; a safety net (``_finetune_selection``) averages
the fine-tuned network with the no-transfer baselines, or keeps one of them when it is
credibly better on an inner validation of the labelled target rows.
When the whole body is frozen, its features are computed once (and cached across epochs
and across grid-search candidates) and only the head is trained on them.
"""

import copy
import hashlib
import numbers
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import column_or_1d
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog
from skorch.exceptions import NotInitializedError
from skorch.utils import TeeGenerator
from torch import nn

from .._domains import check_classes, is_masked, validate_da_data
from ..base import DATags
from ..utils._inner_validation import (
    inner_splits,
    keep_unless_clearly_beaten,
    out_of_fold,
    row_scores,
)
from ._base import BaseDeepDA, DeepDAClassifier, DeepDARegressor
from ._data import DomainBalancedBatches, check_device, to_tensor_batch
from ._finetune_selection import (
    ENSEMBLE,
    SWITCH_Z,
    apply_input_scaling,
    candidate_output,
    ensemble_output,
    fit_input_scaling,
    flat,
    linear_candidate,
    network_output,
    reinitialise,
    validation_summary,
)
from ._modules import MLP, DomainAdaptationNet, LeNet, make_default_backbone

__all__ = [
    "FineTuneClassifier",
    "FineTuneRegressor",
    "clear_feature_cache",
    "load_source_model",
]

_FREEZE_WORDS = ("auto", "all_but_head", "none")


# --------------------------------------------------------------------------- cache
class _BoundedCache:
    """Least-recently-used cache bounded in entries and bytes (thread-safe)."""

    def __init__(self, max_entries=16, max_bytes=256 * 2**20):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._data = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
            return None

    def put(self, key, value):
        size = value.nbytes
        if size > self.max_bytes:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while (
                len(self._data) > self.max_entries
                or sum(v.nbytes for v in self._data.values()) > self.max_bytes
            ):
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self):
        return len(self._data)


#: Frozen-body features shared by every fine-tuning estimator of the process.
_FEATURE_CACHE = _BoundedCache()


def clear_feature_cache():
    """Empty the process-wide cache of frozen-backbone features.

    Examples
    --------
    >>> from skxfer.deep import clear_feature_cache
    >>> clear_feature_cache()
    """
    _FEATURE_CACHE.clear()


def _array_fingerprint(X):
    h = hashlib.blake2b(digest_size=16)
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    X = np.ascontiguousarray(X)
    h.update(repr((X.shape, str(X.dtype))).encode())
    h.update(X.view(np.uint8).reshape(-1).data if X.size else b"")
    return h.hexdigest()


def _body_fingerprint(backbone, head):
    """Hash of the architecture and weights of everything but the head."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{type(backbone).__module__}.{type(backbone).__qualname__}|{head}".encode())
    for name, mod in backbone.named_modules():
        if _under(name, head):
            continue
        h.update(f"{name}:{type(mod).__name__}({mod.extra_repr()})".encode())
    for name, t in backbone.state_dict().items():
        if _under(name, head):
            continue
        t = t.detach().cpu().contiguous()
        h.update(f"{name}{tuple(t.shape)}{t.dtype}".encode())
        if t.numel():
            h.update(t.reshape(-1).view(torch.uint8).numpy().data)
    return h.hexdigest()


def _under(name, prefix):
    return prefix == "" or name == prefix or name.startswith(prefix + ".")


# --------------------------------------------------------------------------- loading
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
        if architecture is None:
            module = make_default_backbone(input_shape, n_out, **kwargs)
        elif issubclass(architecture, MLP):
            module = architecture(int(np.prod(input_shape)), n_out, **kwargs)
        else:
            shape = input_shape if len(input_shape) == 3 else (1, *input_shape)
            module = architecture(shape, n_out, **kwargs)
    module.load_state_dict(state)
    return module


# --------------------------------------------------------------------------- heads
def find_head(backbone, head=None):
    """Name of the output module of ``backbone`` (``head`` or the last ``nn.Linear``)."""
    modules = dict(backbone.named_modules())
    if head is not None:
        if head not in modules or head == "":
            raise ValueError(
                f"head={head!r} is not a submodule of {type(backbone).__name__}; choose one "
                f"of {sorted(k for k in modules if k)}."
            )
        return head
    last = None
    for name, mod in backbone.named_modules():
        if isinstance(mod, nn.Linear):
            last = name
    if last is None:
        raise ValueError(
            f"Cannot find the output layer of {type(backbone).__name__}: it has no nn.Linear. "
            "Pass head='name' (the submodule producing the outputs)."
        )
    return last


def _output_layer(backbone, head):
    """Name of the nn.Linear to replace: ``head`` itself or its last nn.Linear."""
    mod = backbone.get_submodule(head)
    if isinstance(mod, nn.Linear):
        return head
    last = None
    for name, sub in mod.named_modules():
        if isinstance(sub, nn.Linear):
            last = f"{head}.{name}" if name else head
    if last is None:
        raise ValueError(f"The head {head!r} holds no nn.Linear to replace.")
    return last


def _set_submodule(root, name, new):
    parent, _, leaf = name.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, leaf, new)


class _StopForward(Exception):
    pass


def head_inputs(backbone, layer, X, device, batch_size=256):
    """Inputs of submodule ``layer`` for every row of ``X`` (eval mode, no grad).

    The forward pass stops at ``layer``; returns a float32 CPU tensor of shape
    ``(n_samples, ...)`` (not flattened).
    """
    target = backbone.get_submodule(layer)
    store = {}

    def hook(module, args):
        store["x"] = args[0]
        raise _StopForward

    was_training = backbone.training
    backbone.eval()
    handle = target.register_forward_pre_hook(hook)
    outs = []
    try:
        with torch.no_grad():
            for start in range(0, X.shape[0], batch_size):
                rows = np.arange(start, min(start + batch_size, X.shape[0]))
                try:
                    backbone(to_tensor_batch(X, rows, device))
                except _StopForward:
                    pass
                outs.append(store.pop("x").detach().float().cpu())
    finally:
        handle.remove()
        backbone.train(was_training)
    return torch.cat(outs)


# --------------------------------------------------------------------------- base
class _FineTuneMixin:
    """Fine-tuning logic shared by :class:`FineTuneClassifier` and the regressor."""

    _da_tags = DATags(
        family="model",
        kind="estimator",
        requires_target=False,
        uses_target_labels=True,
        requires_target_labels=True,
    )
    prefixes_ = list(NeuralNet.prefixes_)
    _own_params = frozenset(
        {
            "source_model",
            "head",
            "freeze",
            "unfreeze_schedule",
            "backbone_lr_multiplier",
            "l2sp_alpha",
            "l2sp_beta",
            "pretrain_epochs",
            "cache_features",
            "architecture",
            "weights",
            "random_state",
            "standardize",
            "safety_net",
        }
    )

    def __init__(
        self,
        source_model=None,
        *,
        head=None,
        freeze="auto",
        unfreeze_schedule=None,
        backbone_lr_multiplier="auto",
        l2sp_alpha=0.0,
        l2sp_beta=0.0,
        pretrain_epochs=10,
        standardize="auto",
        safety_net=True,
        cache_features="auto",
        architecture=None,
        weights=None,
        criterion=None,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=100,
        batch_size=64,
        callbacks=None,
        train_split=None,
        warm_start=False,
        verbose=0,
        device="cpu",
        random_state=None,
        **kwargs,
    ):
        self.source_model = source_model
        self.head = head
        self.freeze = freeze
        self.unfreeze_schedule = unfreeze_schedule
        self.backbone_lr_multiplier = backbone_lr_multiplier
        self.l2sp_alpha = l2sp_alpha
        self.l2sp_beta = l2sp_beta
        self.pretrain_epochs = pretrain_epochs
        self.standardize = standardize
        self.safety_net = safety_net
        self.cache_features = cache_features
        self.architecture = architecture
        self.weights = weights
        self.random_state = random_state
        NeuralNet.__init__(
            self,
            module=None,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            callbacks=callbacks,
            train_split=train_split,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            **kwargs,
        )

    def _get_param_names(self):
        # skorch lists every public attribute; ``module`` is always None here (the
        # network comes from ``source_model``) and is not a constructor argument
        return [k for k in super()._get_param_names() if k != "module"]

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("train_l2sp_loss", PassthroughScoring(name="train_l2sp_loss", on_train=True)),
            ("print_log", PrintLog()),
        ]

    # ------------------------------------------------------------------ validation
    def _check_params(self):
        fz = self.freeze
        if not (
            fz is None
            or (isinstance(fz, str) and fz in _FREEZE_WORDS)
            or (isinstance(fz, numbers.Integral) and not isinstance(fz, bool) and fz >= 0)
            or (isinstance(fz, (list, tuple)) and all(isinstance(p, str) for p in fz))
        ):
            raise ValueError(
                "freeze must be 'auto', 'all_but_head', 'none'/None, an int n >= 0 (the last "
                f"n blocks stay trainable) or a list of parameter-name prefixes; got {fz!r}."
            )
        sched = self.unfreeze_schedule
        if sched is not None:
            if not isinstance(sched, Mapping) or not all(
                isinstance(e, numbers.Integral)
                and e >= 0
                and (n == "all" or (isinstance(n, numbers.Integral) and n >= 0))
                for e, n in sched.items()
            ):
                raise ValueError(
                    "unfreeze_schedule must map epoch (int >= 0) -> number of trainable "
                    f"blocks (int >= 0 or 'all'); got {sched!r}."
                )
        if self.cache_features not in ("auto", True, False):
            raise ValueError(
                f"cache_features must be 'auto', True or False; got {self.cache_features!r}."
            )
        for name in ("backbone_lr_multiplier", "l2sp_alpha", "l2sp_beta"):
            v = getattr(self, name)
            if name == "backbone_lr_multiplier" and isinstance(v, str) and v == "auto":
                continue
            if not isinstance(v, numbers.Real) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{name} must be a float >= 0; got {v!r}.")
        if self.standardize not in ("auto", True, False):
            raise ValueError(
                f"standardize must be 'auto', True or False; got {self.standardize!r}."
            )
        if not isinstance(self.safety_net, (bool, np.bool_)):
            raise ValueError(f"safety_net must be True or False; got {self.safety_net!r}.")
        pe = self.pretrain_epochs
        if not isinstance(pe, numbers.Integral) or pe < 0:
            raise ValueError(f"pretrain_epochs must be an int >= 0; got {pe!r}.")

    def _encode(self, y, rows):
        """Encode the labels of ``rows`` (classification: LabelEncoder)."""
        if self._is_classifier:
            enc = LabelEncoder().fit(y[rows])
            return enc, enc.transform(y[rows]).astype(np.int64)
        return None, np.asarray(y[rows], dtype=np.float32)

    def _validate_fit_ft(self, X, y, sample_domain):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "pass the labels, with unknown target labels masked as -1 (classification) "
                "or NaN (regression)."
            )
        y = np.asarray(y)
        if self._is_classifier or y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            y = column_or_1d(y, warn=True)
        X, y, sd = validate_da_data(
            self, X, y, sample_domain, reset=True, allow_nd=True, dtype=np.float32
        )
        if not (self.warm_start and self.initialized_):
            self._fit_input_scaling(X, sd)
        X = self._scale_inputs(X)
        masked = is_masked(y, regression=not self._is_classifier)
        labelled = ~masked
        if self._is_classifier:
            check_classes(self, y[labelled])
        if sample_domain is None and not masked.any():
            source = target = np.flatnonzero(labelled)  # plain supervised learning
        else:
            source = np.flatnonzero(labelled & (sd > 0))
            target = np.flatnonzero(labelled & (sd < 0))
        self.input_shape_ = tuple(X.shape[1:])
        return X, y, source, target

    def _fit_input_scaling(self, X, sd):
        use = self.standardize
        if use == "auto":
            use = self._pretrains_in_fit()
        self.input_mean_, self.input_scale_ = fit_input_scaling(X, sd) if use else (None, None)

    def _scale_inputs(self, X):
        return apply_input_scaling(
            X, getattr(self, "input_mean_", None), getattr(self, "input_scale_", None)
        )

    def _validate_X(self, X, sample_domain, reset):
        X, sd = super()._validate_X(X, sample_domain, reset)
        return self._scale_inputs(X), sd

    def _validate_continue(self, X, y, sample_domain):
        X, y, sd = super()._validate_continue(X, y, sample_domain)
        return self._scale_inputs(X), y, sd

    def _pretrains_in_fit(self):
        model = self.source_model
        return model is None or (isinstance(model, type) and issubclass(model, nn.Module))

    # ------------------------------------------------------------------ source model
    def _pretrain(self, X, y, rows):
        if not len(rows):
            raise ValueError(
                f"{type(self).__name__} with source_model=None pre-trains the default "
                "backbone on the labelled source rows, but there are none. Give the source "
                "rows their labels, or pass a pretrained source_model."
            )
        enc, ys = self._encode(y, rows)
        if self._is_classifier:
            self.source_classes_ = enc.classes_
            n_out = len(enc.classes_)
        else:
            n_out = 1 if ys.ndim == 1 else ys.shape[1]
        kwargs = self.get_params_for("module")
        model = self.source_model
        if model is None:
            if len(self.input_shape_) == 1:  # the default MLP
                kwargs = {**self._default_mlp_params, **kwargs}
            net = make_default_backbone(self.input_shape_, n_out, **kwargs)
        elif issubclass(model, MLP):
            net = model(int(np.prod(self.input_shape_)), n_out, **kwargs)
        elif issubclass(model, LeNet):
            shape = self.input_shape_ if len(self.input_shape_) == 3 else (1, *self.input_shape_)
            net = model(shape, n_out, **kwargs)
        else:
            net = model(**kwargs)
        net = net.to(self.device)
        crit = self._make_criterion()
        opt_kwargs = self.get_params_for("optimizer")
        opt_kwargs.setdefault("lr", self.lr)
        opt = self.optimizer(net.parameters(), **opt_kwargs)
        Xs = X[rows]
        yt = torch.as_tensor(ys)
        generator = torch.Generator().manual_seed(self.seed_ + 1)
        batches = DomainBalancedBatches(
            np.arange(len(rows)), np.empty(0, dtype=np.int64), self.batch_size, generator, X=Xs
        )
        self.pretrain_history_ = []
        net.train()
        for _ in range(int(self.pretrain_epochs)):
            total, count = 0.0, 0
            for b, _t in batches:
                opt.zero_grad()
                out = net(to_tensor_batch(Xs, b, self.device))
                loss = self._loss(crit, out, yt[torch.as_tensor(b)].to(self.device))
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(b)
                count += len(b)
            self.pretrain_history_.append({"train_loss": total / max(count, 1)})
        net.eval()
        return net

    def _make_criterion(self):
        crit = self.criterion
        if crit is None:
            crit = nn.CrossEntropyLoss if self._is_classifier else nn.MSELoss
        return self.initialized_instance(crit, self.get_params_for("criterion"))

    def _loss(self, crit, out, yb):
        if self._is_classifier:
            return crit(out, yb)
        n = len(yb)
        return crit(out.reshape(n, -1), yb.reshape(n, -1))

    def _source_module(self, X, y, source_rows):
        model = self.source_model
        if model is None or (isinstance(model, type) and issubclass(model, nn.Module)):
            return self._pretrain(X, y, source_rows)
        return load_source_model(
            model,
            architecture=self.architecture,
            weights=self.weights,
            input_shape=self.input_shape_,
            module_kwargs=self.get_params_for("module"),
        )

    # ------------------------------------------------------------------ freezing
    def _blocks(self, backbone):
        return [
            name
            for name, child in backbone.named_children()
            if any(True for _ in child.parameters())
        ]

    def _trainable(self, backbone, head, spec):
        """Names (relative to the backbone) of the parameters left trainable by ``spec``."""
        names = [n for n, _ in backbone.named_parameters()]
        if spec is None or spec == "none" or spec == "all":
            keep = set(names)
        elif isinstance(spec, str):  # all_but_head
            keep = set()
        elif isinstance(spec, numbers.Integral):
            blocks = self._blocks(backbone)
            chosen = blocks[len(blocks) - int(spec) :] if int(spec) else []
            keep = {n for n in names if any(_under(n, b) for b in chosen)}
        else:
            unknown = [p for p in spec if not any(_under(n, p) for n in names)]
            if unknown:
                raise ValueError(
                    f"freeze prefixes {unknown} match no parameter of "
                    f"{type(backbone).__name__}; parameters: {names}."
                )
            keep = {n for n in names if not any(_under(n, p) for p in spec)}
        keep |= {n for n in names if _under(n, head)}
        return keep

    def _apply_freeze(self, spec):
        backbone = self.module_.backbone
        keep = self._trainable(backbone, self.head_, spec)
        for name, p in backbone.named_parameters():
            p.requires_grad_(name in keep)
        # leaves put in eval mode while training: frozen layers (BatchNorm statistics
        # stay those of the source) and parameter-free layers before the first trainable
        # parameter (dropout inside a frozen body)
        frozen, seen_trainable = [], False
        for _name, mod in backbone.named_modules():
            if next(mod.children(), None) is not None:
                continue
            params = list(mod.parameters(recurse=False))
            if params:
                if any(p.requires_grad for p in params):
                    seen_trainable = True
                else:
                    frozen.append(mod)
            elif not seen_trainable:
                frozen.append(mod)
        self._frozen_leaves = frozen
        self.trainable_params_ = sorted(keep)
        return keep

    def _set_training(self, training=True):
        super()._set_training(training)
        if training:
            for mod in getattr(self, "_frozen_leaves", ()):
                mod.eval()

    def _resolved_freeze(self):
        """``freeze`` with "auto" resolved: every layer trains when the source network was
        pre-trained inside ``fit`` on the same inputs, only the head for a given model."""
        if isinstance(self.freeze, str) and self.freeze == "auto":
            return "none" if self._pretrains_in_fit() else "all_but_head"
        return self.freeze

    def _plan(self, candidate):
        """``(freeze spec, unfreeze schedule)`` of a candidate of the safety net."""
        if candidate in ("head", "source"):
            return "all_but_head", None
        if candidate == "target_net":
            return "none", None
        return self._resolved_freeze(), self.unfreeze_schedule

    def _active_plan(self):
        return getattr(self, "_plan_in_use", None) or self._plan("finetune")

    def _schedule_spec(self, epoch):
        spec, sched = self._active_plan()
        if sched:
            due = [e for e in sched if e <= epoch]
            if due:
                spec = sched[max(due)]
        return spec

    def _body_frozen_throughout(self):
        backbone = self.module_.backbone
        spec, sched = self._active_plan()
        specs = [spec] + list((sched or {}).values())
        n_head = sum(1 for n, _ in backbone.named_parameters() if _under(n, self.head_))
        return all(len(self._trainable(backbone, self.head_, s)) == n_head for s in specs)

    # ------------------------------------------------------------------ skorch hooks
    def initialize_module(self):
        staged = getattr(self, "_staged_source", None)
        if not staged:
            if getattr(self, "module_", None) is not None:
                return self  # re-initialisation of a fitted net keeps its network
            raise NotInitializedError(
                f"{type(self).__name__} builds its network from the data: call fit(X, y)."
            )
        backbone = staged[0]
        head = find_head(backbone, self.head)
        out_name = _output_layer(backbone, head)
        old = backbone.get_submodule(out_name)
        # the new head's initialisation depends on random_state only (not on how the
        # source model was obtained)
        with torch.random.fork_rng(devices=self._fork_devices()):
            torch.manual_seed(getattr(self, "seed_", 0) + 2)
            new = nn.Linear(old.in_features, self.n_outputs_, bias=old.bias is not None)
        rows = self._source_head_rows()
        if rows is not None:  # same classes as the source task: start from its classifier
            with torch.no_grad():
                new.weight.copy_(old.weight[rows])
                if new.bias is not None:
                    new.bias.copy_(old.bias[rows])
        self.head_from_source_ = rows is not None
        _set_submodule(backbone, out_name, new)
        self.head_ = head
        self.output_layer_ = out_name
        self.module_ = DomainAdaptationNet(backbone, feature_layer=head).to(self.device)
        self._apply_freeze(self._schedule_spec(0))
        self._l2sp_ref = (
            {n: p.detach().clone() for n, p in backbone.named_parameters() if not _under(n, head)}
            if self.l2sp_alpha
            else {}
        )
        return self

    def _source_head_rows(self):
        """Rows of the source output layer for the target classes, when all are known.

        Only for a source network pre-trained inside ``fit`` (whose classes are known)
        and a classifier whose target classes are all source classes.
        """
        source_classes = getattr(self, "source_classes_", None)
        if not self._is_classifier or source_classes is None or not self._pretrains_in_fit():
            return None
        rows = np.searchsorted(source_classes, self.classes_)
        rows = np.clip(rows, 0, len(source_classes) - 1)
        if not np.array_equal(source_classes[rows], self.classes_):
            return None
        return torch.as_tensor(rows)

    def initialize_criterion(self):
        self.criterion_ = self._make_criterion()
        return self

    def initialize_optimizer(self, triggered_directly=None):
        named = list(self.module_.named_parameters())
        _, kwargs = self.get_params_for_optimizer("optimizer", named)
        lr = kwargs.pop("lr", self.lr)
        prefix = "backbone." + self.head_
        head = [p for n, p in named if _under(n, prefix)]
        body = [p for n, p in named if not _under(n, prefix)]
        groups = [{"params": head, "lr": lr}]
        if body:
            mult = self.backbone_lr_multiplier
            if isinstance(mult, str):  # "auto"
                mult = 1.0 if self._pretrains_in_fit() else 0.1
            groups.append({"params": body, "lr": lr * float(mult)})
        self.optimizer_ = self.optimizer(groups, lr=lr, **kwargs)
        return self

    # ------------------------------------------------------------------ training
    def fit(self, X, y=None, sample_domain=None, **fit_params):
        """Get the source model, replace its head, freeze, fine-tune on labelled target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Source and target rows stacked.
        y : array-like of shape (n_samples,)
            Labels; unknown target labels masked (``-1`` / ``NaN``).
        sample_domain : array-like of shape (n_samples,), default=None
            ``> 0`` source, ``< 0`` target. Labelled rows with a negative domain are the
            fine-tuning set; labelled source rows pre-train the default backbone when
            ``source_model=None``. Without ``sample_domain`` and without masked labels
            every row serves both stages (a plain supervised learner).
        **fit_params : dict
            None are supported; passing one (e.g. ``sample_weight``) raises a TypeError.

        Returns
        -------
        self : object
        """
        self._refuse_fit_params(fit_params)
        check_device(self, self.device)
        self._check_params()
        X, y, source, target = self._validate_fit_ft(X, y, sample_domain)
        # the safety net needs labelled target rows distinct from the source rows
        transfer = len(target) > 0 and len(source) > 0 and not np.array_equal(source, target)
        if not len(target):
            if not len(source):
                raise ValueError(f"{type(self).__name__} found no labelled row to train on.")
            warnings.warn(
                f"{type(self).__name__}: no labelled target row (sample_domain < 0 with an "
                "unmasked label), so the new head is trained on the labelled source rows "
                "(source-only transfer). Mark a few labelled target rows to fine-tune.",
                UserWarning,
                stacklevel=2,
            )
            target = source
        enc, y_t = self._encode(y, target)
        self.seed_ = self._seed()
        with torch.random.fork_rng(devices=self._fork_devices()):
            torch.manual_seed(self.seed_)
            if not self.warm_start or not self.initialized_:
                if self._is_classifier:
                    self.label_encoder_ = enc
                    self.classes_ = enc.classes_
                    self.n_outputs_ = len(self.classes_)
                else:
                    self.n_outputs_ = 1 if y_t.ndim == 1 else y_t.shape[1]
                source_net = self._source_module(X, y, source)
                self._select(source_net, X[target], y_t, transfer)
                self._fit_network(source_net, X[target], y_t, self._main_network())
            else:
                if self._is_classifier:
                    y_t = self.label_encoder_.transform(y[target]).astype(np.int64)
                self.partial_fit(X[target], y_t, _routing_method="fit")
        return self

    # ------------------------------------------------------------------ safety net
    def _fit_network(self, source_net, X, y, candidate):
        """Replace the head of a copy of ``source_net`` and fine-tune it on ``X, y``."""
        self._plan_in_use = self._plan(candidate)
        # a tuple: skorch refuses nn.Module attributes set outside initialize_*
        net = copy.deepcopy(source_net)
        if candidate == "target_net":  # the same network from scratch, on the target rows
            reinitialise(net, self.seed_ + 3)
        self._staged_source = (net,)
        try:
            self.initialize()
        finally:
            self._staged_source = None
        self.n_train_steps_ = 0
        if candidate == "source":  # the source classifier as it is: nothing to train
            return
        self.partial_fit(X, y, _routing_method="fit")

    def _candidates(self):
        names = ["finetune"]
        if self._source_head_rows() is not None:
            names.append("source")
        spec, sched = self._plan("finetune")
        if sched or not (isinstance(spec, str) and spec == "all_but_head"):
            names.append("head")
        if self._pretrains_in_fit():  # an architecture known to train from scratch
            names.append("target_net")
        return [*names, "target_only"]

    def _candidate_output(self, candidate, source_net, X, y, X_eval):
        """Probabilities (predictions for regression) on ``X_eval`` of ``candidate``
        trained on ``X, y`` (see :mod:`._finetune_selection`)."""
        if candidate == "target_only":
            model = linear_candidate(self._is_classifier).fit(self._linear_inputs(X), y)
            return candidate_output(model, self._linear_inputs(X_eval), self._is_classifier)
        self._fit_network(source_net, X, y, candidate)
        out = self._network_output(X_eval, -np.ones(len(X_eval), dtype=np.int64))
        return network_output(out, self._is_classifier)

    def _select(self, source_net, X, y, transfer):
        """Choose what ``predict`` uses on an inner validation of the target rows."""
        names = self._candidates()
        self.selected_ = names[0]
        self.validation_scores_ = None
        self.target_only_estimator_ = None
        self.ensemble_ = None
        self._members = {}
        if not (self.safety_net and transfer):
            return
        clf = self._is_classifier
        splits = inner_splits(y, clf, self.seed_)
        self.selected_ = ENSEMBLE  # the choice when the inner validation cannot tell
        if splits is not None:
            oof = out_of_fold(
                lambda name, tr, ev: self._candidate_output(name, source_net, X[tr], y[tr], X[ev]),
                names,
                splits,
                len(y),
            )
            oof[ENSEMBLE] = np.mean([oof[name] for name in names], axis=0)
            self.validation_scores_ = validation_summary(oof, y, clf)
            rows = {name: row_scores(out, y, clf) for name, out in oof.items()}
            self.selected_ = keep_unless_clearly_beaten(rows, ENSEMBLE, z=SWITCH_Z)
        members = names if self.selected_ == ENSEMBLE else [self.selected_]
        if "target_only" in members:
            self.target_only_estimator_ = linear_candidate(clf).fit(self._linear_inputs(X), y)
        if self.selected_ == ENSEMBLE:
            self.ensemble_ = list(names)
            for name in names:  # the main network (module_) is fitted last, by fit
                if name not in ("target_only", self._main_network()):
                    self._fit_network(source_net, X, y, name)
                    self._members[name] = self.module_

    def _main_network(self):
        """The candidate trained as ``module_`` by ``fit``."""
        sel = self.selected_
        return "finetune" if sel in ("target_only", ENSEMBLE) else sel

    def _linear_inputs(self, X_scaled):
        """The caller's inputs (before the network's scaling), flat: the linear baseline
        sees the features as the user gave them."""
        mean, scale = getattr(self, "input_mean_", None), getattr(self, "input_scale_", None)
        return flat(X_scaled if mean is None else X_scaled * scale + mean)

    def _output(self, X, sample_domain=None):
        """Network outputs, or those of the linear model / the ensemble chosen by the
        safety net (log of the mean probabilities: softmax gives them back)."""
        sel = getattr(self, "selected_", None)
        if sel not in ("target_only", ENSEMBLE):
            return super()._output(X, sample_domain)
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X, sd = super()._validate_X(X, sample_domain, reset=False)  # not scaled
        clf = self._is_classifier
        outs = []
        for name in self.ensemble_ if sel == ENSEMBLE else ["target_only"]:
            if name == "target_only":
                outs.append(candidate_output(self.target_only_estimator_, flat(X), clf))
                continue
            main = self.module_
            self.module_ = self._members.get(name, main)
            try:
                outs.append(network_output(self._network_output(self._scale_inputs(X), sd), clf))
            finally:
                self.module_ = main
        return ensemble_output(outs, clf)

    def partial_fit(self, X, y=None, classes=None, sample_domain=None, **fit_params):
        """Fine-tune further on the labelled target rows (the first call is ``fit``).

        Parameters
        ----------
        X, y, sample_domain
            As in :meth:`fit`.
        classes : ignored
        **fit_params : dict
            Ignored.

        Returns
        -------
        self : object
        """
        if fit_params.pop("_routing_method", None) != "fit":  # called by the user
            if not (self.initialized_ and self.__sklearn_is_fitted__()):
                return self.fit(X, y, sample_domain=sample_domain)
            X, y_all, sd = self._validate_continue(X, y, sample_domain)
            labelled = self._labelled(torch.as_tensor(y_all)).numpy()
            rows = np.flatnonzero(labelled & (sd < 0))
            if not len(rows):
                rows = np.flatnonzero(labelled)
            X, y = X[rows], y_all[rows]
        if not self.initialized_:
            self.initialize()
        self.notify("on_train_begin", X=X, y=y)
        try:
            self.fit_loop(X, y)
        except KeyboardInterrupt:
            pass
        self.notify("on_train_end", X=X, y=y)
        return self

    def _cached_features(self, X):
        key = (_body_fingerprint(self.module_.backbone, self.head_), _array_fingerprint(X))
        feats = _FEATURE_CACHE.get(key)
        if feats is None:
            feats = head_inputs(
                self.module_.backbone, self.head_, X, self.device, max(int(self.batch_size), 256)
            ).numpy()
            _FEATURE_CACHE.put(key, feats)
        return torch.from_numpy(feats)

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """Fine-tune for ``epochs`` (``max_epochs``) passes over the labelled target rows."""
        self.check_training_readiness()
        epochs = self.max_epochs if epochs is None else epochs
        use_cache = self.cache_features is not False and self._body_frozen_throughout()
        if self.cache_features is True and not use_cache:
            raise ValueError(
                "cache_features=True needs a frozen body (freeze='all_but_head' "
                "and no unfreeze_schedule)."
            )
        self.used_feature_cache_ = use_cache
        feats = self._cached_features(X) if use_cache else None
        generator = torch.Generator().manual_seed(self.seed_)
        rows = np.arange(len(X))
        batches = DomainBalancedBatches(rows, rows[:0], self.batch_size, generator, X=X)
        yt = torch.as_tensor(y)
        for _ in range(epochs):
            epoch = len(self.history)
            if self._active_plan()[1]:
                self._apply_freeze(self._schedule_spec(epoch))
            self.notify("on_epoch_begin", dataset_train=None, dataset_valid=None)
            self.history.record(
                "n_trainable_params",
                sum(p.numel() for p in self.module_.parameters() if p.requires_grad),
            )
            count = 0
            for b, _t in batches:
                self.notify("on_batch_begin", batch=(b, _t), training=True)
                step = self._ft_step(X, feats, yt, b)
                self.history.record_batch("train_loss", step["loss"].item())
                self.history.record_batch("train_l2sp_loss", step["l2sp_loss"])
                self.history.record_batch("train_batch_size", len(b))
                self.notify("on_batch_end", batch=(b, _t), training=True, **step)
                self.n_train_steps_ += 1
                count += 1
            self.history.record("train_batch_count", count)
            self.notify("on_epoch_end", dataset_train=None, dataset_valid=None)
        return self

    def _l2sp(self):
        backbone = self.module_.backbone
        reg = None
        alpha, beta = float(self.l2sp_alpha), float(self.l2sp_beta)
        for name, p in backbone.named_parameters():
            if not p.requires_grad:
                continue
            if _under(name, self.head_):
                term = beta / 2 * p.pow(2).sum() if beta else None
            else:
                ref = self._l2sp_ref.get(name)
                term = alpha / 2 * (p - ref).pow(2).sum() if alpha and ref is not None else None
            if term is not None:
                reg = term if reg is None else reg + term
        return reg

    def _ft_step(self, X, feats, yt, rows):
        self._set_training(True)
        self.optimizer_.zero_grad()
        yb = yt[torch.as_tensor(rows)].to(self.device)
        if feats is not None:
            xb = feats[torch.as_tensor(rows)].to(self.device)
            out = self.module_.backbone.get_submodule(self.head_)(xb)
        else:
            out = self.module_(to_tensor_batch(X, rows, self.device))
        loss = self._loss(self.criterion_, out, yb)
        reg = self._l2sp()
        l2sp = 0.0
        if reg is not None:
            loss = loss + reg
            l2sp = float(reg.detach())
        loss.backward()
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=(rows, rows[:0]),
            training=True,
        )
        self.optimizer_.step()
        return {"loss": loss.detach(), "y_pred": out.detach(), "l2sp_loss": l2sp}

    def _features_rows(self, xb, sample_domain):
        return self.module_(xb, return_features=True)[1]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_staged_source", None)
        return state


class FineTuneClassifier(_FineTuneMixin, DeepDAClassifier):
    """Fine-tune a source network on the labelled target rows (model-based transfer).

    The source network is taken as given (``source_model``) or, with
    ``source_model=None``, the default backbone (:class:`~skxfer.deep.MLP` for flat
    features, :class:`~skxfer.deep.LeNet` for images) is pre-trained inside ``fit`` on
    the labelled source rows for ``pretrain_epochs`` epochs, so "train on source,
    fine-tune on a few target labels" is one estimator that ``GridSearchCV`` can tune.
    Its output layer is then replaced by a new ``nn.Linear`` sized to the target classes
    (initialised from the source classifier's rows when every target class is a source
    class of the pre-training), the body is frozen as ``freeze`` says, and the network is
    trained for ``max_epochs`` on the labelled target rows (``sample_domain < 0`` and an
    unmasked label).

    **Safety net** (``safety_net=True``): the candidates are the fine-tuned network
    (``"finetune"``), the source classifier as it is (``"source"``, when the target
    classes are classes of the source pre-training), a head trained on the frozen source
    features (``"head"``, when ``freeze`` trains more than the head), the same network
    trained from scratch on the labelled target rows (``"target_net"``, when the network
    is pre-trained inside ``fit``), a ``LogisticRegression`` (``Ridge`` for regression) on
    the labelled target rows alone, on the inputs as given (``"target_only"``), and the
    mean of all their probabilities (predictions for regression; ``"ensemble"``). The
    ensemble is the default: when every target class has at least two labelled rows, an
    inner stratified cross-validation (at most 3 folds) of the labelled target rows gives
    each candidate's out-of-fold outputs, and the candidate with the best out-of-fold
    accuracy (squared error for regression) replaces the ensemble only if it beats it by
    more than two standard errors of the paired per-row differences. With a single
    labelled row in some class nothing can be validated, and the ensemble is kept
    (``validation_scores_ = None``). The choice is ``selected_``; this rule was chosen on
    the tasks of ``benchmarks/bench_finetune.py --suite defaults`` (not a held-out result).
    Each network candidate is trained once per inner fold, and the ensemble's members
    once more on every labelled target row.

    Without ``sample_domain`` and without masked labels every row is used for
    both stages (a plain classifier: this is what sklearn's checks exercise).

    When the whole body is frozen (``freeze="all_but_head"`` and no
    ``unfreeze_schedule``), the head's inputs are computed once and only the head is
    trained on them; they are cached process-wide (bounded) by a hash of the body's
    weights and of the rows, so grid-search candidates sharing a backbone reuse them.

    Parameters
    ----------
    source_model : None, nn.Module (instance or class), state dict, path, str or estimator
        ``None`` (or a module class, built with ``module__*`` parameters): pre-trained on
        the source rows inside ``fit``. A module instance is deep-copied, never trained
        in place. A state dict (or a path to one, or to a checkpoint holding one under
        ``"state_dict"`` / ``"model_state_dict"``) is loaded with
        ``torch.load(weights_only=True)`` into ``architecture``. A string that is not a
        file path names a torchvision model (``"resnet18"``, ``"torchvision:resnet18"``;
        needs torchvision). A fitted skxfer deep estimator gives its network (but
        ``clone`` and ``GridSearchCV`` clone a nested estimator *unfitted*: pass its
        ``module_.backbone`` there).
    head : str, default=None
        Submodule holding the output layer; ``None``: the last ``nn.Linear``. The output
        ``nn.Linear`` (``head`` itself or its last ``nn.Linear``) is replaced; the whole
        ``head`` module stays trainable.
    freeze : "auto", "all_but_head", "none", None, int or list of str, default="auto"
        What is frozen. ``"auto"``: nothing when the source network is pre-trained inside
        ``fit`` (``source_model`` None or a class), everything but the head for a given
        network. Otherwise: everything but the head; nothing; an int ``n``: all but the last
        ``n`` blocks (top-level children with parameters) and the head; or a list of
        parameter-name prefixes to freeze (``["conv", "features.0"]``). Frozen layers run
        in eval mode while training (BatchNorm keeps the source statistics).
    unfreeze_schedule : dict, default=None
        Gradual unfreezing ``{epoch: n_blocks}`` (0-based epochs; ``"all"`` unfreezes
        everything): from that epoch on, the last ``n_blocks`` blocks are trainable.
    backbone_lr_multiplier : float or "auto", default="auto"
        Learning rate of the body relative to ``lr`` (the head trains at ``lr``).
        ``"auto"``: 1.0 for a network pre-trained inside ``fit``, 0.1 for a given one.
    l2sp_alpha, l2sp_beta : float, default=0.0
        L2-SP regularisation (Li et al. 2018): ``alpha / 2 * ||w - w_source||^2`` on the
        trainable body weights, ``beta / 2 * ||w_head||^2`` on the head.
    pretrain_epochs : int, default=10
        Epochs of source pre-training when ``source_model`` is ``None`` or a class.
    standardize : {"auto", True, False}, default="auto"
        Centre and scale the inputs inside the estimator (per feature for flat rows, one
        mean and scale for images; statistics of the rows passed to ``fit``, each domain
        weighing the same, and no scale below the median scale of the features, so that
        a feature nearly constant on the source is not blown up on the target).
        ``"auto"``: only when the network is pre-trained inside ``fit`` (a given
        network gets its inputs as they are).
    safety_net : bool, default=True
        Choose between the fine-tuned network, the no-transfer baselines and their
        ensemble on an inner validation of the labelled target rows (see above).
        ``False``: the fine-tuned network.
    cache_features : {"auto", True, False}, default="auto"
        Train the head on cached body features when the body is frozen.
    architecture : nn.Module instance or class, default=None
        Network into which a state dict is loaded (default: the default backbone).
    weights : str, default=None
        torchvision weights to download (e.g. ``"DEFAULT"``); ``None``: none.
    criterion, optimizer, lr, max_epochs, batch_size, callbacks : skorch parameters
        As in :class:`~skxfer.deep.DeepDAClassifier` (cross-entropy and Adam by default;
        ``max_epochs``, default 100, counts fine-tuning epochs over the labelled target
        rows: a few labelled rows make short epochs).
    train_split, warm_start, verbose, device : skorch parameters
        skorch parameters (cross-entropy and Adam by default; ``max_epochs`` counts
        fine-tuning epochs).
    random_state : int, RandomState or None, default=None
        Seeds pre-training, the new head and batch order locally.
    **kwargs : dict
        Other skorch parameters (``module__hidden_units``, ``optimizer__weight_decay``).

    Attributes
    ----------
    classes_ : ndarray
        Target classes (the new head's outputs).
    source_classes_ : ndarray
        Classes of the source pre-training (``source_model=None`` only).
    module_ : DomainAdaptationNet
        ``module_.backbone`` is the fine-tuned network.
    head_, output_layer_ : str
        Name of the head and of the replaced ``nn.Linear``.
    trainable_params_ : list of str
        Parameters trainable at the end of training.
    used_feature_cache_ : bool
    history_ : skorch.History
        Per epoch ``train_loss``, ``train_l2sp_loss``, ``n_trainable_params``, ``dur``.
    pretrain_history_ : list of dict
        Source pre-training losses.
    selected_ : {"ensemble", "finetune", "source", "head", "target_net", "target_only"}
        What ``predict`` uses (see the safety net); ``"finetune"`` without it.
    validation_scores_ : dict or None
        Out-of-fold accuracy (R² for regression) of each candidate on the inner
        validation; ``None`` when the safety net is off or the labelled target rows are
        too few.
    ensemble_ : list of str or None
        The candidates averaged when ``selected_ == "ensemble"``.
    target_only_estimator_ : estimator or None
        The linear model on the labelled target rows (``"target_only"`` or a member of
        the ensemble).
    input_mean_, input_scale_ : ndarray or None
        Standardisation of the inputs (``None``: off).
    head_from_source_ : bool
        Whether the new head started from the source classifier's rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.deep import FineTuneClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> y_semi = y.copy()
    >>> y_semi[60:66] = [0, 1, 0, 1, 0, 1]  # six labelled target rows
    >>> clf = FineTuneClassifier(max_epochs=3, pretrain_epochs=3, random_state=0)
    >>> clf.fit(X, y_semi, sample_domain=sd).predict(X[70:]).shape
    (40,)
    """

    # the default MLP pre-trained inside fit uses dropout: fine-tuned on a few target rows
    # it overfits less (flat MNIST-USPS, benchmarks/bench_finetune.py)
    _default_mlp_params = {"dropout": 0.5}


class FineTuneRegressor(_FineTuneMixin, DeepDARegressor):
    """Fine-tune a source network on the labelled target rows (regression).

    See :class:`FineTuneClassifier`; the new head has one output per target and the
    loss is the mean squared error. Unknown target values are ``NaN``.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.deep import FineTuneRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(60, 3)
    >>> y = X[:, 0].copy()
    >>> sd = np.r_[np.ones(40, dtype=int), -np.ones(20, dtype=int)]
    >>> y[50:] = np.nan
    >>> reg = FineTuneRegressor(max_epochs=2, pretrain_epochs=2, random_state=0)
    >>> reg.fit(X, y, sample_domain=sd).predict(X[50:]).shape
    (10,)
    """


# BaseDeepDA is the shared skorch base; keep the import visible to linters
_ = BaseDeepDA
