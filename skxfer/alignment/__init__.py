"""Feature-based transfer: adapters that move source and target into a shared space."""

from .coral import CORALAligner
from .mmd import JDAAligner, MMDAligner
from .ot import LinearOTAligner, OTAligner
from .subspace import SubspaceAligner

__all__ = [
    "CORALAligner",
    "JDAAligner",
    "LinearOTAligner",
    "MMDAligner",
    "OTAligner",
    "SubspaceAligner",
]
