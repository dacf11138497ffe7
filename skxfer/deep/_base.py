"""The skorch base of every deep DA estimator: data contract, seeding, balanced batches."""

import copy
import numbers

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.validation import column_or_1d
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog
from skorch.exceptions import NotInitializedError
from torch.nn import functional as F

from .._domains import (
    check_classes,
    check_domains_agree,
    check_sample_domain,
    domain_balanced_weights,
    infer_sample_domain,
    is_masked,
    score_known_labels,
    validate_da_data,
)
from ..base import DATags, DomainAwareMixin
from ._criteria import Criterion, get_criterion
from ._data import DomainBatchesMixin, DomainDataset, check_device, to_tensor_batch
from ._modules import DomainAdaptationNet, build_backbone
from ._schedules import AlignmentSchedule, resolve_schedule

__all__ = [
    "label_loss",
    "BaseAlignmentDA",
    "BaseDeepDA",
    "DeepClassifierMixin",
    "DeepDAClassifier",
    "DeepDARegressor",
    "DeepRegressorMixin",
]

_NO_ALIGNMENT = ("none", "source_only")


def label_loss(criterion, out, y, *, regression):
    """``criterion`` of the outputs and labels (regression: both as ``(n, n_outputs)``)."""
    if not regression:
        return criterion(out, y)
    n = len(y)
    return criterion(out.reshape(n, -1), y.reshape(n, -1))


