"""``HistoryDisplay``: training curves of a deep estimator's ``history_``."""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._utils import get_axes

__all__ = ["HistoryDisplay"]

_SKIP = ("train_batch_count", "valid_batch_count", "train_batch_size", "valid_batch_size")


def _curves(history, keys):
    """``{key: (epochs, values)}`` for the numeric per-epoch entries of a history."""
    rows = list(history)
    if not rows:
        raise ValueError("The history is empty: fit the estimator for at least one epoch.")
    if keys is None:
        keys = []
        for row in rows:
            for k, v in row.items():
                if (
                    k.startswith(("train_", "valid_"))
                    and k not in _SKIP
                    and not k.endswith("_best")
                    and k not in keys
                    and isinstance(v, numbers.Real)
                    and not isinstance(v, bool)
                ):
                    keys.append(k)
    curves = {}
    for k in keys:
        pts = [
            (row.get("epoch", i + 1), row[k])
            for i, row in enumerate(rows)
            if isinstance(row.get(k), numbers.Real)
        ]
        if not pts:
            raise ValueError(
                f"{k!r} is not a numeric entry of the history; available: "
                f"{sorted({key for row in rows for key in row})}."
            )
        ep, val = zip(*pts, strict=True)
        curves[k] = (np.asarray(ep), np.asarray(val, dtype=np.float64))
    return curves


class HistoryDisplay:
    """Per-epoch training curves of a deep estimator (a learning-curve display).

    For a deep DA estimator the curves tell whether adaptation is working: the label
    loss ``train_loss`` should fall, the alignment loss ``train_alignment_loss`` of an
    adversarial criterion should stay near ``log 2 = 0.69`` (a confused domain
    discriminator) rather than fall to 0, and ``train_target_entropy`` should fall
    slowly — a sudden collapse to 0 often means the target predictions degenerated to
    one class.

    Parameters
    ----------
    curves : dict of str to (ndarray, ndarray)
        ``{name: (epochs, values)}``.
    estimator_name : str, default=None
        Shown in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : dict of str to Line2D
        The line of each curve.

    See Also
    --------
    DomainShiftDisplay, WeightsDisplay

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skxfer.plotting import HistoryDisplay
    >>> history = [{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.5}]
    >>> sorted(HistoryDisplay.from_history(history).lines_)
    ['train_loss']
    """

    def __init__(self, curves, *, estimator_name=None):
        self.curves = curves
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, logy=False):
        """Draw one line per curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        logy : bool, default=False
            Logarithmic value axis.

        Returns
        -------
        display : HistoryDisplay
        """
        fig, ax = get_axes(ax, type(self).__name__)
        self.lines_ = {}
        for name, (epochs, values) in self.curves.items():
            (self.lines_[name],) = ax.plot(epochs, values, marker="o", markersize=3, label=name)
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("value")
        title = "training history"
        ax.set_title(f"{self.estimator_name}: {title}" if self.estimator_name else title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
        fig.tight_layout()
        self.ax_ = ax
        self.figure_ = fig
        return self

    @classmethod
    def from_history(cls, history, *, keys=None, estimator_name=None, ax=None, **plot_kw):
        """Plot a skorch ``History`` (or any list of per-epoch dicts).

        Parameters
        ----------
        history : skorch.History or list of dict
        keys : list of str, default=None
            Entries to plot; by default every numeric ``train_*`` / ``valid_*`` entry
            except batch counts and ``*_best`` flags.
        estimator_name : str, default=None
        ax : matplotlib Axes, default=None
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : HistoryDisplay
        """
        disp = cls(_curves(history, keys), estimator_name=estimator_name)
        return disp.plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, *, keys=None, ax=None, **plot_kw):
        """Plot the ``history_`` of a fitted deep estimator (DANN, DAN, ADDA, ...).

        Parameters
        ----------
        estimator : skorch-based estimator
            Fitted, with a ``history_`` (or skorch ``history``).
        keys : list of str, default=None
            See :meth:`from_history`.
        ax : matplotlib Axes, default=None
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : HistoryDisplay
        """
        check_is_fitted(estimator)
        history = getattr(estimator, "history_", None)
        if history is None:
            history = getattr(estimator, "history", None)
        if history is None:
            raise TypeError(
                f"{type(estimator).__name__} has no history_: HistoryDisplay plots the "
                "training history of skxfer's deep (skorch) estimators."
            )
        return cls.from_history(
            history, keys=keys, estimator_name=type(estimator).__name__, ax=ax, **plot_kw
        )
