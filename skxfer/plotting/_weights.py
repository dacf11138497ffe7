"""``WeightsDisplay``: the importance weights of an ``InstanceReweighter``."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..reweighting._base import effective_sample_size
from ._utils import get_axes

__all__ = ["WeightsDisplay"]


class WeightsDisplay:
    """Histogram of importance weights with their effective sample size.

    Importance weighting helps when a few source rows are *more* like the target, and
    fails when a handful of rows carry all the weight. The histogram shows the spread
    of the weights of the source rows (mean 1 after normalisation, drawn as a dashed
    line) and the title gives Kish's effective sample size ``(sum w)^2 / sum w^2`` —
    the number of equally weighted rows the fit is worth.

    Parameters
    ----------
    weights : ndarray of shape (n_source,)
        Importance weights of the source rows.
    effective_sample_size : float
        Effective sample size of ``weights``.
    true_weights : ndarray of shape (n_source,), default=None
        Known density ratio of the same rows (synthetic data), drawn as a second
        histogram for comparison.
    estimator_name : str, default=None
        Shown in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    bars_ : BarContainer
        The bars of the weight histogram.
    mean_line_ : Line2D
        The vertical line at the mean weight.

    See Also
    --------
    skxfer.InstanceReweighter, skxfer.reweighting.effective_sample_size

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import InstanceReweighter
    >>> from skxfer.datasets import make_shifted_classification
    >>> from skxfer.plotting import WeightsDisplay
    >>> X, y, sd = make_shifted_classification(random_state=0)
    >>> clf = InstanceReweighter(LogisticRegression(), density_ratio="kliep", random_state=0)
    >>> disp = WeightsDisplay.from_estimator(clf.fit(X, y), sample_domain=sd)
    >>> disp.n_rows
    200
    """

    def __init__(self, weights, effective_sample_size, *, true_weights=None, estimator_name=None):
        self.weights = weights
        self.effective_sample_size = effective_sample_size
        self.true_weights = true_weights
        self.estimator_name = estimator_name

    @property
    def n_rows(self):
        """Number of weighted source rows."""
        return len(self.weights)

    def plot(self, ax=None, *, bins=30, log=False):
        """Draw the histogram.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        bins : int, default=30
        log : bool, default=False
            Logarithmic count axis (heavy tails show better).

        Returns
        -------
        display : WeightsDisplay
        """
        fig, ax = get_axes(ax, type(self).__name__)
        w = np.asarray(self.weights, dtype=np.float64)
        edges = np.histogram_bin_edges(
            w if self.true_weights is None else np.r_[w, np.asarray(self.true_weights)],
            bins=bins,
        )
        _, _, self.bars_ = ax.hist(
            w, bins=edges, color="C0", alpha=0.75, log=log, label="estimated weights"
        )
        if self.true_weights is not None:
            ax.hist(
                np.asarray(self.true_weights, dtype=np.float64),
                bins=edges,
                histtype="step",
                color="C3",
                linewidth=1.5,
                log=log,
                label="true density ratio",
            )
        self.mean_line_ = ax.axvline(
            w.mean(), color="k", linestyle="--", linewidth=1, label=f"mean = {w.mean():.2f}"
        )
        n = self.n_rows
        ess = self.effective_sample_size
        title = f"effective sample size {ess:.0f} / {n} ({100 * ess / n:.0f}%)"
        ax.set_title(f"{self.estimator_name}\n{title}" if self.estimator_name else title)
        ax.set_xlabel("importance weight of a source row")
        ax.set_ylabel("number of source rows")
        ax.legend(fontsize="small")
        fig.tight_layout()
        self.ax_ = ax
        self.figure_ = fig
        return self

    @classmethod
    def from_weights(cls, weights, *, true_weights=None, estimator_name=None, ax=None, **plot_kw):
        """Plot any importance weights of source rows.

        Parameters
        ----------
        weights : array-like of shape (n_source,)
        true_weights : array-like of shape (n_source,), default=None
            Known density ratio (e.g. ``DomainDataset.density_ratio`` of the synthetic
            covariate-shift task), normalised to mean 1 before plotting.
        estimator_name : str, default=None
        ax : matplotlib Axes, default=None
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : WeightsDisplay
        """
        w = np.asarray(weights, dtype=np.float64).ravel()
        if w.size == 0:
            raise ValueError("WeightsDisplay needs at least one weight.")
        if true_weights is not None:
            true_weights = np.asarray(true_weights, dtype=np.float64).ravel()
            if true_weights.shape != w.shape:
                raise ValueError(
                    f"true_weights has {true_weights.size} entries but weights has {w.size}."
                )
            true_weights = true_weights / true_weights.mean()
        disp = cls(
            w, effective_sample_size(w), true_weights=true_weights, estimator_name=estimator_name
        )
        return disp.plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(
        cls, estimator, *, sample_domain=None, true_weights=None, ax=None, **plot_kw
    ):
        """Plot the weights of a fitted :class:`~skxfer.InstanceReweighter`.

        Parameters
        ----------
        estimator : InstanceReweighter
            Fitted; its ``weights_`` hold one weight per row seen at fit.
        sample_domain : array-like of shape (n_samples,), default=None
            Domains of the rows seen at fit; the source rows (``> 0``) are plotted.
            By default the rows with a positive weight are, which includes labelled
            target rows (weight 1) in semi-supervised DA.
        true_weights : array-like, default=None
            Known density ratio of the plotted rows.
        ax : matplotlib Axes, default=None
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : WeightsDisplay
        """
        check_is_fitted(estimator, "weights_")
        w = np.asarray(estimator.weights_)
        if sample_domain is not None:
            sd = np.asarray(sample_domain)
            if sd.shape != w.shape:
                raise ValueError(
                    f"sample_domain has {sd.size} entries but the estimator was fitted on "
                    f"{w.size} rows."
                )
            rows = sd > 0
        else:
            rows = w > 0
        ratio = getattr(estimator, "density_ratio", None)
        name = ratio if isinstance(ratio, str) else type(ratio).__name__
        return cls.from_weights(
            w[rows],
            true_weights=true_weights,
            estimator_name=f"InstanceReweighter({name})",
            ax=ax,
            **plot_kw,
        )