class BaseDeepDA(DomainAwareMixin, DomainBatchesMixin, NeuralNet):
    """skorch base shared by the deep DA and the fine-tuning estimators (not used directly).

    It owns what every deep estimator of skxfer does the same way: the data contract
    (validation, masks, label encoding), seeding (``random_state`` seeds the weights and
    the batches locally), the domain-balanced batches, the label loss on the labelled
    rows and inference with per-domain batch-normalisation statistics. Its parameters
    are skorch's plus ``random_state``; each family adds its own (the alignment family
    :class:`DeepDAClassifier`, :class:`~skxfer.deep.ADDAClassifier`,
    :class:`~skxfer.deep.FineTuneClassifier`). Subclasses set ``_is_classifier`` and
    ``_da_tags``.
    """

    #: constructor parameters of the default MLP (flat inputs) unless ``module__*`` says
    _default_mlp_params = {}
    _is_classifier = True
    _da_tags = DATags(
        family="alignment", kind="estimator", requires_target=True, uses_target_labels=True
    )
    prefixes_ = list(NeuralNet.prefixes_)

    def __init__(self, module=None, *, random_state=None, **kwargs):
        # each family lists skorch's parameters with skxfer's defaults in its own
        # signature (sklearn's convention: every parameter explicit)
        self.random_state = random_state
        super().__init__(module=module, **kwargs)

    # ------------------------------------------------------------------ sklearn glue
    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_outputs_") and getattr(self, "module_", None) is not None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.allow_nan = False
        return tags

    #: parameters of the estimator itself, not skorch's (skorch validates the rest)
    _own_params = frozenset({"random_state"})

    def _validate_params(self):
        # skorch validates set_params names against its prefixes; ours are explicit
        self._params_to_validate = set(self._params_to_validate) - self._own_params
        super()._validate_params()

    def get_metadata_routing(self):
        # a plain consumer (requests sample_domain), not skorch's router
        return self._get_metadata_request()

    # ------------------------------------------------------------------ validation
    def _validate_X(self, X, sample_domain, reset):
        X, _, sd = validate_da_data(
            self, X, None, sample_domain, reset=reset, allow_nd=True, dtype=np.float32
        )
        return X, sd

    def _validate_fit(self, X, y, sample_domain):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "pass the source labels, with target rows "
                "masked as -1 (classification) or NaN (regression)."
            )
        y = np.asarray(y)
        if self._is_classifier or y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            if not (not self._is_classifier and y.ndim == 2 and y.shape[1] > 1):
                y = column_or_1d(y, warn=True)
        X, y, sd = validate_da_data(
            self,
            X,
            y,
            sample_domain,
            reset=True,
            allow_nd=True,
            dtype=np.float32,
            require_labelled_source=True,
        )
        self.input_shape_ = tuple(X.shape[1:])
        if self._is_classifier:
            masked = is_masked(y, regression=False)
            check_classes(self, y[~masked])
            self.label_encoder_ = LabelEncoder().fit(y[~masked])
            self.classes_ = self.label_encoder_.classes_
            y_enc = np.full(len(y), -1, dtype=np.int64)
            y_enc[~masked] = self.label_encoder_.transform(y[~masked])
            self.n_outputs_ = len(self.classes_)
            return X, y_enc, sd
        y = np.asarray(y, dtype=np.float32)
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        return X, y, sd

    def _validate_continue(self, X, y, sample_domain):
        """Validate a further training call (``partial_fit``) against the fitted net."""
        if y is None:
            raise ValueError(f"{type(self).__name__}.partial_fit requires y.")
        X, _, _ = validate_da_data(
            self, X, None, None, reset=False, allow_nd=True, dtype=np.float32
        )
        y = np.asarray(y)
        if self._is_classifier:
            y = column_or_1d(y, warn=True)
        regression = not self._is_classifier
        if sample_domain is None:
            sd = infer_sample_domain(y, regression=regression)
        else:
            sd = check_sample_domain(sample_domain, X.shape[0])
            y = check_domains_agree(self, y, sd, regression=regression)
        masked = is_masked(y, regression=regression)
        if not self._is_classifier:
            return X, np.asarray(y, dtype=np.float32), sd
        y_enc = np.full(len(y), -1, dtype=np.int64)
        y_enc[~masked] = self.label_encoder_.transform(y[~masked])
        return X, y_enc, sd

    def _seed(self):
        rs = self.random_state
        if isinstance(rs, numbers.Integral):
            return int(rs)
        return int(check_random_state(rs).randint(np.iinfo(np.int32).max))

    def _fork_devices(self):
        return None if str(self.device).startswith("cuda") else []

    def _make_criterion(self):
        """The label loss: ``criterion``, else cross-entropy or the mean squared error."""
        crit = self.criterion
        if crit is None:
            crit = torch.nn.CrossEntropyLoss if self._is_classifier else torch.nn.MSELoss
        return self.initialized_instance(crit, self.get_params_for("criterion"))

    def initialize_criterion(self):
        self.criterion_ = self._make_criterion()
        return self

    # ------------------------------------------------------------------ training
    def _refuse_fit_params(self, fit_params):
        unsupported = sorted(
            k for k, v in fit_params.items() if k != "_routing_method" and v is not None
        )
        if unsupported:
            raise TypeError(
                f"{type(self).__name__}.fit got unsupported argument(s) {unsupported}: the "
                "deep estimators take X, y and sample_domain only. To weight rows (e.g. "
                "sample_weight), use skxfer.InstanceReweighter around a shallow estimator."
            )

    def partial_fit(self, X, y=None, classes=None, sample_domain=None, **fit_params):
        """Continue training for ``max_epochs`` on ``X, y`` (the first call is ``fit``).

        Parameters
        ----------
        X, y, sample_domain
            As in :meth:`fit`; the domains are inferred from the mask of ``y`` when
            ``sample_domain`` is ``None``.
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
            X, y, sample_domain = self._validate_continue(X, y, sample_domain)
        # skorch's partial_fit, fit_loop and run_single_epoch train on the rows; the
        # batches come from get_iterator (domain-balanced), the steps from train_step
        if sample_domain is None:  # the rows of a single domain (fine-tuning)
            sample_domain = np.ones(len(X), dtype=np.int64)
        return super().partial_fit(DomainDataset(X, y, sample_domain), _routing_method="fit")

    def _batch_seed(self):
        return self.seed_

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        super().on_batch_end(net, batch=batch, training=training, **kwargs)
        if training:
            self.n_train_steps_ += 1

    def _labelled(self, yb):
        if self._is_classifier:
            return yb >= 0
        return ~torch.isnan(yb.reshape(len(yb), -1)).any(1)

    def _label_loss(self, out, yb, is_source=None):
        keep = self._labelled(yb)
        if not bool(keep.any()):
            return out.sum() * 0.0
        regression = not self._is_classifier
        weights = getattr(self, "label_loss_weights_", None)
        if weights is None or is_source is None:
            return label_loss(self.criterion_, out[keep], yb[keep], regression=regression)
        # the sum of each side's labelled rows times that side's per-row weight (the
        # criterion's mean times the number of rows: any mean-reducing criterion works)
        loss = out.sum() * 0.0
        for side, rows in (("source", keep & is_source), ("target", keep & ~is_source)):
            n = int(rows.sum())
            if n:
                part = label_loss(self.criterion_, out[rows], yb[rows], regression=regression)
                loss = loss + weights[side] * n * part
        return loss

    # ------------------------------------------------------------------ inference
    def _by_domain(self, fn, xb, sample_domain):
        """``fn(rows)`` with each domain's batch-normalisation statistics (eval mode)."""
        stats = self.module_.domain_statistics
        if not stats:
            return fn(xb)
        is_source = torch.as_tensor(np.asarray(sample_domain) > 0, device=xb.device)
        out = None
        for domain, mask in (("source", is_source), ("target", ~is_source)):
            if not bool(mask.any()):
                continue
            key = domain if domain in stats else next(iter(stats))
            with self.module_.use_domain_statistics(key, update=False):
                part = fn(xb[mask])
            if out is None:
                out = part.new_empty((len(xb), *part.shape[1:]))
            out[mask] = part
        return out

    def _forward_rows(self, xb, sample_domain):
        return self._by_domain(self.module_, xb, sample_domain)

    def _output(self, X, sample_domain=None):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X, sd = self._validate_X(X, sample_domain, reset=False)
        return self._network_output(X, sd)

    def _network_output(self, X, sd):
        """Network outputs of validated rows ``X`` (numpy, float32), in batches."""
        self._set_training(False)
        size = max(int(self.batch_size), 256)
        outs = []
        with torch.no_grad():
            for start in range(0, X.shape[0], size):
                rows = np.arange(start, min(start + size, X.shape[0]))
                xb = to_tensor_batch(X, rows, self.device)
                outs.append(self._forward_rows(xb, sd[rows]).float().cpu())
        if not outs:
            return np.empty((0, self.n_outputs_), dtype=np.float32)
        return torch.cat(outs).numpy()

    def extract_features(self, X, sample_domain=None):
        """Feature vectors of the rows (the layer that DA aligns).

        Parameters
        ----------
        X : array-like
        sample_domain : array-like, default=None
            Every row is target when ``None``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X, sd = self._validate_X(X, sample_domain, reset=False)
        self._set_training(False)
        outs = []
        with torch.no_grad():
            for start in range(0, X.shape[0], 256):
                rows = np.arange(start, min(start + 256, X.shape[0]))
                xb = to_tensor_batch(X, rows, self.device)
                outs.append(self._features_rows(xb, sd[rows]).float().cpu())
        return torch.cat(outs).numpy()

    def _features_rows(self, xb, sample_domain):
        return self._by_domain(
            lambda rows: self.module_(rows, return_features=True)[1], xb, sample_domain
        )

    def score(self, X, y, sample_weight=None, sample_domain=None):
        """Accuracy (classifier) or R² (regressor) on the rows whose label is known.

        Parameters
        ----------
        X : array-like
        y : array-like of shape (n_samples,)
            Masked rows (``-1`` / ``NaN``) are ignored.
        sample_weight : array-like, default=None
        sample_domain : array-like, default=None
            Every row is target when ``None``. Not requested by default when metadata
            routing is on, so ``cross_validate`` scores the same in both modes.

        Returns
        -------
        score : float
        """
        return score_known_labels(
            y,
            self.predict(X, sample_domain=sample_domain),
            sample_weight,
            regression=not self._is_classifier,
        )


class DeepClassifierMixin(ClassifierMixin):
    """``predict_proba``, ``predict`` and ``score`` of the deep classifiers."""

    _is_classifier = True
    score = BaseDeepDA.score

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities; every row is target unless ``sample_domain`` says otherwise.

        Parameters
        ----------
        X : array-like
        sample_domain : array-like, default=None

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        out = torch.from_numpy(self._output(X, sample_domain)).double()
        return torch.softmax(out, dim=1).numpy()

    def predict(self, X, sample_domain=None):
        """Predicted class of each row (every row is target by default).

        Parameters
        ----------
        X : array-like
        sample_domain : array-like, default=None

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        out = self._output(X, sample_domain)  # raises NotFittedError before classes_
        return self.classes_[out.argmax(axis=1)]


