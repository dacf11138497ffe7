"""Named deep DA estimators: DANN (adversarial) and DAN / Deep CORAL / DeepJDOT."""

from ..base import DATags
from ._base import DeepDAClassifier, DeepDARegressor
from ._modules import MLP
from ._schedules import GaninLRAnnealing

__all__ = [
    "DANNClassifier",
    "DANNRegressor",
    "DANClassifier",
    "DeepCORALClassifier",
    "DeepJDOTClassifier",
]

_ADV = DATags(family="adversarial", kind="estimator", requires_target=True, uses_target_labels=True)


class _GaninTraining:
    """Mixin: the paper's learning-rate annealing as a default callback, and its base ``lr``.

    ``lr=None`` (the default) starts the default MLP (flat inputs) at 3e-3 and any other
    network at 1e-3. The annealing ``lr / (1 + 10 p) ** 0.75`` averages about a third of
    the base over ``fit``: from 1e-3 the default MLP, which has no batch normalisation,
    under-trained on flat MNIST-USPS (``benchmarks/bench_finetune.py --suite defaults``),
    while the LeNet's batch normalisation makes 1e-3 the better start on raw digits.
    """

    def __init__(self, module=None, *, lr=None, **kwargs):
        super().__init__(module=module, lr=lr, **kwargs)

    @property
    def _default_callbacks(self):
        return [*super()._default_callbacks, ("lr_annealing", GaninLRAnnealing())]

    def get_params_for_optimizer(self, prefix, named_parameters):
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if kwargs.get("lr") is None:  # lr=None: the base learning rate of the network
            default_mlp = self.module is None and isinstance(self.module_.backbone, MLP)
            kwargs["lr"] = 3e-3 if default_mlp else 1e-3
        return args, kwargs


class DANNClassifier(_GaninTraining, DeepDAClassifier):
    """Domain-adversarial neural network classifier (Ganin et al. 2016).

    :class:`DeepDAClassifier` with ``alignment="dann"``: a domain discriminator (two
    hidden layers, one logit, BCE-with-logits) behind a gradient-reversal layer whose
    coefficient follows ``alignment_weight * (2 / (1 + exp(-10 p)) - 1)`` (rescaled to 1
    at ``p = 1``), and the
    learning rate is annealed as in the paper, ``lr / (1 + 10 p) ** 0.75``
    (:class:`GaninLRAnnealing`, default callback ``"lr_annealing"``). Every
    minibatch holds source and target rows; target labels are used only for rows that
    ``sample_domain`` marks as labelled target rows, and those rows weigh as much in
    total in the label loss as the source rows (``balance_label_loss``). All parameters
    are those of
    :class:`DeepDAClassifier` (``alignment__hidden_units`` sizes the discriminator); the
    coefficient reaches the full ``alignment_weight`` at the last step of ``fit`` whatever
    ``max_epochs`` is (``alignment_schedule``). ``lr=None`` (the default) starts the
    annealing at 3e-3 for the default :class:`~skxfer.deep.MLP` (flat inputs; it then
    averages about 1e-3 over ``fit``) and at 1e-3 for any other network; a number is
    used as is. On flat inputs the default MLP uses dropout 0.5 (``module__dropout=0.0``
    turns it off).

    Examples
    --------
    >>> from skxfer.deep import DANNClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, _ = make_contract_task()
    >>> clf = DANNClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[y == -1]).shape
    (50, 2)
    """

    _default_alignment = "dann"
    _da_tags = _ADV
    # without dropout the default MLP's adversarial features overfit the source: DANN lost
    # to its own alignment_weight=0 twin on flat MNIST->USPS (benchmarks/bench_finetune.py)
    _default_mlp_params = {"dropout": 0.5}


class DANNRegressor(_GaninTraining, DeepDARegressor):
    """Domain-adversarial neural network regressor (Ganin et al. 2016).

    :class:`DeepDARegressor` with ``alignment="dann"`` and the paper's learning-rate
    annealing (``lr=None`` as in :class:`DANNClassifier`); masked target values are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.deep import DANNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 3)
    >>> y = np.r_[X[:20, 0], np.full(20, np.nan)]
    >>> DANNRegressor(max_epochs=2, random_state=0).fit(X, y).predict(X[20:]).shape
    (20,)
    """

    _default_alignment = "dann"
    _da_tags = _ADV


class DANClassifier(DeepDAClassifier):
    """Deep adaptation network (Long et al. 2015): multi-kernel MMD on the features.

    :class:`DeepDAClassifier` with ``alignment="mmd"`` (``alignment__n_kernels``,
    ``alignment__kernel_mul``).

    Examples
    --------
    >>> from skxfer.deep import DANClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, _ = make_contract_task()
    >>> DANClassifier(max_epochs=2, random_state=0).fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _default_alignment = "mmd"


class DeepCORALClassifier(DeepDAClassifier):
    """Deep CORAL (Sun & Saenko 2016): align feature covariances.

    :class:`DeepDAClassifier` with ``alignment="coral"``.

    Examples
    --------
    >>> from skxfer.deep import DeepCORALClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, _ = make_contract_task()
    >>> DeepCORALClassifier(max_epochs=2, random_state=0).fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _default_alignment = "coral"


class DeepJDOTClassifier(DeepDAClassifier):
    """DeepJDOT (Damodaran et al. 2018): joint optimal transport of features and labels.

    :class:`DeepDAClassifier` with ``alignment="jdot"`` (``alignment__reg_dist``,
    ``alignment__reg_cl``); the coupling is POT's exact ``ot.emd`` per minibatch.

    Examples
    --------
    >>> from skxfer.deep import DeepJDOTClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, _ = make_contract_task()
    >>> DeepJDOTClassifier(max_epochs=2, random_state=0).fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _default_alignment = "jdot"
