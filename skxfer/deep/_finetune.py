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
import numbers
import warnings
from collections.abc import Mapping

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import column_or_1d
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog
from skorch.exceptions import NotInitializedError
from skorch.utils import to_tensor
from torch import nn

from .._domains import check_classes, is_masked, validate_da_data
from ..base import DATags
from ..utils._inner_validation import (
    SWITCH_Z,
    calibrate_members,
    calibrated_mean,
    inner_splits,
    keep_unless_clearly_beaten,
    out_of_fold,
    row_scores,
    temper,
)
from ._base import BaseDeepDA, DeepClassifierMixin, DeepRegressorMixin, label_loss
from ._data import DomainBatchesMixin, DomainDataset, check_device
from ._feature_cache import cached_head_inputs
from ._finetune_selection import (
    ENSEMBLE,
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
from ._heads import find_head, is_under, output_layer, set_submodule
from ._loading import load_source_model
from ._modules import DomainAdaptationNet, build_backbone

__all__ = ["FineTuneClassifier", "FineTuneRegressor"]

_FREEZE_WORDS = ("auto", "all_but_head", "none")
#: most folds of the safety net's inner validation of the labelled target rows (5, as
#: RelationTransferClassifier uses, lost DeCAF D->W k=5 to source-only and closed none of
#: the misses on ``bench_finetune.py --suite defaults``)
_INNER_FOLDS = 3
#: the safety net's members weigh the inverse of their calibrated out-of-fold log loss
#: (equal weights after temperature scaling, RelationTransferClassifier's rule, lost
#: DeCAF D->W k=5 to source-only and closed none of the misses on the same suite)
_WEIGHTED = True


def _mean_loss(batches):
    """Mean ``train_loss`` of an epoch's batches, weighted by their sizes."""
    total, count = 0.0, 0
    for b in batches:
        total += b["train_loss"] * b["train_batch_size"]
        count += b["train_batch_size"]
    return {"train_loss": total / max(count, 1)}


class _SourcePretraining(DomainBatchesMixin, NeuralNet):
    """Pre-training of the source network inside ``fit``: a plain skorch net.

    skorch's ``fit`` on the labelled source rows (a :class:`DomainDataset` of one domain),
    in domain-balanced batches seeded by ``batch_seed``, with skorch's callbacks.
    """

    def __init__(self, module, criterion, *, batch_seed=0, regression=False, **kwargs):
        self.batch_seed = batch_seed
        self.regression = regression
        super().__init__(module, criterion, train_split=None, **kwargs)

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("print_log", PrintLog()),
        ]

    def _batch_seed(self):
        return self.batch_seed

    def infer(self, x, **fit_params):
        return super().infer(x["X"], **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        return label_loss(self.criterion_, y_pred, y_true, regression=self.regression)


# --------------------------------------------------------------------------- base
class _FineTuneBase(BaseDeepDA):
    """Fine-tuning logic shared by :class:`FineTuneClassifier` and the regressor."""

    _da_tags = DATags(
        family="model",
        kind="estimator",
        requires_target=False,
        uses_target_labels=True,
        requires_target_labels=True,
    )
    _own_params = BaseDeepDA._own_params | {
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
        "standardize",
        "safety_net",
    }

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
        super().__init__(
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
            random_state=random_state,
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
        """A user's ``partial_fit``: its labelled target rows (else its labelled rows)."""
        X, y_all, sd = super()._validate_continue(X, y, sample_domain)
        labelled = self._labelled(torch.as_tensor(y_all)).numpy()
        rows = np.flatnonzero(labelled & (sd < 0))
        if not len(rows):
            rows = np.flatnonzero(labelled)
        return self._scale_inputs(X)[rows], y_all[rows], None

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
        net = build_backbone(
            self.source_model,
            self.input_shape_,
            n_out,
            self.get_params_for("module"),
            default_mlp_params=self._default_mlp_params,
        )
        pretraining = _SourcePretraining(
            net,
            self._make_criterion(),
            batch_seed=self.seed_ + 1,
            regression=not self._is_classifier,
            optimizer=self.optimizer,
            lr=self.lr,
            max_epochs=int(self.pretrain_epochs),
            batch_size=self.batch_size,
            verbose=self.verbose,
            device=self.device,
            **{f"optimizer__{k}": v for k, v in self.get_params_for("optimizer").items()},
        )
        pretraining.fit(DomainDataset(X[rows], ys, np.ones(len(rows), dtype=np.int64)))
        self.pretrain_history_ = [_mean_loss(epoch["batches"]) for epoch in pretraining.history]
        return pretraining.module_.eval()

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
            keep = {n for n in names if any(is_under(n, b) for b in chosen)}
        else:
            unknown = [p for p in spec if not any(is_under(n, p) for n in names)]
            if unknown:
                raise ValueError(
                    f"freeze prefixes {unknown} match no parameter of "
                    f"{type(backbone).__name__}; parameters: {names}."
                )
            keep = {n for n in names if not any(is_under(n, p) for p in spec)}
        keep |= {n for n in names if is_under(n, head)}
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
        n_head = sum(1 for n, _ in backbone.named_parameters() if is_under(n, self.head_))
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
        out_name = output_layer(backbone, head)
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
        set_submodule(backbone, out_name, new)
        self.head_ = head
        self.output_layer_ = out_name
        self.module_ = DomainAdaptationNet(backbone, feature_layer=head).to(self.device)
        self._apply_freeze(self._schedule_spec(0))
        self._l2sp_ref = (
            {n: p.detach().clone() for n, p in backbone.named_parameters() if not is_under(n, head)}
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

    def initialize_optimizer(self, triggered_directly=None):
        named = list(self.module_.named_parameters())
        _, kwargs = self.get_params_for_optimizer("optimizer", named)
        lr = kwargs.pop("lr", self.lr)
        prefix = "backbone." + self.head_
        head = [p for n, p in named if is_under(n, prefix)]
        body = [p for n, p in named if not is_under(n, prefix)]
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
        if self._is_classifier and np.unique(y).size < 2:
            names.remove("target_only")  # a target-only model needs two classes
        self.selected_ = names[0]
        self.validation_scores_ = None
        self.target_only_estimator_ = None
        self.ensemble_ = None
        self.ensemble_temperatures_ = self.ensemble_weights_ = None
        self._members = {}
        if not (self.safety_net and transfer):
            return
        clf = self._is_classifier
        splits = inner_splits(y, clf, self.seed_, max_folds=_INNER_FOLDS)
        self.selected_ = ENSEMBLE  # the choice when the inner validation cannot tell
        if splits is not None:
            oof = out_of_fold(
                lambda name, tr, ev: self._candidate_output(name, source_net, X[tr], y[tr], X[ev]),
                names,
                splits,
                len(y),
            )
            if clf:  # calibrated members, weighted by their out-of-fold log loss
                temps, weights = calibrate_members(oof, y, weighted=_WEIGHTED)
                self.ensemble_temperatures_, self.ensemble_weights_ = temps, weights
                oof[ENSEMBLE] = calibrated_mean(oof, temps, weights)
            else:
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
        names = self.ensemble_ if sel == ENSEMBLE else ["target_only"]
        outs = []
        for name in names:
            if name == "target_only":
                outs.append(candidate_output(self.target_only_estimator_, flat(X), clf))
            else:
                main = self.module_
                self.module_ = self._members.get(name, main)
                try:
                    out = self._network_output(self._scale_inputs(X), sd)
                finally:
                    self.module_ = main
                outs.append(network_output(out, clf))
        temps = self.ensemble_temperatures_
        if sel != ENSEMBLE or temps is None:
            return ensemble_output(outs, clf)
        outs = [temper(out, temps[name]) for name, out in zip(names, outs, strict=True)]
        return ensemble_output(outs, clf, [self.ensemble_weights_[n] for n in names])

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
        return super().partial_fit(X, y, classes, sample_domain, **fit_params)

    def _cached_features(self, X):
        return cached_head_inputs(
            self.module_.backbone, self.head_, X, self.device, max(int(self.batch_size), 256)
        )

    def get_dataset(self, X, y=None):
        dataset = super().get_dataset(X, y)
        if not isinstance(dataset, DomainDataset):
            return dataset
        use_cache = self.cache_features is not False and self._body_frozen_throughout()
        if self.cache_features is True and not use_cache:
            raise ValueError(
                "cache_features=True needs a frozen body (freeze='all_but_head' "
                "and no unfreeze_schedule)."
            )
        self.used_feature_cache_ = use_cache
        if not use_cache:
            return dataset
        features = self._cached_features(dataset.X)
        return DomainDataset(dataset.X, dataset.y, dataset.sample_domain, features=features)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        # gradual unfreezing: the body trainable at this epoch, before any callback runs
        if self._active_plan()[1]:
            self._apply_freeze(self._schedule_spec(len(self.history)))
        super().on_epoch_begin(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        self.history.record(
            "n_trainable_params",
            sum(p.numel() for p in self.module_.parameters() if p.requires_grad),
        )

    def _l2sp(self):
        backbone = self.module_.backbone
        reg = None
        alpha, beta = float(self.l2sp_alpha), float(self.l2sp_beta)
        for name, p in backbone.named_parameters():
            if not p.requires_grad:
                continue
            if is_under(name, self.head_):
                term = beta / 2 * p.pow(2).sum() if beta else None
            else:
                ref = self._l2sp_ref.get(name)
                term = alpha / 2 * (p - ref).pow(2).sum() if alpha and ref is not None else None
            if term is not None:
                reg = term if reg is None else reg + term
        return reg

    def train_step_single(self, batch, **fit_params):
        """Label loss (and L2-SP) on a batch of labelled target rows, or of their
        cached head inputs when the body is frozen."""
        self._set_training(True)
        inputs, yb = batch
        xb = inputs["X"].to(device=self.device, non_blocking=True)
        yb = yb.to(self.device)
        if self.used_feature_cache_:
            out = self.module_.backbone.get_submodule(self.head_)(xb)
        else:
            out = self.module_(xb)
        loss = label_loss(self.criterion_, out, yb, regression=not self._is_classifier)
        reg = self._l2sp()
        l2sp = 0.0
        if reg is not None:
            loss = loss + reg
            l2sp = float(reg.detach())
        loss.backward()
        self.history.record_batch("train_l2sp_loss", l2sp)
        return {"loss": loss.detach(), "y_pred": out.detach(), "l2sp_loss": l2sp}

    def _features_rows(self, xb, sample_domain):
        return self.module_(xb, return_features=True)[1]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_staged_source", None)
        return state


class FineTuneClassifier(DeepClassifierMixin, _FineTuneBase):
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
    each candidate's out-of-fold outputs; for classification each member is then
    calibrated by temperature scaling on its out-of-fold probabilities (an overconfident
    network no longer outvotes a better calibrated member; class rankings are unchanged)
    and weighs the inverse of its calibrated out-of-fold log loss
    (``ensemble_temperatures_``, ``ensemble_weights_``). The candidate with the best
    out-of-fold accuracy (squared error for regression) replaces the ensemble only if it
    beats it by more than two standard errors of the paired per-row differences. With a
    single labelled row in some class nothing can be validated, and the ensemble is the
    plain mean (``validation_scores_ = None``). The choice is ``selected_``; these rules
    were chosen on the tasks of ``benchmarks/bench_finetune.py --suite defaults`` (not a
    held-out result).
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
        As in :class:`~skxfer.deep.DeepDAClassifier` (``train_split`` must stay
        ``None``).
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
    ensemble_temperatures_, ensemble_weights_ : dict or None
        Per member of the ensemble: the temperature its probabilities are divided by (in
        log space) and its weight in the mean, both fitted on the inner validation's
        out-of-fold probabilities; ``None`` (plain mean) without an inner validation or
        for regression.
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


class FineTuneRegressor(DeepRegressorMixin, _FineTuneBase):
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
