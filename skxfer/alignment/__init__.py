"""Feature-based transfer: adapters that move source and target into a shared space."""

from .coral import CORALAligner
from .subspace import SubspaceAligner

__all__ = ["CORALAligner", "SubspaceAligner"]
