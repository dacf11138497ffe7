"""skxfer: transfer learning and domain adaptation as scikit-learn estimators.

Importing skxfer is light: it imports neither torch, matplotlib nor dask, and leaves
sklearn's global configuration untouched. Deep estimators and heavy strategies load on
first use.
"""

from importlib import import_module

from ._config import config_context, get_config, set_config
from ._domains import (
    SmallTargetDomainWarning,
    TargetLabelsUsedWarning,
    check_sample_domain,
    infer_sample_domain,
    is_masked,
    is_regression_target,
    mask_target_labels,
    merge_domains,
    score_known_labels,
    split_domains,
    validate_da_data,
)
from ._packing import pack_domains, pack_each_as_target
from .alignment import (
    CORALAligner,
    JDAAligner,
    LinearOTAligner,
    MMDAligner,
    OTAligner,
    SubspaceAligner,
)
from .base import BaseAdapter, DATags, DomainAwareMixin, get_da_tags
from .per_domain import PerDomain
from .pipeline import DAPipeline, LabelledOnly, make_da_pipeline
from .registry import get_strategy, list_strategies, make_strategy, register_strategy

__version__ = "0.1.0.dev0"

# public name -> submodule that defines it, imported on first access
_LAZY = {
    "InstanceReweighter": ".reweighting",
    "RelationTransferClassifier": ".relation",
    "LabelShiftClassifier": ".label_shift",
    "SelfTrainingAdapter": ".self_training",
    "EasyTLClassifier": ".easytl",
    "MEDAClassifier": ".meda",
    "estimate_target_priors": ".label_shift",
    "DeepDAClassifier": ".deep",
    "DeepDARegressor": ".deep",
    "DANNClassifier": ".deep",
    "DANNRegressor": ".deep",
    "DANClassifier": ".deep",
    "DeepCORALClassifier": ".deep",
    "DeepJDOTClassifier": ".deep",
    "ADDAClassifier": ".deep",
    "MMEClassifier": ".deep",
    "compare_strategies": ".model_selection",
    "ComparisonReport": ".model_selection",
    "TransferSelector": ".model_selection",
    "rank_sources": ".model_selection",
    "DomainShuffleSplit": ".model_selection",
    "StratifiedDomainShuffleSplit": ".model_selection",
    "LeaveOneDomainOut": ".model_selection",
    "SourceTargetShuffleSplit": ".model_selection",
    "SourceFreeClassifier": ".deep",
    "FineTuneClassifier": ".deep",
    "FineTuneRegressor": ".deep",
    "TorchFeatureExtractor": ".deep",
}

__all__ = [
    "BaseAdapter",
    "CORALAligner",
    "DAPipeline",
    "DATags",
    "DomainAwareMixin",
    "JDAAligner",
    "LabelledOnly",
    "LinearOTAligner",
    "MMDAligner",
    "OTAligner",
    "PerDomain",
    "SmallTargetDomainWarning",
    "SubspaceAligner",
    "TargetLabelsUsedWarning",
    "check_sample_domain",
    "config_context",
    "get_config",
    "infer_sample_domain",
    "is_regression_target",
    "mask_target_labels",
    "set_config",
    "get_da_tags",
    "get_strategy",
    "is_masked",
    "list_strategies",
    "make_da_pipeline",
    "make_strategy",
    "merge_domains",
    "pack_domains",
    "pack_each_as_target",
    "register_strategy",
    "score_known_labels",
    "split_domains",
    "validate_da_data",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'skxfer' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
