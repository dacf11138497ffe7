"""Compare transfer strategies side by side with the no-transfer baselines."""

import functools
import inspect
import json
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from sklearn import config_context
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import StratifiedKFold, check_cv, cross_val_predict
from sklearn.utils.parallel import Parallel, delayed

from .._config import config_context as skxfer_config_context
from .._config import get_config as get_skxfer_config
from .._domains import check_domains_agree, infer_sample_domain, is_masked
from ..base import BaseDAMetaEstimator, DATags, get_da_tags
from ..pipeline import LabelledOnly
from ..registry import get_strategy, list_strategies, make_strategy, strategy_module
from ._scorers import _DAScorer, _proba, _rows, get_da_scorer
from ._split import DomainShuffleSplit, resolve_domains

__all__ = ["compare_strategies", "ComparisonReport", "applicable_strategies", "resolve_param"]

SOURCE_ONLY = "source_only"
TARGET_ONLY = "target_only"
#: Families tried only when named: deep networks (torch, long fits), and relation-based
#: transfer, which needs labelled target rows and is meant for differing label sets.
_OPT_IN_FAMILIES = {"adversarial", "alignment", "model", "source_free", "relation"}


def applicable_strategies():
    """Registered strategies tried by default with a user's estimator.

    Adapter and weighting strategies, and complete estimators of the shallow families.
    Deep ones (adversarial, deep alignment, fine-tuning, source-free) are tried only when
    named, since they need torch and much longer fits; so is relation-based transfer,
    which needs labelled target rows and is meant for a target label set of its own.

    Examples
    --------
    >>> from skxfer.model_selection import applicable_strategies
    >>> {"coral", "sa"} <= set(applicable_strategies())
    True
    """
    names = []
    for name in list_strategies():
        if strategy_module(name).startswith("skxfer.deep"):
            continue  # skipped without importing torch
        try:
            tags = get_da_tags(get_strategy(name)())
        except Exception:  # a plugin that cannot load (missing extra) is skipped
            continue
        if tags is None:
            continue
        if tags.kind in ("adapter", "weighting") or tags.family not in _OPT_IN_FAMILIES:
            names.append(name)
    return names


class _TargetOnly(BaseDAMetaEstimator):
    """Baseline fitted on the labelled target rows only (needs ``sample_domain``)."""

    _da_tags = DATags(
        family="model", kind="estimator", requires_target=True, uses_target_labels=True
    )

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, sample_domain=None):
        if sample_domain is None:
            raise ValueError("The target-only baseline needs sample_domain.")
        y = np.asarray(y)
        keep = np.flatnonzero((np.asarray(sample_domain) < 0) & ~is_masked(y))
        self.estimator_ = clone(self.estimator).fit(_rows(X, keep), y[keep])
        self.classes_ = getattr(self.estimator_, "classes_", None)
        return self


def _strategy_name(strategy):
    if strategy is None:
        return SOURCE_ONLY
    if isinstance(strategy, str):
        return strategy
    est = strategy
    if hasattr(est, "steps"):
        heads = [type(s).__name__ for _, s in est.steps[:-1]]
        if heads:
            return "+".join(heads)
        est = est.steps[-1][1]
    return type(est).__name__


def resolve_param(estimator, key):
    """Full parameter name of ``key`` in ``estimator``: itself, or the one ``...__key``.

    Lets a grid say ``reg`` or ``C`` instead of ``otaligner__reg`` or
    ``logisticregression__estimator__C``; an ambiguous or unknown short name is an error.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import make_strategy
    >>> from skxfer.model_selection._compare import resolve_param
    >>> pipe = make_strategy("coral", LogisticRegression())
    >>> resolve_param(pipe, "C")
    'logisticregression__estimator__C'
    """
    params = estimator.get_params()
    if key in params:
        return key
    found = [p for p in params if p.endswith(f"__{key}")]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(
            f"{type(estimator).__name__} has no parameter {key!r} (nor one ending in "
            f"'__{key}'); its parameters are {sorted(params)}."
        )
    shallow = min(found, key=lambda p: p.count("__"))
    if sum(p.count("__") == shallow.count("__") for p in found) == 1:
        return shallow
    raise ValueError(
        f"Parameter {key!r} is ambiguous in {type(estimator).__name__}: it matches "
        f"{sorted(found)}. Use the full name."
    )


