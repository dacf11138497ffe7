"""ADDA: adversarial discriminative domain adaptation (Tzeng et al. 2017)."""

import numpy as np
import torch
from torch.nn import functional as F

from ..base import DATags
from ._base import BaseAlignmentDA, DeepClassifierMixin
from ._modules import Discriminator

__all__ = ["ADDAClassifier"]


class ADDAClassifier(DeepClassifierMixin, BaseAlignmentDA):
    """Adversarial discriminative domain adaptation (Tzeng et al. 2017).

    Two stages within one ``fit``: (1) for ``pretrain_epochs`` epochs the source
    extractor and classifier are trained on the labelled rows; (2) a separate target
    extractor, initialised from the source one, is trained adversarially against a
    domain discriminator (two optimisers, alternating steps: the discriminator learns to
    tell frozen source features from target features, then the target extractor learns
    to fool it with inverted labels). The source classifier is reused on target
    features: ``predict`` maps every target row through the target extractor.

    Parameters
    ----------
    module, feature_layer, criterion, optimizer, lr, max_epochs, batch_size, callbacks,
    train_split, warm_start, verbose, device, random_state, **kwargs
        As in :class:`~skxfer.deep.DeepDAClassifier`; ``max_epochs`` counts both stages.
    pretrain_epochs : int, default=None
        Epochs of source training; ``None`` means ``max_epochs // 2``.
    adversarial_lr : float, default=None
        Learning rate of the two adversarial Adam optimisers (``betas=(0.5, 0.999)``);
        ``None`` uses ``lr``.
    discriminator_hidden_units : tuple of int, default=(500, 500)

    Attributes
    ----------
    module_ : DomainAdaptationNet
        ``module_.backbone`` (source), ``module_.target_backbone``,
        ``module_.discriminator``.
    adapted_ : bool
        Whether the adversarial stage ran (target rows were given).
    history_ : skorch.History

    Examples
    --------
    >>> from skxfer.deep import ADDAClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, _ = make_contract_task()
    >>> clf = ADDAClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.adapted_, clf.predict(X[y == -1]).shape
    (True, (50,))
    """

    _default_alignment = "none"
    _da_tags = DATags(
        family="adversarial", kind="estimator", requires_target=True, uses_target_labels=False
    )
    _own_params = BaseAlignmentDA._own_params | {
        "pretrain_epochs",
        "adversarial_lr",
        "discriminator_hidden_units",
    }

    def __init__(
        self,
        module=None,
        *,
        pretrain_epochs=None,
        adversarial_lr=None,
        discriminator_hidden_units=(500, 500),
        **kwargs,
    ):
        self.pretrain_epochs = pretrain_epochs
        self.adversarial_lr = adversarial_lr
        self.discriminator_hidden_units = discriminator_hidden_units
        super().__init__(module=module, **kwargs)

    def initialize_module(self):
        super().initialize_module()
        net = self.module_
        net.target_backbone = self._build_backbone()
        net.target_backbone.load_state_dict(net.backbone.state_dict())
        was = net.training
        net.eval()
        with torch.no_grad():
            _, f = net(torch.zeros((2, *self.input_shape_)), return_features=True)
        net.train(was)
        net.discriminator = Discriminator(f.shape[1], self.discriminator_hidden_units)
        self.adapted_ = False
        return self

    def _n_pretrain(self):
        if self.pretrain_epochs is None:
            return self.max_epochs // 2
        return int(self.pretrain_epochs)

    def initialize_optimizer(self, *args, **kwargs):
        super().initialize_optimizer(*args, **kwargs)
        net = self.module_
        lr = self.lr if self.adversarial_lr is None else self.adversarial_lr
        self.optimizer_target_ = torch.optim.Adam(
            net.target_backbone.parameters(), lr=lr, betas=(0.5, 0.999)
        )
        self.optimizer_discriminator_ = torch.optim.Adam(
            net.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)
        )
        return self

    def get_all_learnable_params(self):
        # the source optimiser trains the source extractor and classifier only
        for name, param in self.module_.named_parameters():
            if not name.startswith(("target_backbone.", "discriminator.")):
                yield name, param

    def _start_adversarial(self):
        net = self.module_
        net.target_backbone.load_state_dict(net.backbone.state_dict())
        self.adapted_ = True

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        # the phase of the epoch: label training of the source network first, then
        # (with target rows) the adversarial training of the target extractor
        super().on_epoch_begin(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        has_target = bool(np.any(dataset_train.sample_domain < 0))
        self._adversarial_phase = has_target and len(self.history) - 1 >= self._n_pretrain()
        if self._adversarial_phase and not self.adapted_:
            self._start_adversarial()

    def train_step(self, batch, **fit_params):
        if self._adversarial_phase:
            return self._adversarial_step(batch)
        return super().train_step(batch, **fit_params)

    # the label steps train the source network with ``optimizer_`` only; the two
    # adversarial optimisers step in _adversarial_step
    def _zero_grad_optimizer(self, set_to_none=None):
        self.optimizer_.zero_grad()

    def _step_optimizer(self, step_fn):
        self.optimizer_.step(step_fn)

    def _adversarial_step(self, batch):
        net = self.module_
        net.backbone.eval()  # the source extractor is frozen
        net.target_backbone.train()
        net.discriminator.train()
        inputs, _ = batch
        ns = int((inputs["sample_domain"] > 0).sum())
        xb = inputs["X"].to(device=self.device, non_blocking=True)
        xs, xt = xb[:ns], xb[ns:]
        with torch.no_grad():
            fs = net(xs, return_features=True)[1]
        ft = net(xt, return_features=True, backbone=net.target_backbone)[1]
        # discriminator step: source = 1, target = 0
        self.optimizer_discriminator_.zero_grad()
        ds, dt = net.discriminator(fs), net.discriminator(ft.detach())
        d_loss = F.binary_cross_entropy_with_logits(
            ds, torch.ones_like(ds)
        ) + F.binary_cross_entropy_with_logits(dt, torch.zeros_like(dt))
        d_loss.backward()
        self.optimizer_discriminator_.step()
        # target extractor step: fool the discriminator (inverted labels)
        self.optimizer_target_.zero_grad()
        dt = net.discriminator(ft)
        g_loss = F.binary_cross_entropy_with_logits(dt, torch.ones_like(dt))
        g_loss.backward()
        self.optimizer_target_.step()
        net.discriminator.zero_grad(set_to_none=True)
        self.history.record_batch("train_alignment_loss", float(d_loss.detach()))
        return {"loss": g_loss.detach(), "alignment_loss": float(d_loss.detach()), "y_pred": None}

    def _forward_rows(self, xb, sample_domain):
        net = self.module_
        if not getattr(self, "adapted_", False):
            return net(xb)
        target = torch.as_tensor(sample_domain < 0, device=xb.device)
        if bool(target.all()):
            return net(xb, backbone=net.target_backbone)
        out = net(xb)
        if bool(target.any()):
            out[target] = net(xb[target], backbone=net.target_backbone)
        return out

    def _features_rows(self, xb, sample_domain):
        net = self.module_
        if getattr(self, "adapted_", False) and bool(np.all(sample_domain < 0)):
            return net(xb, return_features=True, backbone=net.target_backbone)[1]
        return net(xb, return_features=True)[1]
