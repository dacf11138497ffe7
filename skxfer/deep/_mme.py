"""Semi-supervised deep DA by minimax entropy (MME)."""

from ..base import DATags
from ._base import DeepDAClassifier
from ._heads import output_layer, set_submodule
from ._modules import CosineClassifier, _find_feature_layer

__all__ = ["MMEClassifier"]


class MMEClassifier(DeepDAClassifier):
    """Minimax entropy classifier (MME, Saito et al. 2019) for semi-supervised DA.

    The network's output layer is a cosine-similarity classifier
    (:class:`CosineClassifier`: each class a prototype, logits the cosines divided by
    ``temperature``). The labelled rows (source, and the labelled target rows) train
    the whole network; on the unlabelled target rows the prototypes *maximise* the
    entropy of the predictions, moving towards the target rows, while the feature
    extractor *minimises* it, clustering the target rows around the prototypes
    (:class:`MinimaxEntropyCriterion`, weighted by ``alignment_weight``). Meant for a
    few labelled target rows per class, where domain-adversarial alignment brings
    little over training on the labelled rows of both domains; it runs without any
    target label too.

    All other parameters are those of :class:`DeepDAClassifier`; the last
    ``nn.Linear`` of the network's ``feature_layer`` submodule (the default MLP's
    ``head``) is replaced by a :class:`CosineClassifier` of the same shape (kept as it
    is if the module already ends in one).

    Parameters
    ----------
    module : None, nn.Module class or instance, default=None
        As in :class:`DeepDAClassifier`: by default an :class:`MLP` for flat rows and a
        :class:`LeNet` for images.
    temperature : float, default=0.1
        Temperature of the cosine classifier (the paper uses 0.05).
    alignment_weight : float, default=0.1
        Weight of the entropy term (the paper's lambda).
    alignment_schedule : str or callable, default="constant"
        The weight's schedule over training (the paper keeps it constant).
    **kwargs : dict
        Any other :class:`DeepDAClassifier` parameter (``max_epochs``, ``lr``,
        ``batch_size``, ``random_state``, ...).

    Notes
    -----
    The defaults (``temperature=0.1``, ``alignment_weight=0.1``, no dropout, 10
    epochs, and the criterion's ``diversity=0.45``, ``alignment__diversity``) were
    chosen on flat MNIST <-> USPS with 1 to 10 labelled target rows per class and on
    Amazon K -> B with one (``benchmarks/bench_finetune.py --suite defaults``): not a
    held-out result. Without the diversity term (``alignment__diversity=0``, the
    paper's criterion) the target rows of Amazon K -> B fell into one class with one
    labelled review per class (64 % against 73 % for the source-only network).

    References
    ----------
    K. Saito, D. Kim, S. Sclaroff, T. Darrell and K. Saenko. Semi-supervised domain
    adaptation via minimax entropy. ICCV 2019.

    Examples
    --------
    >>> from skxfer.deep import MMEClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, _ = make_contract_task()
    >>> clf = MMEClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> type(clf.module_.backbone.head).__name__
    'CosineClassifier'
    >>> clf.predict_proba(X[y == -1]).shape
    (50, 2)
    """

    _default_alignment = "mme"
    _da_tags = DATags(
        family="adversarial", kind="estimator", requires_target=True, uses_target_labels=True
    )
    _own_params = DeepDAClassifier._own_params | {"temperature"}

    def __init__(
        self,
        module=None,
        *,
        temperature=0.1,
        alignment_weight=0.1,
        alignment_schedule="constant",
        **kwargs,
    ):
        self.temperature = temperature
        super().__init__(
            module=module,
            alignment_weight=alignment_weight,
            alignment_schedule=alignment_schedule,
            **kwargs,
        )

    def _build_backbone(self):
        backbone = super()._build_backbone()
        head = _find_feature_layer(backbone, self.feature_layer)
        if any(isinstance(m, CosineClassifier) for m in backbone.get_submodule(head).modules()):
            return backbone
        name = output_layer(backbone, head)
        linear = backbone.get_submodule(name)
        cosine = CosineClassifier(linear.in_features, linear.out_features, self.temperature)
        set_submodule(backbone, name, cosine)
        return backbone
