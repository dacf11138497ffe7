"""Deep transfer on skorch: fine-tuning, DANN, DAN (MMD), Deep CORAL, DeepJDOT, ADDA,
minimax entropy (MME), torch feature extraction.

This subpackage needs the ``deep`` extra (``pip install skxfer[deep]``: torch and
skorch). :mod:`skxfer` exports its classes lazily, so ``import skxfer`` never imports
torch.
"""

try:
    import skorch  # noqa: F401
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skxfer's deep estimators need torch and skorch: pip install skxfer[deep] "
        f"(missing: {exc.name})."
    ) from exc

from ._adda import ADDAClassifier
from ._base import BaseDeepDA, DeepDAClassifier, DeepDARegressor
from ._criteria import (
    CORALCriterion,
    Criterion,
    DomainAdversarialCriterion,
    JDOTCriterion,
    MinimaxEntropyCriterion,
    MMDCriterion,
    ganin_schedule,
    get_criterion,
    list_criteria,
    register_criterion,
)
from ._dann import (
    DANClassifier,
    DANNClassifier,
    DANNRegressor,
    DeepCORALClassifier,
    DeepJDOTClassifier,
)
from ._feature_cache import clear_feature_cache
from ._features import TorchFeatureExtractor
from ._finetune import FineTuneClassifier, FineTuneRegressor
from ._loading import load_source_model
from ._mme import MMEClassifier
from ._modules import (
    MLP,
    CosineClassifier,
    Discriminator,
    DomainAdaptationNet,
    GradientReversal,
    LeNet,
    grad_reverse,
    make_default_backbone,
)
from ._schedules import AlignmentSchedule, GaninLRAnnealing
from ._source_free import SourceFreeClassifier

__all__ = [
    "ADDAClassifier",
    "AlignmentSchedule",
    "BaseDeepDA",
    "CORALCriterion",
    "CosineClassifier",
    "Criterion",
    "DANClassifier",
    "DANNClassifier",
    "DANNRegressor",
    "DeepCORALClassifier",
    "DeepDAClassifier",
    "DeepDARegressor",
    "DeepJDOTClassifier",
    "Discriminator",
    "DomainAdaptationNet",
    "DomainAdversarialCriterion",
    "FineTuneClassifier",
    "FineTuneRegressor",
    "GaninLRAnnealing",
    "GradientReversal",
    "JDOTCriterion",
    "LeNet",
    "MLP",
    "MMDCriterion",
    "MMEClassifier",
    "MinimaxEntropyCriterion",
    "TorchFeatureExtractor",
    "clear_feature_cache",
    "ganin_schedule",
    "get_criterion",
    "grad_reverse",
    "list_criteria",
    "load_source_model",
    "make_default_backbone",
    "register_criterion",
    "SourceFreeClassifier",
]
