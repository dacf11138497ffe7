"""Choosing a transfer strategy without target labels.

DA splitters keep both domains in every fold; unsupervised DA scorers rank models
without target labels; :func:`compare_strategies` cross-validates strategies beside the
source-only baseline and flags negative transfer; :class:`TransferSelector` picks one and
falls back to source-only when none is credibly better; :func:`rank_sources` ranks
source domains.
"""

from ._compare import ComparisonReport, applicable_strategies, compare_strategies
from ._scorers import (
    CircularValidationScorer,
    DeepEmbeddedValidationScorer,
    EnsembleAgreementScorer,
    ImportanceWeightedScorer,
    KnownLabelsScorer,
    MixValScorer,
    NeighborhoodAgreementScorer,
    PredictionEntropyScorer,
    SoftNeighborhoodDensityScorer,
    SupervisedTargetScorer,
    get_da_scorer,
    prediction_diversity,
)
from ._selector import TransferSelector
from ._source_selection import rank_sources
from ._split import (
    DomainShuffleSplit,
    LeaveOneDomainOut,
    SourceTargetShuffleSplit,
    StratifiedDomainShuffleSplit,
)

__all__ = [
    "CircularValidationScorer",
    "ComparisonReport",
    "DeepEmbeddedValidationScorer",
    "DomainShuffleSplit",
    "EnsembleAgreementScorer",
    "ImportanceWeightedScorer",
    "LeaveOneDomainOut",
    "MixValScorer",
    "NeighborhoodAgreementScorer",
    "PredictionEntropyScorer",
    "SoftNeighborhoodDensityScorer",
    "SourceTargetShuffleSplit",
    "StratifiedDomainShuffleSplit",
    "SupervisedTargetScorer",
    "KnownLabelsScorer",
    "TransferSelector",
    "applicable_strategies",
    "compare_strategies",
    "get_da_scorer",
    "prediction_diversity",
    "rank_sources",
]
