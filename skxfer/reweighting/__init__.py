"""Instance-based transfer: importance weighting by density-ratio estimation.

:class:`InstanceReweighter` fits any estimator that takes ``sample_weight`` on the
source rows weighted by an estimate of ``p_target(x) / p_source(x)``. The density-ratio
estimators are plugins registered in the ``skxfer.strategies`` entry-point group
(kind ``"weighting"``): ``"kmm"``, ``"kliep"``, ``"ulsif"``, ``"classifier"``, ``"nn"``.
"""

from ._base import BaseDensityRatio, EffectiveSampleSizeWarning, effective_sample_size
from ._classifier import ClassifierDensityRatio
from ._kliep import KLIEPDensityRatio
from ._kmm import KMMDensityRatio
from ._nn import NearestNeighborDensityRatio
from ._reweighter import InstanceReweighter
from ._ulsif import ULSIFDensityRatio

__all__ = [
    "BaseDensityRatio",
    "ClassifierDensityRatio",
    "EffectiveSampleSizeWarning",
    "InstanceReweighter",
    "KLIEPDensityRatio",
    "KMMDensityRatio",
    "NearestNeighborDensityRatio",
    "ULSIFDensityRatio",
    "effective_sample_size",
]
