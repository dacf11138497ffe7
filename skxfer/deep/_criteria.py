"""Alignment criteria: the plugins that make a deep net domain-adaptive.

A criterion is a :class:`torch.nn.Module` called on the feature vectors of the source
and target rows of a minibatch. Discrepancy criteria implement :meth:`Criterion.loss`;
the network adds ``weight * loss`` to the label loss. Adversarial criteria own
parameters (a discriminator) and override :meth:`Criterion.forward` to reverse the
gradient. Criteria are found by name through the entry-point group
``skxfer.criteria`` (built-ins are also registered there), so a third-party criterion
drops in::

    [project.entry-points."skxfer.criteria"]
    my_mmd = "my_package.criteria:MyMMD"
"""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .._plugins import PluginRegistry
from ._modules import Discriminator, grad_reverse

__all__ = [
    "Criterion",
    "DomainAdversarialCriterion",
    "MMDCriterion",
    "CORALCriterion",
    "JDOTCriterion",
    "MinimaxEntropyCriterion",
    "get_criterion",
    "list_criteria",
    "register_criterion",
    "ganin_schedule",
]

ENTRY_POINT_GROUP = "skxfer.criteria"


def ganin_schedule(p, gamma=10.0):
    """Adaptation-weight schedule of Ganin et al. (2016): ``2 / (1 + exp(-gamma p)) - 1``.

    Parameters
    ----------
    p : float
        Training progress in ``[0, 1]``.
    gamma : float, default=10.0

    Returns
    -------
    factor : float
        From 0 at ``p = 0`` towards 1.

    Examples
    --------
    >>> from skxfer.deep import ganin_schedule
    >>> round(ganin_schedule(0.0), 6), round(ganin_schedule(1.0), 4)
    (0.0, 0.9999)
    """
    return float(2.0 / (1.0 + np.exp(-gamma * p)) - 1.0)


class Criterion(nn.Module):
    """Base class of alignment criteria.

    Subclasses implement :meth:`loss` (a discrepancy between the source and target
    features) or override :meth:`forward` (adversarial criteria). :meth:`setup` is
    called once with the feature dimension before training, to build parameters.

    Attributes
    ----------
    uses_labels : bool
        Whether the criterion needs ``y_source`` / ``output_target`` (e.g. DeepJDOT).
    """

    uses_labels = False

    def setup(self, n_features, n_outputs):
        """Build parameters that depend on the feature dimension (default: none)."""

    def loss(self, features_source, features_target, **context):
        """Discrepancy between the two feature batches (a scalar tensor)."""
        raise NotImplementedError

    def forward(self, features_source, features_target, *, weight=1.0, **context):
        """Weighted alignment loss of one minibatch.

        Parameters
        ----------
        features_source, features_target : torch.Tensor of shape (n, d)
        weight : float
            Current adaptation weight (schedule times ``alignment_weight``).
        **context : dict
            ``y_source`` (encoded labels, ``-1`` / NaN when unknown),
            ``output_source``, ``output_target`` (logits or predictions),
            ``is_classifier`` and ``head`` (the network's ``feature_layer`` submodule,
            whose input is the features: the output head by default).
        """
        return weight * self.loss(features_source, features_target, **context)


class DomainAdversarialCriterion(Criterion):
    """DANN's domain discriminator behind a gradient-reversal layer (Ganin et al. 2016).

    The discriminator (two hidden layers, one logit, BCE-with-logits) learns to tell
    source (1) from target (0) features with the full gradient; the feature extractor
    receives that gradient reversed and scaled by ``weight``.

    Parameters
    ----------
    hidden_units : tuple of int, default=(100, 100)
    """

    def __init__(self, hidden_units=(100, 100)):
        super().__init__()
        self.hidden_units = hidden_units
        self.discriminator = None

    def setup(self, n_features, n_outputs):
        self.discriminator = Discriminator(n_features, self.hidden_units)

    def forward(self, features_source, features_target, *, weight=1.0, **context):
        features = grad_reverse(torch.cat([features_source, features_target]), weight)
        logits = self.discriminator(features)
        labels = torch.cat(
            [
                torch.ones(len(features_source), device=logits.device, dtype=logits.dtype),
                torch.zeros(len(features_target), device=logits.device, dtype=logits.dtype),
            ]
        )
        return F.binary_cross_entropy_with_logits(logits, labels)


def _sq_dists(a, b):
    d = (a * a).sum(1, keepdim=True) + (b * b).sum(1) - 2.0 * a @ b.T
    return d.clamp_min(0.0)


