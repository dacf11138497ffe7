"""Shared helpers of the displays: lazy matplotlib import, axes creation."""

__all__ = []


def check_matplotlib(caller):
    """Import and return ``matplotlib.pyplot``, with an actionable error if missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{caller} needs matplotlib: pip install skxfer[plot] (or pip install matplotlib)."
        ) from exc
    return plt


def get_axes(ax, caller, n=1, figsize=None):
    """Return ``(figure, axes)``: new ones when ``ax`` is None, else the given ones.

    With ``n > 1`` the axes are a list of ``n`` Axes, laid out side by side.
    """
    plt = check_matplotlib(caller)
    if ax is None:
        fig, axes = plt.subplots(1, n, figsize=figsize or (5.0 * n, 4.2), squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(ax) if n > 1 else [ax]
        if len(axes) != n:
            raise ValueError(f"{caller} draws {n} panels: pass {n} Axes in ax, got {len(axes)}.")
        fig = axes[0].figure
    return fig, (axes if n > 1 else axes[0])