def _grid_name(name, params):
    return f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"


def _expand_grid(name, strategy, grid, estimator):
    """``[(name(p=v, ...), estimator)]`` for every point of a parameter grid."""
    from sklearn.model_selection import ParameterGrid

    base = make_strategy(strategy, estimator) if isinstance(strategy, str) else clone(strategy)
    out = []
    for params in ParameterGrid(grid):
        est = clone(base)
        est.set_params(**{resolve_param(est, k): v for k, v in params.items()})
        out.append((_grid_name(name, params), est))
    return out


def _is_grid_pair(item):
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[1], (dict, list))
        and not isinstance(item[0], tuple)
    )


def build_candidates(strategies, estimator, *, baseline=True):
    """``{name: unfitted estimator}`` for the strategies, source-only first.

    Parameters
    ----------
    strategies : None, list or dict
        ``None``: :func:`applicable_strategies`. Items are names (built by
        :func:`skxfer.make_strategy`), estimators (cloned), or ``(strategy,
        param_grid)`` pairs: one candidate per point of the grid (a dict, or a list of
        dicts, as in ``GridSearchCV``), named ``"ot(reg=0.1)"``. Grid keys are full
        parameter names or unique suffixes (``"reg"``, ``"C"``, see
        :func:`resolve_param`); ``(None, grid)`` grids the source-only baseline (the
        base estimator's own parameters, e.g. ``{"C": [0.1, 1]}``).
    estimator : estimator
        Base estimator of named strategies and of the source-only baseline.
    baseline : bool, default=True
        Add ``"source_only"`` (``LabelledOnly(estimator)``).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer.model_selection._compare import build_candidates
    >>> list(build_candidates(["coral", ("ot", {"reg": [0.1, 1.0]})], LogisticRegression()))
    ['source_only', 'coral', 'ot(reg=0.1)', 'ot(reg=1.0)']
    """
    default = strategies is None
    if default:
        strategies = applicable_strategies()
    if isinstance(strategies, (str, BaseEstimator)) or _is_grid_pair(strategies):
        strategies = [strategies]
    items = (
        list(strategies.items())
        if isinstance(strategies, dict)
        else [(_strategy_name(s[0] if _is_grid_pair(s) else s), s) for s in strategies]
    )
    out = {SOURCE_ONLY: LabelledOnly(clone(estimator))} if baseline else {}
    expanded = []
    for name, strat in items:
        if _is_grid_pair(strat):
            strategy, grid = strat
            if strategy is None:
                strategy, name = LabelledOnly(clone(estimator)), SOURCE_ONLY
            expanded.extend(_expand_grid(name, strategy, grid, estimator))
        else:
            expanded.append((name, strat))
    for name, strat in expanded:
        if name in out:
            if name == SOURCE_ONLY:
                continue
            i = 2
            while f"{name}_{i}" in out:
                i += 1
            name = f"{name}_{i}"
        try:
            out[name] = make_strategy(strat, estimator) if isinstance(strat, str) else clone(strat)
        except ImportError as exc:
            if not default:
                raise
            # a registered strategy whose optional dependency is missing: skip it
            warnings.warn(f"Strategy {name!r} skipped: {exc}", UserWarning, stacklevel=2)
    return out


def _seeded(est, seed):
    params = {
        k: seed for k, v in est.get_params().items() if k.endswith("random_state") and v is None
    }
    return est.set_params(**params) if params else est


def _explicit_domains(y, sample_domain):
    """``sample_domain`` when it says more than the mask of ``y``, else ``None``."""
    if sample_domain is None:
        return None
    inferred = infer_sample_domain(y)
    return None if np.array_equal(inferred, sample_domain) else sample_domain


def _fit(est, X, y, sd):
    if sd is None:
        return est.fit(X, y)
    with config_context(enable_metadata_routing=True):
        return est.fit(X, y, sample_domain=sd)