class MMDCriterion(Criterion):
    """Multi-kernel maximum mean discrepancy (DAN, Long et al. 2015).

    A sum of ``n_kernels`` Gaussian kernels whose bandwidths are the batch's mean
    squared distance times ``kernel_mul ** k`` for ``k`` centred on 0 (biased
    estimate on the minibatch).

    Parameters
    ----------
    n_kernels : int, default=5
    kernel_mul : float, default=2.0
    """

    def __init__(self, n_kernels=5, kernel_mul=2.0):
        super().__init__()
        self.n_kernels = n_kernels
        self.kernel_mul = kernel_mul

    def loss(self, features_source, features_target, **context):
        ns = len(features_source)
        z = torch.cat([features_source, features_target])
        d = _sq_dists(z, z)
        n = len(z)
        base = d.detach().sum() / max(n * n - n, 1)
        base = base.clamp_min(1e-8) / self.kernel_mul ** (self.n_kernels // 2)
        k = sum(torch.exp(-d / (base * self.kernel_mul**i)) for i in range(self.n_kernels))
        return k[:ns, :ns].mean() + k[ns:, ns:].mean() - 2.0 * k[:ns, ns:].mean()


class CORALCriterion(Criterion):
    """Deep CORAL (Sun & Saenko 2016): squared Frobenius distance of covariances / 4d²."""

    @staticmethod
    def _cov(f):
        f = f - f.mean(0, keepdim=True)
        return f.T @ f / max(len(f) - 1, 1)

    def loss(self, features_source, features_target, **context):
        d = features_source.shape[1]
        diff = self._cov(features_source) - self._cov(features_target)
        return (diff * diff).sum() / (4.0 * d * d)


class JDOTCriterion(Criterion):
    """DeepJDOT (Damodaran et al. 2018): optimal transport of features and labels.

    The cost between source row ``i`` and target row ``j`` is
    ``reg_dist * ||f_i - f_j||² + reg_cl * L(y_i, output_j)`` (cross-entropy of the
    target prediction against the source label, or squared error for regression); the
    exact coupling is computed by POT's ``ot.emd`` on the detached cost (imported
    lazily) and the loss is the coupling-weighted cost.

    Parameters
    ----------
    reg_dist : float, default=0.1
    reg_cl : float, default=1.0
    """

    uses_labels = True

    def __init__(self, reg_dist=0.1, reg_cl=1.0):
        super().__init__()
        self.reg_dist = reg_dist
        self.reg_cl = reg_cl

    def loss(
        self,
        features_source,
        features_target,
        *,
        y_source=None,
        output_target=None,
        is_classifier=True,
        **context,
    ):
        import ot

        if is_classifier:
            keep = y_source >= 0
        else:
            keep = ~torch.isnan(y_source.reshape(len(y_source), -1)).any(1)
        fs, ys = features_source[keep], y_source[keep]
        if len(fs) == 0:
            return features_source.sum() * 0.0
        cost = self.reg_dist * _sq_dists(fs, features_target)
        if is_classifier:
            log_p = F.log_softmax(output_target, dim=1)  # (nt, n_classes)
            cost = cost - self.reg_cl * log_p[:, ys].T
        else:
            ys = ys.reshape(len(ys), -1)
            out = output_target.reshape(len(output_target), -1)
            cost = cost + self.reg_cl * _sq_dists(ys.to(out.dtype), out)
        a = torch.full((len(fs),), 1.0 / len(fs), dtype=cost.dtype, device=cost.device)
        b = torch.full(
            (len(features_target),),
            1.0 / len(features_target),
            dtype=cost.dtype,
            device=cost.device,
        )
        gamma = ot.emd(a, b, cost.detach())
        return (gamma * cost).sum()


class MinimaxEntropyCriterion(Criterion):
    """Minimax entropy (MME, Saito et al. 2019): the label head and the feature
    extractor play opposite sides of the entropy of the target predictions.

    The head is applied to the target features behind a gradient-reversal layer and the
    criterion adds ``-weight * H`` to the loss, ``H`` the mean entropy of those
    predictions: the head's parameters descend ``-H`` (they *maximise* the entropy,
    moving each class prototype towards the unlabelled target rows), while the feature
    extractor receives the gradient reversed and *minimises* it (clustering the target
    rows around the prototypes). Meant for a cosine-similarity head
    (:class:`CosineClassifier`), whose bounded logits cannot raise the entropy by
    shrinking; labelled target rows, when there are some, anchor the prototypes through
    the label loss (semi-supervised DA). Needs the network's ``head`` in the call's
    context, which the deep DA estimators pass; classification only.

    Minimising the entropy alone can put every target row in one class when the labelled
    target rows are very few; ``diversity`` adds ``-weight * diversity * H(p_mean) /
    log(n_classes)``, the entropy of the minibatch's mean target prediction relative to
    its largest value, which both sides maximise (as SHOT's information maximisation
    does). Relative, because the mean of a minibatch of a few dozen rows estimates the
    class shares of two classes well and of ten poorly.

    Parameters
    ----------
    diversity : float, default=0.45
        Weight of the diversity term relative to the entropy term; 0 is the paper's
        criterion.

    References
    ----------
    K. Saito, D. Kim, S. Sclaroff, T. Darrell and K. Saenko. Semi-supervised domain
    adaptation via minimax entropy. ICCV 2019.
    """

    def __init__(self, diversity=0.45):
        super().__init__()
        self.diversity = diversity

    def forward(self, features_source, features_target, *, weight=1.0, **context):
        head, output = context.get("head"), context.get("output_target")
        if head is None or output is None or not context.get("is_classifier", True):
            raise ValueError(
                "MinimaxEntropyCriterion needs the label head of a classifier and its "
                "target outputs in its context (head=..., output_target=...); use it "
                "through MMEClassifier or DeepDAClassifier."
            )
        logits = head(grad_reverse(features_target, 1.0))
        if logits.shape != output.shape:
            raise ValueError(
                f"The feature layer's submodule maps the features to shape "
                f"{tuple(logits.shape)}, not to the network's outputs {tuple(output.shape)}: "
                "minimax entropy needs feature_layer to name the output head."
            )
        loss = -weight * _entropy(F.log_softmax(logits, dim=1)).mean()
        if self.diversity:  # on the outputs the step computed: both sides ascend it
            mean = F.softmax(output, dim=1).mean(dim=0, keepdim=True)
            marginal = _entropy(mean.clamp_min(1e-12).log()).sum() / np.log(mean.shape[1])
            loss = loss - weight * self.diversity * marginal
        return loss


def _entropy(log_p):
    """Per-row entropy of the distributions given by their logs."""
    return -(log_p.exp() * log_p).sum(dim=1)


_ALIASES = {"adversarial": "dann", "dan": "mmd", "deep_coral": "coral", "deepjdot": "jdot"}


def _check_criterion(criterion):
    if not (isinstance(criterion, type) and issubclass(criterion, Criterion)):
        raise TypeError(f"{criterion!r} is not a subclass of skxfer.deep.Criterion.")


#: The criteria: entry points of ``skxfer.criteria`` (the built-ins included, through
#: skxfer's own pyproject.toml) and run-time registrations.
CRITERIA = PluginRegistry(ENTRY_POINT_GROUP, "alignment criterion", check=_check_criterion)


def register_criterion(name, criterion, *, overwrite=False):
    """Register a :class:`Criterion` subclass under ``name`` for this process.

    Examples
    --------
    >>> from skxfer.deep import CORALCriterion, register_criterion, get_criterion
    >>> register_criterion("my_coral", CORALCriterion)
    >>> type(get_criterion("my_coral")).__name__
    'CORALCriterion'
    """
    CRITERIA.register(name, criterion, overwrite=overwrite)


def list_criteria():
    """Names of the available alignment criteria (entry points and run-time ones).

    Examples
    --------
    >>> from skxfer.deep import list_criteria
    >>> {"dann", "mmd", "coral", "jdot"} <= set(list_criteria())
    True
    """
    return CRITERIA.names()


def get_criterion(criterion, **params):
    """Build an alignment criterion from a name, a class or an instance.

    Parameters
    ----------
    criterion : str, type or Criterion
        ``"dann"``, ``"mmd"``, ``"coral"``, ``"jdot"``, ``"mme"`` (aliases
        ``"adversarial"``, ``"dan"``, ``"deep_coral"``, ``"deepjdot"``), a name registered in the
        ``skxfer.criteria`` entry-point group, a :class:`Criterion` class, or an
        instance (returned as is when ``params`` is empty).
    **params : dict
        Constructor parameters.

    Returns
    -------
    criterion : Criterion

    Examples
    --------
    >>> from skxfer.deep import get_criterion
    >>> get_criterion("dan", n_kernels=3).n_kernels
    3
    """
    if isinstance(criterion, Criterion):
        return type(criterion)(**params) if params else criterion
    if isinstance(criterion, type) and issubclass(criterion, Criterion):
        return criterion(**params)
    if not isinstance(criterion, str):
        raise TypeError(
            f"alignment must be a criterion name, a Criterion class or instance; got {criterion!r}."
        )
    try:
        cls = CRITERIA.get(_ALIASES.get(criterion, criterion))
    except ValueError as exc:
        raise ValueError(f"{exc} Or pass alignment='none' for no alignment.") from None
    return cls(**params)