class DeepRegressorMixin(RegressorMixin):
    """``predict`` and ``score`` of the deep regressors (no ``predict_proba``)."""

    _is_classifier = False
    score = BaseDeepDA.score

    @property
    def predict_proba(self):
        raise AttributeError(f"{type(self).__name__} has no predict_proba; use predict.")

    def predict(self, X, sample_domain=None):
        """Predicted values (every row is target unless ``sample_domain`` says otherwise).

        Parameters
        ----------
        X : array-like
        sample_domain : array-like, default=None

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        out = self._output(X, sample_domain).astype(np.float64)
        return out[:, 0] if self.n_outputs_ == 1 else out


class BaseAlignmentDA(BaseDeepDA):
    """The alignment family: label loss plus an alignment criterion on the features.

    Subclasses set ``_default_alignment`` (the criterion used when ``alignment=None``).
    Each training step takes a domain-balanced minibatch, computes the label loss on
    its labelled rows and adds the alignment criterion on the feature vectors of the
    source and target rows, weighted by ``alignment_weight`` times the schedule.
    """

    _default_alignment = "mmd"
    prefixes_ = [*BaseDeepDA.prefixes_, "alignment"]
    _own_params = BaseDeepDA._own_params | {
        "alignment",
        "alignment_weight",
        "alignment_schedule",
        "balance_label_loss",
        "feature_layer",
    }

    def __init__(
        self,
        module=None,
        *,
        alignment=None,
        alignment_weight=1.0,
        alignment_schedule="ganin",
        balance_label_loss=True,
        feature_layer=None,
        criterion=None,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=10,
        batch_size=64,
        callbacks=None,
        train_split=None,
        warm_start=False,
        verbose=0,
        device="cpu",
        random_state=None,
        **kwargs,
    ):
        self.alignment = alignment
        self.alignment_weight = alignment_weight
        self.alignment_schedule = alignment_schedule
        self.balance_label_loss = balance_label_loss
        self.feature_layer = feature_layer
        super().__init__(
            module=module,
            random_state=random_state,
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

    @property
    def _default_callbacks(self):
        cbs = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            (
                "train_alignment_loss",
                PassthroughScoring(name="train_alignment_loss", on_train=True),
            ),
        ]
        if self._is_classifier:
            cbs.append(
                (
                    "train_target_entropy",
                    PassthroughScoring(name="train_target_entropy", on_train=True),
                )
            )
        cbs.append(("alignment_schedule", AlignmentSchedule()))
        cbs.append(("print_log", PrintLog()))
        return cbs

    # ------------------------------------------------------------------ skorch hooks
    def _build_alignment(self):
        name = self._default_alignment if self.alignment is None else self.alignment
        if isinstance(name, str) and name in _NO_ALIGNMENT:
            return None
        params = self.get_params_for("alignment")
        crit = copy.deepcopy(name) if isinstance(name, Criterion) and not params else name
        return get_criterion(crit, **params)

    def _build_backbone(self):
        return build_backbone(
            self.module,
            self.input_shape_,
            self.n_outputs_,
            self.get_params_for("module"),
            default_mlp_params=self._default_mlp_params,
        )

    def initialize_module(self):
        if not hasattr(self, "input_shape_"):
            raise NotInitializedError(
                f"{type(self).__name__} builds its network from the data: call fit(X, y)."
            )
        net = DomainAdaptationNet(
            self._build_backbone(), self.feature_layer, self._build_alignment()
        )
        if net.alignment is not None:
            was_training = net.training
            net.eval()
            with torch.no_grad():
                _, feats = net(torch.zeros((2, *self.input_shape_)), return_features=True)
            net.train(was_training)
            net.alignment.setup(feats.shape[1], self.n_outputs_)
        self.module_ = net
        return self

    def fit(self, X, y=None, sample_domain=None, **fit_params):
        """Train on source and target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Source and target rows stacked (images as 3-d or 4-d arrays).
        y : array-like of shape (n_samples,)
            Labels; unknown target labels masked (``-1`` / ``NaN``).
        sample_domain : array-like of shape (n_samples,), default=None
            ``> 0`` source, ``< 0`` target; inferred from the mask of ``y``. Labelled
            rows with a negative domain are labelled target rows (semi-supervised DA):
            they join the label loss.
        **fit_params : dict
            None are supported; passing one (e.g. ``sample_weight``) raises a TypeError.

        Returns
        -------
        self : object
        """
        self._refuse_fit_params(fit_params)
        check_device(self, self.device)
        X, y, sd = self._validate_fit(X, y, sample_domain)
        self.seed_ = self._seed()
        with torch.random.fork_rng(devices=self._fork_devices()):
            torch.manual_seed(self.seed_)
            if not self.warm_start or not self.initialized_:
                self.initialize()
                self.n_train_steps_ = 0
            self.partial_fit(X, y, _routing_method="fit", sample_domain=sd)
        return self

    def _alignment_factor(self, progress):
        """``alignment_weight`` times the schedule's factor at ``progress`` (capped at 1)."""
        return float(self.alignment_weight) * resolve_schedule(
            self.alignment_schedule, min(progress, 1.0)
        )

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if training:  # the progress p of the schedules runs over the whole of fit
            self.n_total_steps_ = max(1, self.max_epochs * len(iterator))
            if isinstance(dataset, DomainDataset):
                self.label_loss_weights_ = self._balanced_label_weights(
                    dataset.y, dataset.sample_domain, iterator.batches
                )
        return iterator

    def _balanced_label_weights(self, y, sample_domain, batches):
        """Per-row weights of the label loss that give both sides equal total weight.

        ``None`` (the plain mean over the labelled rows of a batch) unless
        ``balance_label_loss`` is on and both the source and the target have labelled
        rows. Otherwise the labelled source rows and the labelled target rows weigh the
        same in total (:func:`~skxfer._domains.domain_balanced_weights` of their sides),
        and each row's weight is divided by the rate at which the batches draw its side
        (``batches.n_source`` of the source rows, ``batches.n_target`` of the target
        rows per step): averaged over batches, the label loss is the domain-balanced mean
        over every labelled row, however few labelled target rows a batch holds.
        """
        if not self.balance_label_loss:
            return None
        labelled = ~is_masked(y, regression=not self._is_classifier)
        side = np.where(np.asarray(sample_domain) > 0, 1, -1)
        if len(np.unique(side[labelled])) < 2:
            return None
        balanced = domain_balanced_weights(side[labelled])  # mean 1 over labelled rows
        weights = {}
        for name, value, per_batch in (
            ("source", 1, batches.n_source),
            ("target", -1, batches.n_target),
        ):
            on_side = side[labelled] == value
            draw_rate = per_batch / np.sum(side == value)
            weights[name] = float(balanced[on_side][0] / (labelled.sum() * draw_rate))
        return weights

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        super().on_batch_begin(net, batch=batch, training=training, **kwargs)
        if training:  # the callback "alignment_schedule" scales it
            self.alignment_weight_ = float(self.alignment_weight)

    def train_step_single(self, batch, **fit_params):
        """Label loss on the labelled rows plus the alignment criterion on the features."""
        self._set_training(True)
        inputs, yb = batch
        xb, is_source = inputs["X"], inputs["sample_domain"] > 0
        align = self.module_.alignment
        if align is None:  # source-only twin: unlabelled target rows are not used
            keep = is_source | self._labelled(yb)
            xb, yb, is_source = xb[keep], yb[keep], is_source[keep]
        ns, nt = int(is_source.sum()), len(xb) - int(is_source.sum())
        xb = xb.to(device=self.device, non_blocking=True)
        yb = yb.to(self.device)
        # each domain goes through the network as its own batch (source rows come first),
        # so batch normalisation uses per-domain statistics while training (a batch
        # mixing two distant domains normalises each by the other's statistics, which
        # costs the target dearly) and keeps per-domain running statistics for
        # inference (see _by_domain)
        parts = []
        for domain, part in (("source", xb[:ns]), ("target", xb[ns:])):
            if len(part):
                with self.module_.use_domain_statistics(domain):
                    parts.append(self.module_(part, return_features=True))
        out = torch.cat([o for o, _ in parts])
        feats = torch.cat([f for _, f in parts])
        loss = self._label_loss(out, yb, is_source.to(self.device))
        step = {}
        if align is not None and nt:
            weight = self.alignment_weight_
            a_loss = align(
                feats[:ns],
                feats[ns:],
                weight=weight,
                y_source=yb[:ns],
                output_source=out[:ns],
                output_target=out[ns:],
                is_classifier=self._is_classifier,
                head=self.module_.backbone.get_submodule(self.module_.feature_layer),
            )
            loss = loss + a_loss
            step["alignment_loss"] = float(a_loss.detach())
            step["alignment_weight"] = weight
        if self._is_classifier and nt:
            p = F.softmax(out[ns:].detach(), dim=1)
            step["target_entropy"] = float(-(p * p.clamp_min(1e-12).log()).sum(1).mean())
        loss.backward()
        for key in ("alignment_loss", "target_entropy"):
            if key in step:
                self.history.record_batch("train_" + key, step[key])
        if "alignment_weight" in step:
            self.history.record_batch("alignment_weight", step["alignment_weight"])
        step.update(loss=loss.detach(), y_pred=out.detach())
        return step


