"""skxfer's own settings (sklearn's global configuration is never touched)."""

import threading
from contextlib import contextmanager

__all__ = ["get_config", "set_config", "config_context"]

_DEFAULTS = {"allow_labelled_target": False}
_local = threading.local()


def _settings():
    if not hasattr(_local, "settings"):
        _local.settings = dict(_DEFAULTS)
    return _local.settings


def get_config():
    """The current skxfer settings, as a new dict.

    Returns
    -------
    config : dict
        ``allow_labelled_target`` (bool): whether fitting on labelled target rows is
        allowed silently (see :func:`set_config`).

    Examples
    --------
    >>> from skxfer import get_config
    >>> get_config()["allow_labelled_target"]
    False
    """
    return dict(_settings())


def set_config(allow_labelled_target=None):
    """Change skxfer's settings for the current thread.

    Parameters
    ----------
    allow_labelled_target : bool, default=None
        ``True``: an estimator that learns from labelled target rows (few-label or
        supervised domain adaptation) uses them without a
        :class:`~skxfer.TargetLabelsUsedWarning`, and accepts a target whose every row
        is labelled (refused otherwise, since target labels left in ``y`` by mistake
        leak into training). ``None`` leaves the setting unchanged.

    Examples
    --------
    >>> from skxfer import get_config, set_config
    >>> set_config(allow_labelled_target=True)
    >>> get_config()["allow_labelled_target"]
    True
    >>> set_config(allow_labelled_target=False)
    """
    if allow_labelled_target is not None:
        _settings()["allow_labelled_target"] = bool(allow_labelled_target)


@contextmanager
def config_context(*, allow_labelled_target=None):
    """Change skxfer's settings within a ``with`` block (see :func:`set_config`).

    The settings are thread-local: joblib workers of another process start from the
    defaults, so opt in inside the function they run.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly, config_context
    >>> X, y = np.array([[0.0], [1.0], [0.1], [0.9]]), np.array([0, 1, 0, 1])
    >>> with config_context(allow_labelled_target=True):  # a fully labelled target
    ...     clf = LabelledOnly(LogisticRegression()).fit(X, y, sample_domain=[1, 1, -1, -1])
    """
    old = get_config()
    set_config(allow_labelled_target=allow_labelled_target)
    try:
        yield
    finally:
        set_config(**old)
