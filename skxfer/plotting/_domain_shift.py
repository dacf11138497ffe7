"""``DomainShiftDisplay``: source and target rows in 2-d, before and after adaptation."""

import inspect

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from .._domains import DEFAULT_SOURCE, is_masked, resolve_sample_domain
from ._utils import get_axes

__all__ = ["DomainShiftDisplay"]

_SOURCE_MARKERS = ("o", "s", "^", "D", "v", "P")
_TARGET_MARKERS = ("X", "*", "p", "h", "<", ">")
_UNLABELLED = "#9a9a9a"


def _embed(X, method, random_state):
    """2-d embedding of ``X`` by PCA (TruncatedSVD for sparse input) or t-SNE."""
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne'; got {method!r}.")
    if sp.issparse(X):
        from sklearn.decomposition import TruncatedSVD

        k = 2 if method == "pca" else min(50, X.shape[1] - 1)
        X = TruncatedSVD(n_components=k, random_state=random_state).fit_transform(X)
        if method == "pca":
            return X
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        X = X.reshape(X.shape[0], -1)
    if X.shape[1] == 1:
        return np.column_stack([X[:, 0], np.zeros(X.shape[0])])
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=random_state).fit_transform(X)
    from sklearn.manifold import TSNE

    perplexity = float(min(30.0, max(2.0, (X.shape[0] - 1) / 4)))
    return TSNE(
        n_components=2, init="pca", perplexity=perplexity, random_state=random_state
    ).fit_transform(X)


