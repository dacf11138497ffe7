"""``ComparisonDisplay``: the chart of a strategy comparison report."""

import numpy as np

from ._utils import get_axes

__all__ = ["ComparisonDisplay"]


class ComparisonDisplay:
    """Mean score ± std of each strategy of a comparison, with the baseline marked.

    Bars are grey for the baselines (source-only, target-only), red for strategies
    flagged with negative transfer and blue otherwise; the dashed line is the
    source-only mean. Usually built by :meth:`ComparisonReport.plot
    <skxfer.model_selection.ComparisonReport.plot>`.

    Parameters
    ----------
    report : ComparisonReport
        The result of :func:`~skxfer.model_selection.compare_strategies`.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    bars_ : BarContainer
        One bar per strategy, in the report's order.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skxfer.model_selection import ComparisonReport
    >>> from skxfer.plotting import ComparisonDisplay
    >>> report = ComparisonReport(scores={"source_only": [0.7, 0.72], "coral": [0.8, 0.79]},
    ...                           fit_times={}, metric="accuracy")
    >>> len(ComparisonDisplay.from_report(report).bars_)
    2
    """

    def __init__(self, report):
        self.report = report

    def plot(self, ax=None):
        """Draw the bar chart.

        Parameters
        ----------
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : ComparisonDisplay
        """
        from ..model_selection._compare import TARGET_ONLY

        report = self.report
        rows = report.rows
        fig, ax = get_axes(ax, type(self).__name__, figsize=(1.6 + 0.8 * len(rows), 4.0))
        names = [r["strategy"] for r in rows]
        colors = [
            "tab:gray"
            if n in (report.baseline, TARGET_ONLY)
            else "tab:red"
            if r["negative_transfer"]
            else "tab:blue"
            for n, r in zip(names, rows, strict=True)
        ]
        means = np.array([r["mean"] for r in rows], dtype=float)
        self.bars_ = ax.bar(names, means, yerr=[r["std"] for r in rows], color=colors, capsize=3)
        if report.baseline in report.scores:
            ax.axhline(
                report.mean(report.baseline),
                color="k",
                lw=0.8,
                ls="--",
                label=f"{report.baseline} mean",
            )
            ax.legend(fontsize="small", loc="lower right")
        finite = means[np.isfinite(means)]
        if finite.size and report.mode == "held_out":
            ax.set_ylim(max(0.0, finite.min() - 0.1), min(1.0, finite.max() + 0.05))
        ax.set_ylabel(report.metric)
        ax.set_title("strategy comparison (red: negative transfer)")
        ax.tick_params(axis="x", rotation=45)
        fig.tight_layout()
        self.ax_ = ax
        self.figure_ = fig
        return self

    @classmethod
    def from_report(cls, report, *, ax=None):
        """Plot a :class:`~skxfer.model_selection.ComparisonReport`.

        Parameters
        ----------
        report : ComparisonReport
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : ComparisonDisplay
        """
        return cls(report).plot(ax=ax)