def _fit_and_score(name, est, X, y, sd, train, test, scorer, seed, error_score, target_proba=False):
    """Fit on ``train``, score on ``test``; ``scorer`` may be a list (one fit, all scores).

    With ``target_proba``, a fifth item: the class probabilities of the test fold's
    target rows (columns ``est.classes_``), or ``None`` when the fit failed.
    """
    scorers = scorer if isinstance(scorer, list) else [scorer]
    est = _seeded(clone(est), seed)
    sd_tr = None if sd is None else sd[train]
    start = time.perf_counter()
    try:
        _fit(est, _rows(X, train), y[train], sd_tr)
        fit_time = time.perf_counter() - start
        scores = []
        for one in scorers:
            kw = {}
            if sd is not None and isinstance(one, _DAScorer):
                kw["sample_domain"] = sd[test]
            scores.append(float(one(est, _rows(X, test), y[test], **kw)))
        error = None
    except Exception as exc:
        if error_score == "raise":
            raise
        fit_time = time.perf_counter() - start
        scores, error = [error_score] * len(scorers), f"{type(exc).__name__}: {exc}"
    out = (name, (scores if isinstance(scorer, list) else scores[0]), fit_time, error)
    if not target_proba:
        return out
    proba = None
    if error is None:
        target = test[
            resolve_domains(_rows(X, test), y[test], None if sd is None else sd[test]) < 0
        ]
        proba = (np.asarray(est.classes_), _proba(est, _rows(X, target)))
    return (*out, proba)


def _fit_and_predict(name, est, X, y, sd, target, seed, error_score):
    est = _seeded(clone(est), seed)
    start = time.perf_counter()
    try:
        _fit(est, X, y, sd)
        fit_time = time.perf_counter() - start
        return name, np.asarray(est.predict(_rows(X, target))), fit_time, None
    except Exception as exc:
        if error_score == "raise":
            raise
        return name, None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"


def _in_skxfer_config(config, function, *args, **kwargs):
    with skxfer_config_context(**config):
        return function(*args, **kwargs)


def _run(tasks, n_jobs, verbose, desc):
    # joblib workers of another process start from skxfer's defaults: carry the
    # caller's settings (e.g. allow_labelled_target) to every task
    config = get_skxfer_config()
    tasks = (
        delayed(functools.partial(_in_skxfer_config, config, getattr(f, "function", f)))(
            *args, **kwargs
        )
        for f, args, kwargs in tasks
    )
    if not verbose:
        return Parallel(n_jobs=n_jobs)(tasks)
    tasks = list(tasks)
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return Parallel(n_jobs=n_jobs)(tasks)
    gen = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    return list(tqdm(gen, total=len(tasks), desc=desc))


def _one_sided_paired_p(scores, base):
    """p-value of H1 "the strategy is worse than the baseline" (paired t-test)."""
    d = np.asarray(scores) - np.asarray(base)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return float("nan")
    if np.allclose(d, d[0]):
        return 0.0 if d[0] < 0 else 1.0
    return float(stats.ttest_rel(d, np.zeros_like(d), alternative="less").pvalue)


def _mcnemar_worse_p(pred, base_pred, y_true):
    """One-sided exact McNemar test: H1 "the strategy makes more errors than the baseline"."""
    ok, base_ok = pred == y_true, base_pred == y_true
    b = int(np.sum(~ok & base_ok))  # strategy wrong, baseline right
    c = int(np.sum(ok & ~base_ok))
    if b + c == 0:
        return 1.0
    return float(stats.binomtest(b, b + c, 0.5, alternative="greater").pvalue)