class DomainShiftDisplay:
    """Source and target rows in 2-d, coloured by class and marked by domain.

    Build it with :meth:`from_data` (one panel: the raw features) or
    :meth:`from_estimator` (two panels: before and after an adapter such as
    :class:`~skxfer.CORALAligner`), then call :meth:`plot`. Each panel is a 2-d
    embedding of its features (PCA by default, or t-SNE). Source domains are drawn
    with filled markers (``o``, ``s``, ...), target domains with ``X``, ``*``, ...;
    colours are classes, and rows whose label is masked are grey.

    Parameters
    ----------
    embeddings : list of ndarray of shape (n_samples, 2)
        One 2-d embedding per panel.
    labels : ndarray of shape (n_samples,) or None
        Class of each row, used for colours; masked rows (``-1`` / ``NaN``) are grey.
    sample_domain : ndarray of int of shape (n_samples,)
        ``> 0`` source, ``< 0`` target.
    titles : list of str, default=None
        Title of each panel.
    target_names : list of str, default=None
        Class names indexed by label.
    domain_names : dict of int to str, default=None
        Name of each domain index; by default ``"source"`` / ``"target"`` (numbered
        when there are several).

    Attributes
    ----------
    ax_ : matplotlib Axes or list of Axes
        One Axes per panel (a single Axes when there is one panel).
    figure_ : matplotlib Figure
    scatters_ : list of dict of int to PathCollection
        For each panel, the scatter of each domain.

    See Also
    --------
    WeightsDisplay, HistoryDisplay

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skxfer import CORALAligner
    >>> from skxfer.datasets import make_shifted_classification
    >>> from skxfer.plotting import DomainShiftDisplay
    >>> X, y, sd = make_shifted_classification(shift="subspace", random_state=0)
    >>> disp = DomainShiftDisplay.from_estimator(CORALAligner(), X, y, sd)
    >>> len(disp.ax_)
    2
    """

    def __init__(
        self,
        embeddings,
        labels,
        sample_domain,
        *,
        titles=None,
        target_names=None,
        domain_names=None,
    ):
        self.embeddings = embeddings
        self.labels = labels
        self.sample_domain = sample_domain
        self.titles = titles
        self.target_names = target_names
        self.domain_names = domain_names

    def _domain_name(self, d, domains):
        names = self.domain_names or {}
        if d in names:
            return names[d]
        side = "source" if d > 0 else "target"
        same_side = [e for e in domains if (e > 0) == (d > 0)]
        return side if len(same_side) == 1 else f"{side} {abs(d)}"

    def plot(self, ax=None, *, alpha=0.7, s=16, cmap="tab10", legend=True):
        """Draw the panels.

        Parameters
        ----------
        ax : matplotlib Axes or list of Axes, default=None
            Axes to draw on, one per panel; new ones are created when ``None``.
        alpha : float, default=0.7
            Marker opacity.
        s : float, default=16
            Marker size.
        cmap : str or Colormap, default="tab10"
            Colours of the classes.
        legend : bool, default=True
            Draw a legend of domains and classes on the last panel.

        Returns
        -------
        display : DomainShiftDisplay
        """
        from matplotlib import colormaps
        from matplotlib.lines import Line2D

        n_panels = len(self.embeddings)
        fig, axes = get_axes(ax, type(self).__name__, n=n_panels)
        axes_list = axes if n_panels > 1 else [axes]
        sd = np.asarray(self.sample_domain)
        domains = sorted(np.unique(sd), key=lambda d: (d < 0, abs(d)))
        cmap = colormaps[cmap] if isinstance(cmap, str) else cmap

        labels = None if self.labels is None else np.asarray(self.labels)
        masked = np.zeros(len(sd), bool) if labels is None else is_masked(labels)
        classes = [] if labels is None else list(np.unique(labels[~masked]))
        colour_of = {c: cmap(i % cmap.N) for i, c in enumerate(classes)}
        from matplotlib.colors import to_rgba

        rgba = np.tile(to_rgba(_UNLABELLED), (len(sd), 1))
        for c in classes:
            rgba[(labels == c) & ~masked] = to_rgba(colour_of[c])

        self.scatters_ = []
        n_src = n_tgt = 0
        markers = {}
        for d in domains:
            if d > 0:
                markers[d] = _SOURCE_MARKERS[n_src % len(_SOURCE_MARKERS)]
                n_src += 1
            else:
                markers[d] = _TARGET_MARKERS[n_tgt % len(_TARGET_MARKERS)]
                n_tgt += 1
        for i, (a, emb) in enumerate(zip(axes_list, self.embeddings, strict=True)):
            emb = np.asarray(emb)
            scatters = {}
            for d in domains:
                rows = sd == d
                scatters[d] = a.scatter(
                    emb[rows, 0],
                    emb[rows, 1],
                    c=rgba[rows],
                    s=s,
                    alpha=alpha,
                    marker=markers[d],
                    linewidths=0.4,
                    label=self._domain_name(d, domains),
                )
            self.scatters_.append(scatters)
            if self.titles is not None:
                a.set_title(self.titles[i])
            a.set_xlabel("component 1")
            a.set_ylabel("component 2")
            a.set_xticks([])
            a.set_yticks([])
        if legend:
            handles = [
                Line2D(
                    [],
                    [],
                    linestyle="",
                    marker=markers[d],
                    color="#444444",
                    label=self._domain_name(d, domains),
                )
                for d in domains
            ]
            names = self.target_names
            for c in classes:
                name = str(names[int(c)]) if names is not None else f"class {c}"
                handles.append(
                    Line2D([], [], linestyle="", marker="o", color=colour_of[c], label=name)
                )
            if labels is not None and masked.any():
                handles.append(
                    Line2D(
                        [], [], linestyle="", marker="o", color=_UNLABELLED, label="label unknown"
                    )
                )
            axes_list[-1].legend(handles=handles, loc="best", fontsize="small", framealpha=0.8)
        fig.tight_layout()
        self.ax_ = axes
        self.figure_ = fig
        return self

    @classmethod
    def from_data(
        cls,
        X,
        y=None,
        sample_domain=None,
        *,
        labels=None,
        method="pca",
        target_names=None,
        domain_names=None,
        title=None,
        random_state=None,
        ax=None,
        **plot_kw,
    ):
        """One panel: the rows of ``X`` embedded in 2-d.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Source and target rows, stacked.
        y : array-like of shape (n_samples,), default=None
            Labels with masked target rows; give domains when ``sample_domain`` is
            ``None`` (masked rows are target) and colours when ``labels`` is ``None``.
        sample_domain : array-like of shape (n_samples,), default=None
            ``> 0`` source, ``< 0`` target.
        labels : array-like of shape (n_samples,), default=None
            Labels used for colours only, e.g. the true target labels held back for
            evaluation (``DomainDataset.y_true``).
        method : {"pca", "tsne"}, default="pca"
            2-d embedding (t-SNE is slower and its distances are not comparable between
            panels).
        target_names : list of str, default=None
        domain_names : dict of int to str, default=None
        title : str, default=None
        random_state : int, RandomState instance or None, default=None
            Seeds the embedding.
        ax : matplotlib Axes, default=None
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : DomainShiftDisplay
        """
        n = X.shape[0]
        sd = resolve_sample_domain(n, y, sample_domain, default=DEFAULT_SOURCE)
        disp = cls(
            [_embed(X, method, random_state)],
            y if labels is None else labels,
            sd,
            titles=[title or f"features ({method.upper()})"],
            target_names=target_names,
            domain_names=domain_names,
        )
        return disp.plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(
        cls,
        adapter,
        X,
        y=None,
        sample_domain=None,
        *,
        before=True,
        labels=None,
        method="pca",
        target_names=None,
        domain_names=None,
        random_state=None,
        ax=None,
        **plot_kw,
    ):
        """Panels before and after an adapter (a transformer such as CORAL or OT).

        Parameters
        ----------
        adapter : transformer
            A skxfer adapter (or any transformer). When it is not fitted, a clone is
            fitted on ``X, y, sample_domain`` (with the masked labels) and the input
            adapter is left untouched.
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Labels with masked target rows (what the adapter may see).
        sample_domain : array-like of shape (n_samples,), default=None
        before : bool, default=True
            Also draw the raw features in a first panel.
        labels : array-like of shape (n_samples,), default=None
            Labels used for colours only (e.g. true target labels); default ``y``.
        method : {"pca", "tsne"}, default="pca"
        target_names : list of str, default=None
        domain_names : dict of int to str, default=None
        random_state : int, RandomState instance or None, default=None
        ax : matplotlib Axes or list of Axes, default=None
            One Axes per panel.
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : DomainShiftDisplay
        """
        n = X.shape[0]
        sd = resolve_sample_domain(n, y, sample_domain, default=DEFAULT_SOURCE)
        try:
            check_is_fitted(adapter)
        except NotFittedError:
            adapter = clone(adapter)
            if "sample_domain" in inspect.signature(adapter.fit).parameters:
                adapter.fit(X, y, sample_domain=sample_domain)
            else:
                adapter.fit(X, y)
        if "sample_domain" in inspect.signature(adapter.transform).parameters:
            X_new = adapter.transform(X, sample_domain=sd)
        else:
            X_new = adapter.transform(X)
        name = type(adapter).__name__
        embeddings, titles = [], []
        if before:
            embeddings.append(_embed(X, method, random_state))
            titles.append("before adaptation")
        embeddings.append(_embed(X_new, method, random_state))
        titles.append(f"after {name}")
        disp = cls(
            embeddings,
            y if labels is None else labels,
            sd,
            titles=titles,
            target_names=target_names,
            domain_names=domain_names,
        )
        return disp.plot(ax=ax, **plot_kw)
