"""Plots for domain adaptation, in scikit-learn's Display pattern.

Each display is built from a fitted estimator (``from_estimator``) or from raw data
(``from_data`` / ``from_weights`` / ``from_history``), draws itself with
``plot(ax=None)`` and keeps the matplotlib objects in ``ax_`` and ``figure_``:

- :class:`DomainShiftDisplay`: source and target rows in 2-d (PCA or t-SNE), coloured
  by class and marked by domain, before and after an adapter;
- :class:`WeightsDisplay`: the importance weights of a fitted
  :class:`~skxfer.InstanceReweighter` and their effective sample size;
- :class:`HistoryDisplay`: the training curves of a deep estimator's ``history_``;
- :class:`ComparisonDisplay`: the chart of a strategy comparison report.

This subpackage needs matplotlib (``pip install skxfer[plot]``), which is imported
inside the plotting methods only: importing :mod:`skxfer.plotting` does not import it.
"""

from ._comparison import ComparisonDisplay
from ._domain_shift import DomainShiftDisplay
from ._history import HistoryDisplay
from ._weights import WeightsDisplay

__all__ = ["ComparisonDisplay", "DomainShiftDisplay", "HistoryDisplay", "WeightsDisplay"]