class DeepDAClassifier(DeepClassifierMixin, BaseAlignmentDA):
    """Deep domain-adaptation classifier with a pluggable alignment criterion.

    A feature extractor and a label head (by default an MLP for flat features and a
    LeNet-like CNN for images) are trained on the labelled rows, while ``alignment``
    pulls the feature distributions of source and target together on every
    domain-balanced minibatch. The adaptation weight is ``alignment_weight`` times a
    schedule of the training progress ``p`` (optimiser steps of this ``fit`` over the
    steps ``max_epochs`` plans): by default Ganin et al.'s ``2 / (1 + exp(-10 p)) - 1``
    rescaled to 1 at ``p = 1``, so the last step of ``fit`` uses the full
    ``alignment_weight`` whatever ``max_epochs`` is (a short grid search over
    ``alignment_weight`` compares what it says it compares).

    The source and target rows of a minibatch go through the network as two batches, so
    batch normalisation normalises each domain with its own statistics; the running
    statistics are kept per domain as well
    (:meth:`~skxfer.deep.DomainAdaptationNet.use_domain_statistics`), and ``predict``
    normalises target rows with the target's and source rows with the source's (AdaBN,
    Li et al. 2018). An estimator trained without target rows (source only) uses the
    source statistics for every row.

    Parameters
    ----------
    module : torch.nn.Module instance or class, default=None
        Backbone mapping inputs to logits; ``None`` picks :class:`~skxfer.deep.MLP`
        (2-d ``X``) or :class:`~skxfer.deep.LeNet` (images). ``module__*`` parameters
        are passed to its constructor (e.g. ``module__hidden_units=(64,)``).
    alignment : str, Criterion or None, default=None
        ``"mmd"`` (DAN), ``"coral"`` (Deep CORAL), ``"jdot"`` (DeepJDOT), ``"dann"``
        (adversarial), ``"none"`` (source only), a name from the ``skxfer.criteria``
        entry points, or a :class:`~skxfer.deep.Criterion`. ``None`` uses the class
        default (``"mmd"`` here). ``alignment__*`` parameters go to its constructor.
    alignment_weight : float, default=1.0
        Maximum adaptation weight.
    alignment_schedule : {"ganin", "linear", "constant"} or callable, default="ganin"
        Factor of ``alignment_weight`` as a function of the training progress ``p`` in
        ``(0, 1]`` (``p = 1`` at the last optimiser step of ``fit``): ``"ganin"``
        rises from 0 as ``2 / (1 + exp(-10 p)) - 1``, rescaled to reach 1 at ``p = 1``;
        ``"linear"`` is ``p``; ``"constant"`` is 1 from the first step; a callable gets
        ``p`` and returns the factor. The weight used at each step is recorded in
        ``history_`` (batch key ``"alignment_weight"``); it is set by the default
        callback ``"alignment_schedule"`` (:class:`~skxfer.deep.AlignmentSchedule`).
    balance_label_loss : bool, default=True
        With labelled target rows (semi-supervised DA), weigh the label loss so that the
        labelled target rows count as much in total as the labelled source rows, however
        few they are (each row's weight is also divided by the rate at which the
        domain-balanced batches draw its domain, so the loss averaged over batches is
        that balanced mean). The weights are in ``label_loss_weights_``. ``False``: the
        plain mean over the labelled rows of each batch, where a few labelled target
        rows among many unlabelled ones are a tiny share. Without labelled target rows
        both are the same.
    feature_layer : str, default=None
        Submodule whose *input* is the feature vector; by default ``head`` or the
        last ``nn.Linear``.
    criterion : torch loss class, default=None
        Label loss (skorch's ``criterion``): cross-entropy by default.
    optimizer : torch optimizer class, default=torch.optim.Adam
    lr : float, default=1e-3
    max_epochs : int, default=10
        One epoch is one pass over the larger domain.
    batch_size : int, default=64
        Half source rows, half target rows.
    callbacks : list of skorch callbacks, default=None
        E.g. ``ProgressBar()``, ``EarlyStopping(monitor="train_target_entropy")``,
        ``LRScheduler``, ``Checkpoint``.
    train_split : None, default=None
        Must stay ``None``: every row trains (a split raises ``ValueError``); validate
        with :class:`~skxfer.model_selection.DomainShuffleSplit` and the DA scorers.
    warm_start : bool, default=False
    verbose : int, default=0
    device : str, default="cpu"
        ``"cuda"`` trains on the GPU; batches are moved one at a time.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation and batch sampling locally (torch's global RNG is
        restored after ``fit``).
    **kwargs : dict
        Other skorch parameters (``optimizer__weight_decay``, ...).

    Attributes
    ----------
    classes_ : ndarray
    module_ : DomainAdaptationNet
        The trained network (``module_.backbone``, ``module_.alignment``, and the
        per-domain batch-normalisation statistics ``module_.domain_statistics``).
    history_ : skorch.History
        Per-epoch ``train_loss``, ``train_alignment_loss``, ``train_target_entropy``,
        ``dur``; per batch also ``alignment_weight`` (the scheduled weight).
    label_loss_weights_ : dict or None
        Weight of each labelled ``"source"`` and ``"target"`` row in the label loss of
        a batch (``balance_label_loss``); ``None`` when the loss is the plain mean.
    n_features_in_ : int

    Examples
    --------
    >>> from skxfer.deep import DeepDAClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, _ = make_contract_task()
    >>> clf = DeepDAClassifier(alignment="coral", max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[y == -1]).shape
    (50,)
    """


class DeepDARegressor(DeepRegressorMixin, BaseAlignmentDA):
    """Deep domain-adaptation regressor (see :class:`DeepDAClassifier`).

    Masked target values are ``NaN``; the label loss is the mean squared error.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.deep import DeepDARegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 3)
    >>> y = np.r_[X[:20, 0], np.full(20, np.nan)]
    >>> reg = DeepDARegressor(max_epochs=2, random_state=0).fit(X, y)
    >>> reg.predict(X[20:]).shape
    (20,)
    """