@dataclass
class ComparisonReport:
    """Results of :func:`compare_strategies` (and of :class:`TransferSelector`).

    Parameters
    ----------
    scores : dict of str to ndarray
        Per fold (cross-validation mode) or per seed (held-out mode) score of each
        strategy.
    fit_times : dict of str to ndarray
        Fit seconds, aligned with ``scores``.
    metric : str
        What the scores are (scorer's repr, or ``"target accuracy (held-out labels)"``).
    mode : {"cv", "held_out"}
        Unsupervised (or semi-supervised) cross-validation, or target accuracy measured
        with held-out true target labels.
    baseline : str or None, default="source_only"
        Row the gains and the negative-transfer test refer to.
    p_values : dict of str to float
        One-sided p-value of "worse than the baseline" (paired t-test over folds in
        ``"cv"`` mode, exact McNemar test on target predictions in ``"held_out"`` mode).
    alpha : float, default=0.05
        Significance level of the negative-transfer flag.
    errors : dict of str to list of str
        Failures of strategies that could not be evaluated.
    extra : dict of str to dict
        More columns per row (e.g. shift diagnostics in :func:`rank_sources`).
    selected : str or None
        Strategy chosen by a selector, marked in the table.
    """

    scores: dict
    fit_times: dict
    metric: str
    mode: str = "cv"
    baseline: str = SOURCE_ONLY
    p_values: dict = field(default_factory=dict)
    alpha: float = 0.05
    errors: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    selected: str = None

    @property
    def strategies(self):
        """Names of the rows, in table order."""
        return list(self.scores)

    def mean(self, name):
        """Mean score of one row (NaN folds ignored)."""
        s = np.asarray(self.scores[name], dtype=float)
        return float(np.nanmean(s)) if np.isfinite(s).any() else float("nan")

    def _win_rate(self, name):
        if self.baseline is None or name == self.baseline or self.baseline not in self.scores:
            return float("nan")
        d = np.asarray(self.scores[name], float) - np.asarray(self.scores[self.baseline], float)
        d = d[np.isfinite(d)]
        return float(np.mean(d > 0)) if d.size else float("nan")

    @property
    def rows(self):
        """One dict per strategy: strategy, mean, std, n, fit_time, gain, win_rate,
        p_value, negative_transfer (and the ``extra`` columns)."""
        base = self.mean(self.baseline) if self.baseline in self.scores else float("nan")
        out = []
        for name, s in self.scores.items():
            s = np.asarray(s, dtype=float)
            finite = s[np.isfinite(s)]
            mean = self.mean(name)
            gain = mean - base if name != self.baseline else 0.0
            p = self.p_values.get(name, float("nan"))
            row = {
                "strategy": name,
                "mean": mean,
                "std": float(np.std(finite, ddof=1)) if finite.size > 1 else 0.0,
                "n": int(finite.size),
                "fit_time": float(np.mean(self.fit_times.get(name, [np.nan]))),
                "gain": float(gain),
                "win_rate": self._win_rate(name),
                "p_value": float(p),
                "negative_transfer": bool(np.isfinite(p) and p < self.alpha and gain < 0),
            }
            for k, v in self.extra.get(name, {}).items():
                row[k] = v
            out.append(row)
        return out

    @property
    def best(self):
        """Row with the highest mean score, baselines included (target-only excluded)."""
        means = {n: self.mean(n) for n in self.scores if n != TARGET_ONLY}
        means = {n: m for n, m in means.items() if np.isfinite(m)}
        return max(means, key=means.get) if means else None

    def to_dict(self):
        """A JSON-serialisable dict: settings, rows and per-fold scores."""
        return {
            "metric": self.metric,
            "mode": self.mode,
            "baseline": self.baseline,
            "alpha": self.alpha,
            "selected": self.selected,
            "rows": [
                {
                    k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                    for k, v in row.items()
                }
                for row in self.rows
            ],
            "scores": {
                k: [None if not np.isfinite(v) else float(v) for v in np.asarray(s, float)]
                for k, s in self.scores.items()
            },
            "errors": {k: list(v) for k, v in self.errors.items()},
        }

    def to_json(self, **kwargs):
        """JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self):
        """A :class:`pandas.DataFrame` with one row per strategy (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover
            raise ImportError("ComparisonReport.to_frame needs pandas: pip install pandas") from exc
        return pd.DataFrame(self.rows).set_index("strategy")

    def to_text(self, digits=3):
        """Plain-text table (what ``str(report)`` prints)."""
        pct = self.mode == "held_out"
        extra_cols = sorted({k for v in self.extra.values() for k in v})
        head = ["strategy", "mean", "std", "n", "fit s", "gain", "wins", "p(worse)", "neg."]
        head += extra_cols
        lines = []
        for row in self.rows:

            def num(v, scale=1.0):
                if v is None or (isinstance(v, float) and not np.isfinite(v)):
                    return "-"
                return f"{v * scale:.{1 if pct and scale == 100 else digits}f}"

            scale = 100.0 if pct else 1.0
            name = row["strategy"] + (" *" if row["strategy"] == self.selected else "")
            cells = [
                name,
                num(row["mean"], scale),
                num(row["std"], scale),
                str(row["n"]),
                num(row["fit_time"]),
                (
                    "-"
                    if row["strategy"] == self.baseline
                    else f"{row['gain'] * scale:+.{1 if pct else digits}f}"
                ),
                num(row["win_rate"]),
                num(row["p_value"]),
                "YES" if row["negative_transfer"] else "",
            ]
            cells += [
                num(row.get(c)) if not isinstance(row.get(c), str) else row[c] for c in extra_cols
            ]
            lines.append(cells)
        widths = [max(len(str(c)) for c in col) for col in zip(head, *lines, strict=True)]
        fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
        title = (
            f"Strategy comparison ({'held-out target labels' if pct else 'cross-validation'}; "
            f"score: {self.metric}{', in %' if pct else ''}; greater is better)"
        )
        out = [title, fmt.format(*head)]
        out += [fmt.format(*cells) for cells in lines]
        notes = []
        if self.baseline is not None:
            notes.append(
                f"gain vs {self.baseline}; neg. = negative transfer (one-sided "
                f"{'McNemar' if pct else 'paired t-test'} p < {self.alpha})"
            )
        if self.selected is not None:
            notes.append(f"* selected: {self.selected}")
        for name, errs in self.errors.items():
            if errs:
                notes.append(f"{name} failed on {len(errs)} fit(s): {errs[0]}")
        return "\n".join(out + notes)

    def __str__(self):
        return self.to_text()

    def plot(self, ax=None):
        """Bar chart of mean ± std per strategy (needs matplotlib, imported lazily).

        Parameters
        ----------
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : skxfer.plotting.ComparisonDisplay
            With ``ax_``, ``figure_`` and ``bars_`` (scikit-learn's Display pattern).
        """
        from ..plotting import ComparisonDisplay

        return ComparisonDisplay.from_report(self, ax=ax)


def _check_target_labels(target_labels, y, target):
    t = np.asarray(target_labels)
    if t.ndim != 1:
        raise ValueError("target_labels must be a 1-d array of true target labels.")
    if t.shape[0] == y.shape[0]:
        t = t[target]
    elif t.shape[0] != target.size:
        raise ValueError(
            f"target_labels has {t.shape[0]} entries; give one per target row ({target.size}) "
            f"or one per row of X ({y.shape[0]})."
        )
    if is_masked(t).any():
        raise ValueError("target_labels must be the true labels of every target row (no -1).")
    return t


def _target_only_cv(estimator, X, target, y_target, n_repeats, random_state):
    counts = np.unique(y_target, return_counts=True)[1]
    k = int(min(5, counts.min()))
    if k < 2:
        return np.full(n_repeats, np.nan), np.full(n_repeats, np.nan)
    accs, times = [], []
    for r in range(n_repeats):
        start = time.perf_counter()
        cv = StratifiedKFold(k, shuffle=True, random_state=random_state + r)
        pred = cross_val_predict(clone(estimator), _rows(X, target), y_target, cv=cv)
        times.append((time.perf_counter() - start) / k)
        accs.append(accuracy_score(y_target, pred))
    return np.asarray(accs), np.asarray(times)


def compare_strategies(
    strategies,
    X,
    y,
    sample_domain=None,
    *,
    estimator=None,
    cv=None,
    scoring=None,
    n_jobs=None,
    target_labels=None,
    n_repeats=1,
    alpha=0.05,
    min_target_labels=10,
    error_score=np.nan,
    random_state=0,
    verbose=False,
):
    """Cross-validate transfer strategies side by side with the no-transfer baselines.

    Two modes share one report class:

    - **unsupervised / semi-supervised** (``target_labels=None``): each strategy is
      fitted on the training folds of ``cv`` (source labels, target rows masked) and
      scored on the validation folds by ``scoring``, an unsupervised DA scorer by default
      (:class:`SupervisedTargetScorer` when at least ``min_target_labels`` target rows
      are labelled, marked by ``sample_domain``; a target-only baseline is then added);
    - **held-out target labels** (``target_labels`` given, e.g. benchmark data): each
      strategy is fitted transductively on all of ``X, y`` (target rows masked) and its
      accuracy on the target rows is measured with the true labels, ``n_repeats`` times
      with seeds ``random_state + r`` (for stochastic strategies). A target-only oracle
      (stratified 5-fold CV on the labelled target) is added.

    The source-only baseline (``LabelledOnly(estimator)``) is always evaluated on the
    same folds / seeds; every strategy's gain over it, the share of folds it wins, and a
    one-sided test of "worse than source-only" (paired t-test over folds, or exact McNemar
    test on the target predictions) flag negative transfer.

    Parameters
    ----------
    strategies : None, str, estimator, list or dict
        Registered names (built with ``make_strategy(name, estimator)``) and/or DA
        estimators; a dict gives the row names. ``None``: every applicable registered
        strategy (:func:`applicable_strategies`).
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Labels, unknown target labels masked (``-1`` / ``NaN``).
    sample_domain : array-like of shape (n_samples,), default=None
        Inferred from the mask when ``None``; needed for several sources or for
        labelled target rows.
    estimator : estimator, default=None
        Base estimator; ``LogisticRegression(max_iter=1000)`` when ``None``.
    cv : int, splitter or iterable, default=None
        Cross-validation mode only. ``None``: ``DomainShuffleSplit(5, random_state=random_state)``;
        an int ``k``: ``DomainShuffleSplit(k, ...)``.
    scoring : str or callable, default=None
        A DA scorer or its short name (see :func:`get_da_scorer`); ``None``:
        ``ImportanceWeightedScorer()`` (or ``SupervisedTargetScorer()``, see above).
    n_jobs : int, default=None
        Parallel fits through joblib (``joblib.parallel_config("dask")`` spreads them
        over a Dask cluster).
    target_labels : array-like, default=None
        True labels of the target rows (one per target row, or one per row of ``X``):
        switches to the held-out mode.
    n_repeats : int, default=1
        Seeds per strategy in held-out mode.
    alpha : float, default=0.05
        Level of the negative-transfer test.
    min_target_labels : int, default=10
        Labelled target rows needed for the target-only baseline (cross-validation mode).
    error_score : "raise" or float, default=nan
        Score of a fold whose fit or scoring fails (the error is kept in the report).
    random_state : int, default=0
        Seeds the default splitter and strategies whose ``random_state`` is ``None``.
    verbose : bool, default=False
        Show a tqdm progress bar.

    Returns
    -------
    report : ComparisonReport
        ``str(report)`` renders the table; ``report.to_frame()``, ``to_dict()``,
        ``plot()``.

    Examples
    --------
    >>> from skxfer.model_selection import compare_strategies
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> report = compare_strategies(["coral"], X, y, cv=3)
    >>> report.strategies
    ['source_only', 'coral']
    >>> print(report.to_text())  # doctest: +ELLIPSIS
    Strategy comparison (cross-validation; ...
    """
    estimator = LogisticRegression(max_iter=1000) if estimator is None else estimator
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if hasattr(X, "shape") is False:
        X = np.asarray(X)
    sd = resolve_domains(X, y, sample_domain)
    if not np.any(sd < 0):
        raise ValueError(
            "compare_strategies found no target row: mask the unknown target labels "
            "(-1 / NaN) or pass sample_domain with negative entries for target rows."
        )
    explicit = _explicit_domains(y, sd)
    if explicit is not None:
        # the labels every candidate would get: refused or announced here, once
        check_domains_agree(_TargetOnly(estimator), y, sd, name="compare_strategies")
    candidates = build_candidates(strategies, estimator)
    target = np.flatnonzero(sd < 0)
    if target_labels is not None:
        return _compare_held_out(
            candidates,
            estimator,
            X,
            y,
            explicit,
            target,
            _check_target_labels(target_labels, y, target),
            n_repeats,
            n_jobs,
            alpha,
            random_state,
            verbose,
            error_score,
        )

    labelled_target = int(np.sum((sd < 0) & ~is_masked(y)))
    if labelled_target >= min_target_labels:
        candidates[TARGET_ONLY] = _TargetOnly(clone(estimator))
        explicit = sd
    if scoring is None:
        scoring = (
            "supervised_target" if labelled_target >= min_target_labels else ("importance_weighted")
        )
    scorer = get_da_scorer(scoring)
    if cv is None or isinstance(cv, int):
        cv = DomainShuffleSplit(5 if cv is None else cv, random_state=random_state)
    splits = _splits(cv, X, y, sd)
    tasks = (
        delayed(_fit_and_score)(
            name, est, X, y, explicit, tr, te, scorer, random_state, error_score
        )
        for name, est in candidates.items()
        for tr, te in splits
    )
    results = _run(tasks, n_jobs, verbose, "compare_strategies")
    return _collect(results, candidates, scorer, alpha)


def _splits(cv, X, y, sd):
    """The folds of ``cv``, giving it ``sample_domain`` when its ``split`` takes one."""
    if cv is None or isinstance(cv, int):
        cv = DomainShuffleSplit(5 if cv is None else cv, random_state=0)
    elif not hasattr(cv, "split"):
        cv = check_cv(cv)
    if "sample_domain" in inspect.signature(cv.split).parameters:
        return list(cv.split(X, y, sample_domain=sd))
    return list(cv.split(X, y))


def _collect(results, candidates, scorer, alpha, baseline=SOURCE_ONLY):
    scores = {n: [] for n in candidates}
    times = {n: [] for n in candidates}
    errors = {}
    for name, score, t, err in results:
        scores[name].append(score)
        times[name].append(t)
        if err:
            errors.setdefault(name, []).append(err)
    scores = {n: np.asarray(v, float) for n, v in scores.items()}
    times = {n: np.asarray(v, float) for n, v in times.items()}
    for name, errs in errors.items():
        warnings.warn(
            f"Strategy {name!r} failed on {len(errs)} fold(s): {errs[0]}", UserWarning, stacklevel=3
        )
    p_values = {}
    if baseline in scores:
        for name, s in scores.items():
            if name not in (baseline, TARGET_ONLY):
                p_values[name] = _one_sided_paired_p(s, scores[baseline])
    metric = scorer if isinstance(scorer, str) else repr(scorer)
    return ComparisonReport(
        scores=scores,
        fit_times=times,
        metric=metric,
        mode="cv",
        baseline=baseline if baseline in scores else None,
        p_values=p_values,
        alpha=alpha,
        errors=errors,
    )


def _compare_held_out(
    candidates,
    estimator,
    X,
    y,
    sd,
    target,
    y_target,
    n_repeats,
    n_jobs,
    alpha,
    random_state,
    verbose,
    error_score,
):
    tasks = (
        delayed(_fit_and_predict)(name, est, X, y, sd, target, random_state + r, error_score)
        for name, est in candidates.items()
        for r in range(n_repeats)
    )
    results = _run(tasks, n_jobs, verbose, "compare_strategies (held-out)")
    preds = {n: [] for n in candidates}
    times = {n: [] for n in candidates}
    errors = {}
    for name, pred, t, error in results:
        preds[name].append(pred)
        times[name].append(t)
        if error is not None:
            errors.setdefault(name, []).append(error)
    scores = {
        n: np.asarray([np.nan if p is None else accuracy_score(y_target, p) for p in ps])
        for n, ps in preds.items()
    }
    p_values = {}
    base = preds[SOURCE_ONLY]
    for name, ps in preds.items():
        if name != SOURCE_ONLY and name not in errors:
            p_values[name] = float(
                np.median([_mcnemar_worse_p(p, b, y_target) for p, b in zip(ps, base, strict=True)])
            )
    acc, t = _target_only_cv(estimator, X, target, y_target, n_repeats, random_state)
    scores[TARGET_ONLY] = acc
    times = {n: np.asarray(v, float) for n, v in times.items()}
    times[TARGET_ONLY] = t
    return ComparisonReport(
        scores=scores,
        fit_times=times,
        metric="target accuracy (held-out labels)",
        mode="held_out",
        baseline=SOURCE_ONLY,
        p_values=p_values,
        alpha=alpha,
        errors=errors,
    )
