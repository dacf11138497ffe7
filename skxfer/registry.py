"""The strategy registry: every transfer strategy under a short name.

Strategies are found through the ``importlib.metadata`` entry-point group
``skxfer.strategies``; skxfer's own strategies are registered there by its
``pyproject.toml``, exactly as a third-party package registers its own::

    [project.entry-points."skxfer.strategies"]
    my_aligner = "my_package.module:MyAligner"

Entry points are loaded lazily, when a strategy is looked up, so importing skxfer does
not import torch. :func:`register_strategy` adds one at run time (tests, notebooks).

A strategy is a class whose :class:`~skxfer.base.DATags` ``kind`` says how it is
combined with a user's estimator by :func:`make_strategy`:

- ``"adapter"``: a transformer; the strategy is ``make_da_pipeline(adapter, estimator)``;
- ``"weighting"``: a density-ratio estimator; the strategy is
  ``InstanceReweighter(estimator, method=name)``;
- ``"estimator"``: a complete classifier / regressor; built with ``estimator=`` when
  its constructor takes one.
"""

import inspect
from typing import NamedTuple

from sklearn.base import clone

from ._plugins import PluginRegistry
from .base import get_da_tags

__all__ = [
    "list_strategies",
    "get_strategy",
    "register_strategy",
    "make_strategy",
    "strategy_module",
    "strategy_table",
    "StrategyInfo",
]

ENTRY_POINT_GROUP = "skxfer.strategies"


def _check_strategy(strategy):
    if not inspect.isclass(strategy) or get_da_tags(_instantiate(strategy)) is None:
        raise TypeError(
            f"{strategy!r} is not a skxfer strategy: register an estimator class whose "
            "__sklearn_tags__ carry DA tags (derive from skxfer.base.BaseAdapter or use "
            "skxfer.base.DomainAwareMixin)."
        )


#: The strategies: entry points of ``skxfer.strategies`` and run-time registrations.
STRATEGIES = PluginRegistry(ENTRY_POINT_GROUP, "strategy", check=_check_strategy)


def register_strategy(name, strategy, *, overwrite=False):
    """Register a strategy class under ``name`` for this process.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"coral"``.
    strategy : type
        An estimator class with skxfer DA tags (see :mod:`skxfer.registry`).
    overwrite : bool, default=False
        Replace an existing registration instead of raising.

    Examples
    --------
    >>> from skxfer import CORALAligner, register_strategy, get_strategy
    >>> register_strategy("my_coral", CORALAligner)
    >>> get_strategy("my_coral") is CORALAligner
    True
    """
    STRATEGIES.register(name, strategy, overwrite=overwrite)


def list_strategies(kind=None, family=None):
    """Names of the registered strategies, sorted.

    Parameters
    ----------
    kind : str, default=None
        Keep only ``"adapter"``, ``"weighting"`` or ``"estimator"`` strategies.
        Filtering loads the strategies' modules.
    family : str, default=None
        Keep only one family of the taxonomy (``"feature"``, ``"instance"``, ...).

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from skxfer import list_strategies
    >>> {"coral", "sa"} <= set(list_strategies())
    True
    """
    names = STRATEGIES.names()
    if kind is None and family is None:
        return names
    kept = []
    for name in names:
        tags = get_da_tags(_instantiate(get_strategy(name)))
        if (kind is None or tags.kind == kind) and (family is None or tags.family == family):
            kept.append(name)
    return kept


def get_strategy(name):
    """Return the strategy class registered under ``name``.

    Parameters
    ----------
    name : str

    Returns
    -------
    cls : type

    Examples
    --------
    >>> from skxfer import get_strategy
    >>> get_strategy("coral").__name__
    'CORALAligner'
    """
    return STRATEGIES.get(name)


def _instantiate(cls, **params):
    return cls(**params)


def make_strategy(name, estimator=None, **params):
    """Build a complete DA estimator from a strategy name and a base estimator.

    Parameters
    ----------
    name : str or estimator
        Registered name, or an already built skxfer estimator (returned as a clone).
    estimator : estimator, default=None
        The user's classifier or regressor (required for adapter and weighting
        strategies; passed as ``estimator=`` to estimator strategies that take one).
    **params : dict
        Parameters of the strategy class.

    Returns
    -------
    da_estimator : estimator
        Ready to ``fit(X, y, sample_domain=None)``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import make_strategy
    >>> make_strategy("coral", LogisticRegression())
    DAPipeline(steps=[('coralaligner', CORALAligner()),
                      ('logisticregression',
                       LabelledOnly(estimator=LogisticRegression()))])
    """
    from .pipeline import make_da_pipeline

    if not isinstance(name, str):
        return clone(name)
    cls = get_strategy(name)
    kind = get_da_tags(_instantiate(cls)).kind
    if kind == "adapter":
        _require_estimator(name, estimator)
        return make_da_pipeline(cls(**params), clone(estimator))
    if kind == "weighting":
        from .reweighting import InstanceReweighter

        _require_estimator(name, estimator)
        return InstanceReweighter(clone(estimator), density_ratio=cls(**params))
    if estimator is not None and "estimator" in inspect.signature(cls).parameters:
        params["estimator"] = clone(estimator)
    return cls(**params)


def _require_estimator(name, estimator):
    if estimator is None:
        raise ValueError(
            f"Strategy {name!r} transfers through a base estimator: pass one, e.g. "
            "make_strategy(name, LogisticRegression())."
        )


def strategy_module(name):
    """Module that defines strategy ``name``, found without importing it.

    Lets callers skip strategies (e.g. deep ones under ``skxfer.deep``, which import
    torch) before loading them.

    Parameters
    ----------
    name : str

    Returns
    -------
    module : str

    Examples
    --------
    >>> from skxfer.registry import strategy_module
    >>> strategy_module("coral")
    'skxfer.alignment'
    """
    return STRATEGIES.module(name)


class StrategyInfo(NamedTuple):
    """One row of :func:`strategy_table`."""

    name: str
    cls: str
    family: str
    kind: str
    requires_target: bool
    uses_target_labels: bool


def strategy_table(include_deep=True):
    """Describe every registered strategy from its DA tags.

    ``uses_target_labels`` is that of the strategy as :func:`make_strategy` builds it:
    an adapter is followed by :class:`~skxfer.pipeline.LabelledOnly`, which keeps
    labelled target rows, and a weighting strategy is wrapped in
    :class:`~skxfer.reweighting.InstanceReweighter`, which fits on them with weight 1, so
    both use them even though the adapter or density-ratio estimator itself (its own
    tag) does not.

    Parameters
    ----------
    include_deep : bool, default=True
        Include strategies defined under ``skxfer.deep`` (loading them imports torch).

    Returns
    -------
    rows : list of StrategyInfo
        ``(name, cls, family, kind, requires_target, uses_target_labels)``, by name.

    Examples
    --------
    >>> from skxfer.registry import strategy_table
    >>> row = {r.name: r for r in strategy_table(include_deep=False)}["coral"]
    >>> row.cls, row.kind, row.uses_target_labels
    ('CORALAligner', 'adapter', True)
    """
    rows = []
    for name in list_strategies():
        if not include_deep and strategy_module(name).startswith("skxfer.deep"):
            continue
        cls = get_strategy(name)
        tags = get_da_tags(_instantiate(cls))
        rows.append(
            StrategyInfo(
                name,
                cls.__name__,
                tags.family,
                tags.kind,
                bool(tags.requires_target),
                bool(tags.uses_target_labels or tags.kind in ("adapter", "weighting")),
            )
        )
    return rows
