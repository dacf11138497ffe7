"""TransferSelector: pick a transfer strategy without target labels, or don't transfer."""

import numbers
import warnings

import numpy as np
from joblib import effective_n_jobs
from scipy import stats
from sklearn.base import clone, is_classifier
from sklearn.utils.validation import column_or_1d

from .._domains import is_masked, validate_da_data
from ..base import BaseDAMetaEstimator, DATags
from ..pipeline import LabelledOnly
from ._compare import (
    SOURCE_ONLY,
    _collect,
    _explicit_domains,
    _fit,
    _fit_and_score,
    _run,
    _seeded,
    _splits,
    build_candidates,
)
from ._few_labels import (
    MeanProbaClassifier,
    few_label_baselines,
    few_label_rows,
    few_label_splits,
    hedge_members,
    held_out_correctness,
    mean_probabilities,
)
from ._scorers import _DAScorer, _rows, get_da_scorer
from ._source_selection import expand_sources
from ._split import DomainShuffleSplit

__all__ = ["TransferSelector"]


#: Default scorers of the selector (``rule="rank"`` averages their ranks), one per kind
#: of evidence: source labels weighted towards the target (they collapse when the
#: domains are nearly separable), the confidence of the target predictions (guarded
#: against collapse; it favours sharp models), their consistency under mixup (MixVal),
#: and their agreement over the target's own neighbourhoods (it favours smooth models).
#: Chosen on the benchmark's tasks (``benchmarks/bench_selection.py``): soft
#: neighbourhood density, a second confidence scorer, gave way to the neighbourhood
#: agreement there, so those figures are not held-out.
DEFAULT_SCORING = ("importance_weighted", "entropy", "mixval", "neighborhood_agreement")


def gain_p_value(scores, base, *, test_ratio=0.0):
    """One-sided p-value of "no gain over the baseline" from paired per-fold scores.

    A paired t-test over the folds of the differences ``scores - base``, with the
    variance correction of Nadeau and Bengio (2003) for resampled folds whose training
    sets overlap: the variance of the mean difference is ``(1 / K + test_ratio)`` times
    the fold-to-fold variance instead of ``1 / K``, since the folds are not independent.
    ``test_ratio = 0`` is the plain paired t-test.

    Parameters
    ----------
    scores, base : array-like of shape (n_folds,)
        Scores of a candidate and of the baseline on the same folds (NaN folds dropped).
    test_ratio : float, default=0.0
        ``n_validation / n_train`` of the folds (``0.3 / 0.7`` for
        ``DomainShuffleSplit(test_size=0.3)``).

    Returns
    -------
    p_value : float
        Small when the candidate is consistently better than the fold-to-fold spread of
        the difference explains; NaN with fewer than two folds. When every difference
        is the same, 0 if it is positive, else 1.

    References
    ----------
    C. Nadeau and Y. Bengio. Inference for the generalization error. Machine Learning
    52, 2003.

    Examples
    --------
    >>> from skxfer.model_selection._selector import gain_p_value
    >>> base = [0.50, 0.52, 0.49, 0.51, 0.50]
    >>> bool(gain_p_value([0.60, 0.63, 0.58, 0.61, 0.60], base) < 0.01)
    True
    >>> noisy = [0.58, 0.53, 0.54, 0.515, 0.52]
    >>> plain = gain_p_value(noisy, base)
    >>> corrected = gain_p_value(noisy, base, test_ratio=0.3 / 0.7)
    >>> bool(plain < 0.05 < corrected)
    True
    """
    d = np.asarray(scores, dtype=float) - np.asarray(base, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return float("nan")
    if np.allclose(d, d[0]):
        return 0.0 if d[0] > 0 else 1.0
    se = np.sqrt((1.0 / d.size + test_ratio) * np.var(d, ddof=1))
    return float(stats.t.sf(d.mean() / se, df=d.size - 1))


def choose(
    reports, *, margin=0.0, min_win_rate=0.8, alpha=0.05, test_ratio=0.0, fallback="source_only"
):
    """Strategy a :class:`TransferSelector` picks from cross-validation reports.

    Two requirements, against two failure modes of unsupervised scores:

    - **consensus** (against a scorer's bias): under *every* report (one per scorer),
      the candidate's mean score beats source-only by more than ``margin`` and it beats
      source-only on at least ``min_win_rate`` of the folds;
    - **significance** (against noise): under at least one report, the gain is
      significant, i.e. :func:`gain_p_value` (a paired test over folds, corrected for
      overlapping folds by ``test_ratio``) is below ``alpha``. One significant scorer
      suffices: a consensus with noisy scorers would otherwise be limited by the least
      powerful one, while the consensus already guards against a single scorer's bias.

    Among the candidates meeting both, the one with the best mean in the first report
    is chosen, else source-only (with ``fallback=None``, the best mean of the first
    report whatever the baseline).

    Parameters
    ----------
    reports : ComparisonReport or list of ComparisonReport
        One cross-validation report per scorer, on the same folds.
    margin : float, default=0.0
        Minimum mean-score gain over source-only, in each scorer's units.
    min_win_rate : float, default=0.8
        Minimum share of folds on which the candidate beats source-only, per scorer.
    alpha : float or None, default=0.05
        Level of the significance requirement; ``None`` drops it (consensus only).
    test_ratio : float, default=0.0
        ``n_validation / n_train`` of the folds, for the variance correction.
    fallback : {"source_only", None}, default="source_only"

    Returns
    -------
    name : str

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.model_selection import ComparisonReport
    >>> from skxfer.model_selection._selector import choose
    >>> base = np.array([0.50, 0.52, 0.49, 0.51, 0.50])
    >>> def report(gains):
    ...     return ComparisonReport(scores={"source_only": base, "a": base + gains},
    ...                             fit_times={}, metric="score")
    >>> steady = report(np.array([0.04, 0.05, 0.04, 0.05, 0.04]))
    >>> noisy = report(np.array([0.08, 0.01, 0.05, 0.005, 0.02]))
    >>> choose([noisy, steady], margin=0.005)
    'a'
    >>> choose([noisy, noisy], margin=0.005, test_ratio=0.3 / 0.7)
    'source_only'
    """
    reports = reports if isinstance(reports, list) else [reports]
    means = {n: reports[0].mean(n) for n in reports[0].scores}
    means = {n: m for n, m in means.items() if np.isfinite(m)}
    if fallback is None:
        return max(means, key=means.get) if means else SOURCE_ONLY

    def consistent(report, name):
        gain = report.mean(name) - report.mean(SOURCE_ONLY)
        return gain > margin and report._win_rate(name) >= min_win_rate

    def significant(report, name):
        p = gain_p_value(report.scores[name], report.scores[SOURCE_ONLY], test_ratio=test_ratio)
        return bool(p < alpha)  # NaN (under two folds) is never significant

    agreed = {
        n: m
        for n, m in means.items()
        if n != SOURCE_ONLY
        and all(consistent(r, n) for r in reports)
        and (alpha is None or any(significant(r, n) for r in reports))
    }
    return max(agreed, key=agreed.get) if agreed else SOURCE_ONLY


def choose_by_rank(
    reports,
    *,
    min_agreement=0.5,
    agreement_alpha=None,
    test_ratio=0.0,
    baselines=(),
    fallback="source_only",
):
    """Strategy a :class:`TransferSelector` with ``rule="rank"`` picks.

    Each report (one per scorer) ranks the candidates by their mean score (ties share
    their mean rank; a candidate that failed ranks last). The candidate with the best
    rank averaged over the scorers is kept if it beats source-only under at least
    ``min_agreement`` of the scorers; otherwise source-only (with ``fallback=None``, the
    best-ranked candidate whatever the baseline). A scorer agrees when the pick's mean
    score is higher than source-only's, or, with ``agreement_alpha``, when the gain is
    also larger than the folds' noise: :func:`gain_p_value` (paired over the folds,
    corrected for their overlap by ``test_ratio``) below ``agreement_alpha``. Scorers
    nearly flat across the candidates then stop voting for a gain they cannot see.

    A pick among ``baselines`` (no-transfer variants of source-only, e.g. its grid
    points over the classifier's ``C``) must beat source-only under *every* scorer:
    changing only the classifier's parameters moves the confidence of all its
    predictions, which the confidence-based scorers read as a change of quality (soft
    neighbourhood density favours soft predictions, entropy sharp ones), so most of the
    scorers can agree on a worse baseline.

    Averaging ranks rather than scores puts scorers of different units on one scale,
    and lets scorers with different blind spots (importance weights that collapse when
    the domains are nearly separable; confidence that a collapsed or overconfident
    model inflates) outvote each other instead of vetoing each other.

    Parameters
    ----------
    reports : ComparisonReport or list of ComparisonReport
    min_agreement : float, default=0.5
        Share of the scorers under which the pick must beat source-only.
    agreement_alpha : float or None, default=None
        Level below which a scorer's p-value of "no gain" counts as agreement; ``None``:
        any higher mean.
    test_ratio : float, default=0.0
        ``n_validation / n_train`` of the folds, for the variance correction.
    baselines : collection of str, default=()
        Candidates that are no-transfer variants of source-only.
    fallback : {"source_only", None}, default="source_only"

    Returns
    -------
    name : str

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.model_selection import ComparisonReport
    >>> from skxfer.model_selection._selector import choose_by_rank
    >>> def report(so, a, b):
    ...     return ComparisonReport(scores={"source_only": np.array([so]),
    ...                                     "a": np.array([a]), "b": np.array([b])},
    ...                             fit_times={}, metric="score")
    >>> choose_by_rank([report(0.5, 0.7, 0.6), report(0.5, 0.4, 0.6)])
    'b'
    >>> choose_by_rank([report(0.5, 0.7, 0.6), report(0.5, 0.4, 0.45),
    ...                 report(0.5, 0.45, 0.4)])
    'source_only'
    """
    from scipy.stats import rankdata

    reports = reports if isinstance(reports, list) else [reports]
    names = list(reports[0].scores)
    means = np.array([[r.mean(n) for n in names] for r in reports])
    means = np.where(np.isfinite(means), means, -np.inf)
    ranks = np.mean([rankdata(m) for m in means], axis=0)
    pick = names[int(np.argmax(ranks))]
    if fallback is None or pick == SOURCE_ONLY or SOURCE_ONLY not in names:
        return pick
    if agreement_alpha is None:
        so, p = names.index(SOURCE_ONLY), names.index(pick)
        votes = means[:, p] > means[:, so]
    else:
        votes = [
            gain_p_value(r.scores[pick], r.scores[SOURCE_ONLY], test_ratio=test_ratio)
            < agreement_alpha
            for r in reports
        ]
    needed = 1.0 if pick in baselines else min_agreement
    return pick if float(np.mean(votes)) >= needed else SOURCE_ONLY


def no_transfer_variants(candidates):
    """Names of the candidates that transfer nothing, source-only itself excepted: its
    grid points and, in few-label mode, the labelled-rows baselines
    (:class:`~skxfer.pipeline.LabelledOnly` estimators)."""
    return {n for n, c in candidates.items() if isinstance(c, LabelledOnly) and n != SOURCE_ONLY}


def _add_gain_p_values(report, test_ratio):
    """Add the ``p_gain`` column (significance test of each candidate) to a report."""
    base = report.scores[SOURCE_ONLY]
    for name, scores in report.scores.items():
        if name != SOURCE_ONLY:
            p = gain_p_value(scores, base, test_ratio=test_ratio)
            report.extra.setdefault(name, {})["p_gain"] = p


def _test_ratio(splits):
    """Mean ``n_validation / n_train`` over the folds."""
    return float(np.mean([len(te) / max(len(tr), 1) for tr, te in splits]))


class TransferSelector(BaseDAMetaEstimator):
    """Try an estimator under every transfer strategy; keep the best, or none.

    At ``fit``, each candidate (source-only, i.e. ``LabelledOnly(estimator)``, and the
    estimator under each strategy) is cross-validated with a DA splitter and scored by
    unsupervised DA scorers on the validation folds. Two rules decide:

    - ``rule="rank"`` (default, :func:`choose_by_rank`): every scorer ranks the
      candidates by mean score; the best average rank wins, and is kept if it beats
      source-only under at least ``min_agreement`` of the scorers, by more than the
      folds' noise (``agreement_alpha``); a no-transfer variant of source-only (a grid
      point of the classifier's ``C``, say) under every scorer. Scorers with different
      blind spots outvote each other;
    - ``rule="consensus"`` (:func:`choose`): the best candidate is kept only if it is
      *credibly* better than source-only: under every scorer its mean score exceeds
      source-only's by more than ``margin`` and it wins on at least ``min_win_rate`` of
      the folds, and under at least one scorer the gain is significant at level
      ``alpha`` by a paired t-test over the folds whose variance is corrected for
      overlapping training sets (Nadeau and Bengio, 2003). Safe, but it rarely
      transfers: one scorer blind to a gain vetoes it.

    Otherwise the selector falls back to source-only. The chosen strategy is refitted on
    all rows. With no target row at all, it is the plain estimator (fitted on the
    labelled rows).

    **Few labels.** When some target rows carry labels (marked by ``sample_domain <
    0``; at least two classes among them), they validate too: a repeated stratified
    K-fold over the labelled target rows (``K`` = the smallest class count, 2 to 5,
    ``n_label_repeats`` times) holds out part of them (and 30 % of the other rows, for
    the unsupervised scorers), and every candidate is fitted on everything else (the
    other labelled target rows included). A few labels are a noisy judge (with 3 rows
    per class, the best held-out accuracy among many candidates is mostly luck), so
    they rule out what they can: every candidate whose held-out accuracy is
    significantly below the best one's (at level ``alpha``, a one-sided paired t-test
    over the labelled rows, :func:`gain_p_value`) is dropped, source-only included, and
    ``rule`` decides among the rest with the unsupervised scorers. Two no-transfer
    baselines compete too: the estimator on the labelled target rows alone
    (``"target_only"``) and on every labelled row with each domain weighing the same
    (``"domain_balanced"``, for estimators whose ``fit`` takes ``sample_weight``). With
    many labels this is the best held-out accuracy; with very few, the unsupervised
    choice. A classifier then **hedges** the choice: it predicts with the weighted mean
    probability of the chosen candidate and the two baselines (each calibrated by
    temperature scaling on the held-out labelled rows and weighted by the inverse of its
    calibrated held-out log loss, as :class:`~skxfer.deep.FineTuneClassifier`'s safety
    net does), unless one of them beats that mean on the held-out labelled rows by more
    than two standard errors of the paired differences (then it predicts alone);
    ``members_`` and ``member_weights_`` say which. (With three
    labelled rows per class, the mean was better than the choice alone on the shared
    benchmark tasks, whose figures chose this rule: ``benchmarks/bench_selection.py``.)
    ``selection_mode_`` says which mode was used: ``"unsupervised"``, ``"few_labels"``
    or ``"no_target"``.

    **Hyper-parameters.** A candidate can be a ``(strategy, param_grid)`` pair: every
    point of the grid becomes a candidate (``"ot(reg=0.1)"``), so the strategy's and
    the base classifier's parameters are chosen per task by the same validation and the
    same fallback. Grid keys may be short (``"reg"``, ``"C"``: see
    :func:`~skxfer.model_selection._compare.resolve_param`).

    Parameters
    ----------
    estimator : estimator
        The user's classifier (or regressor, with a scorer that supports it).
    strategies : None, list or dict, default=None
        Candidates: names, DA estimators, or ``(strategy, param_grid)`` pairs (e.g.
        ``("ot", {"reg": [0.03, 0.3]})``; ``(None, {"C": [0.1, 1]})`` grids source-only
        itself); ``None`` tries every applicable registered strategy
        (:func:`applicable_strategies`).
    scoring : str, callable or list of them, default=None
        DA scorer(s) (see :func:`get_da_scorer`), combined by ``rule``.
        ``None`` is ``DEFAULT_SCORING`` (see :mod:`skxfer.model_selection._selector`).
        ``"ensemble"`` is the agreement of each candidate with the mean target
        prediction of all candidates on the same fold (see
        :class:`EnsembleAgreementScorer`). In few-label mode they decide among the
        candidates the labelled target rows cannot rule out.
    cv : int, splitter or iterable, default=None
        ``None``: ``DomainShuffleSplit(5, test_size=0.3, train_size=max_train_rows,
        random_state=random_state)``.
    fallback : {"source_only", None}, default="source_only"
        What to do when no candidate is credibly better: keep source-only, or (``None``)
        take the best-scoring candidate anyway.
    rule : {"rank", "consensus"}, default="rank"
        How the scorers' reports decide (see above).
    min_agreement : float, default=0.5
        ``rule="rank"``: share of the scorers under which the pick must beat
        source-only.
    agreement_alpha : float or None, default=0.25
        ``rule="rank"``: a scorer agrees that the pick beats source-only only if its
        gain is larger than the folds' noise, i.e. the one-sided p-value of "no gain"
        (paired over the folds, corrected for their overlap, :func:`gain_p_value`) is
        below ``agreement_alpha``; ``None``: any higher mean score agrees. A loose
        level: it silences scorers nearly flat across the candidates, not real gains.
    margin : float, default=0.005
        ``rule="consensus"``: minimum mean-score gain over source-only (in the scorer's
        units); so are ``min_win_rate`` and ``alpha``.
    min_win_rate : float, default=0.8
        Minimum share of folds on which the candidate beats source-only.
    alpha : float or None, default=0.05
        Level of the one-sided paired t-test of "no gain over source-only" over the
        folds, its variance corrected for overlapping folds by the folds' ratio of
        validation to training rows; ``None`` drops the significance requirement. The
        test needs at least two folds, and more folds give it more power. In few-label
        mode, the level at which the labelled target rows rule a candidate out
        (``None``: the best held-out accuracy alone decides).
    source_selection : bool, default=False
        With several source domains, also consider each source alone (every strategy
        fitted on that source and the target), next to their union.
    n_label_repeats : int, default=2
        Repeats of the stratified K-fold over the labelled target rows (few-label mode).
    max_train_rows : int or None, default=1500
        Most rows of each domain a cross-validation fit trains on: larger domains are
        subsampled afresh in each fold (the default splitter's ``train_size``; in
        few-label mode, every labelled target row still trains). It bounds the cost of
        the candidates that grow with the square of the rows (OT, KMM, kernel methods)
        on large data; the chosen candidate is refitted on all rows. ``None``: no cap.
        A splitter given as ``cv`` is used as it is.
    n_jobs : int, default=None
        Parallel candidate fits through joblib.
    random_state : int, default=0
        Seeds the default splitter and strategies whose ``random_state`` is ``None``.

    Attributes
    ----------
    selected_strategy_ : str
        Name of the chosen candidate (``"source_only"`` on fallback).
    selection_mode_ : {"unsupervised", "few_labels", "no_target"}
        How the choice was validated.
    members_ : list of str
        The candidates that predict: ``[selected_strategy_]``, or in few-label mode the
        hedge (the chosen candidate, ``"target_only"`` and ``"domain_balanced"``, whose
        weighted mean probability predicts) or the one of them that clearly beats it.
    member_weights_ : dict or None
        The hedge's weight of each member (inverse of its calibrated held-out log loss);
        ``None`` when one candidate predicts alone.
    best_estimator_ : estimator
        The candidate(s) of ``members_`` refitted on all rows (a
        :class:`~skxfer.model_selection._few_labels.MeanProbaClassifier` for the
        hedge); also ``estimator_``, to which prediction is delegated.
    report_ : ComparisonReport or None
        The cross-validation table of the first scorer (``None`` without target rows).
    reports_ : list of ComparisonReport
        One table per scorer; the column ``p_gain`` holds the p-value of the
        significance test of each candidate under that scorer.
    scores_ : dict of str to ndarray
        Per-fold scores of each candidate under the first scorer.
    cv_results_ : dict
        ``report_.to_dict()``.
    classes_ : ndarray
        Class labels (classifiers).
    n_features_in_ : int

    References
    ----------
    C. Nadeau and Y. Bengio. Inference for the generalization error. Machine Learning
    52, 2003.

    K. You, X. Wang, M. Long and M. Jordan. Towards accurate model selection in deep
    unsupervised domain adaptation. ICML 2019.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer.model_selection import TransferSelector
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> sel = TransferSelector(LogisticRegression(), strategies=["coral"], cv=3).fit(X, y)
    >>> sel.selected_strategy_ in {"source_only", "coral"}
    True
    >>> sel.predict(X[sd < 0]).shape
    (50,)
    """

    _da_tags = DATags(
        family="model", kind="estimator", requires_target=False, uses_target_labels=True
    )

    def __init__(
        self,
        estimator,
        strategies=None,
        scoring=None,
        cv=None,
        fallback="source_only",
        rule="rank",
        min_agreement=0.5,
        agreement_alpha=0.25,
        margin=0.005,
        min_win_rate=0.8,
        alpha=0.05,
        source_selection=False,
        n_label_repeats=2,
        max_train_rows=1500,
        n_jobs=None,
        random_state=0,
    ):
        self.estimator = estimator
        self.strategies = strategies
        self.scoring = scoring
        self.cv = cv
        self.fallback = fallback
        self.rule = rule
        self.min_agreement = min_agreement
        self.agreement_alpha = agreement_alpha
        self.margin = margin
        self.min_win_rate = min_win_rate
        self.alpha = alpha
        self.source_selection = source_selection
        self.n_label_repeats = n_label_repeats
        self.max_train_rows = max_train_rows
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y, sample_domain=None):
        """Cross-validate the candidates, choose one, refit it on all rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels, unknown target labels masked (``-1`` / ``NaN``).
        sample_domain : array-like of shape (n_samples,), default=None
            Inferred from the mask when ``None``.

        Returns
        -------
        self : object
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if self.rule not in ("rank", "consensus"):
            raise ValueError(f"rule must be 'rank' or 'consensus'; got {self.rule!r}.")
        if not (isinstance(self.min_agreement, numbers.Real) and 0 <= self.min_agreement <= 1):
            raise ValueError(f"min_agreement must be in [0, 1]; got {self.min_agreement!r}.")
        if self.agreement_alpha is not None and not (
            isinstance(self.agreement_alpha, numbers.Real) and 0 < self.agreement_alpha <= 1
        ):
            raise ValueError(
                f"agreement_alpha must be None or in (0, 1]; got {self.agreement_alpha!r}."
            )
        if self.fallback not in ("source_only", None):
            raise ValueError(f"fallback must be 'source_only' or None; got {self.fallback!r}.")
        if not isinstance(self.margin, numbers.Real):
            raise ValueError(f"margin must be a number; got {self.margin!r}.")
        if self.alpha is not None and not (
            isinstance(self.alpha, numbers.Real) and 0 < self.alpha <= 1
        ):
            raise ValueError(f"alpha must be None or in (0, 1]; got {self.alpha!r}.")
        if self.max_train_rows is not None and not (
            isinstance(self.max_train_rows, numbers.Integral) and self.max_train_rows >= 1
        ):
            raise ValueError(
                f"max_train_rows must be None or a positive int; got {self.max_train_rows!r}."
            )
        y = column_or_1d(y, warn=True)
        X, y, sd = validate_da_data(
            self,
            X,
            y,
            sample_domain,
            reset=True,
            accept_sparse=["csr", "csc"],
            require_labelled_source=True,
        )
        if is_classifier(self.estimator) and y.dtype.kind not in "OUSb":
            from sklearn.utils.multiclass import check_classification_targets

            check_classification_targets(y[~is_masked(y)])
        explicit = _explicit_domains(y, sd)
        if not np.any(sd < 0):
            self.selection_mode_ = "no_target"
            self.selected_strategy_ = SOURCE_ONLY
            self.members_ = [SOURCE_ONLY]
            self.member_weights_ = None
            self.report_ = None
            self.reports_ = []
            self.scores_ = {}
            self.cv_results_ = {}
            best = LabelledOnly(clone(self.estimator))
        else:
            candidates = build_candidates(self.strategies, self.estimator)
            if self.source_selection:
                candidates = expand_sources(candidates, sd)
                explicit = sd
            few = few_label_rows(y, sd)
            scoring = DEFAULT_SCORING if self.scoring is None else self.scoring
            if isinstance(scoring, str) or callable(scoring):
                scoring = [scoring]
            if few is not None:
                self.selection_mode_ = "few_labels"
                explicit = sd
                candidates.update(few_label_baselines(self.estimator))
                scoring = ["supervised_target", *scoring]
                splits = few_label_splits(
                    y,
                    sd,
                    few,
                    self.n_label_repeats,
                    self.random_state,
                    max_train_rows=self.max_train_rows,
                )
            else:
                self.selection_mode_ = "unsupervised"
                splits = _splits(self._default_cv(), X, y, sd)
            reports, results = self._cross_validate(
                candidates, scoring, X, y, explicit, splits, target_proba=few is not None
            )
            ratio = _test_ratio(splits)
            correct = None if few is None else held_out_correctness(results, splits, y, sd, few)
            name = self._decide(reports, ratio, candidates, correct=correct)
            members, temperatures, weights = [name], None, None
            if few is not None and is_classifier(self.estimator):
                members, temperatures, weights = hedge_members(
                    name, results, splits, y, sd, few, correct
                )
            for report in reports:
                report.selected = name
                _add_gain_p_values(report, ratio)
            report = reports[0]
            self.selected_strategy_ = name
            self.members_ = members
            self.member_weights_ = weights
            self.reports_ = reports
            self.report_ = report
            self.scores_ = report.scores
            self.cv_results_ = report.to_dict()
            best = (
                candidates[members[0]]
                if len(members) == 1
                else MeanProbaClassifier(
                    [(m, candidates[m]) for m in members], temperatures, weights
                )
            )
        best = _seeded(clone(best), self.random_state)
        self.best_estimator_ = self.estimator_ = _fit(best, X, y, explicit)
        if hasattr(self.best_estimator_, "classes_"):
            self.classes_ = self.best_estimator_.classes_
        return self

    def _default_cv(self):
        """``cv``, an int or ``None`` made a :class:`DomainShuffleSplit`."""
        cv = self.cv
        if cv is None or isinstance(cv, numbers.Integral):
            cv = DomainShuffleSplit(
                5 if cv is None else cv,
                train_size=self.max_train_rows,
                random_state=self.random_state,
            )
        return cv

    def _decide(self, reports, test_ratio, candidates, correct=None):
        """The rule applied to the cross-validation reports (one per scorer).

        ``correct`` (few-label mode): each candidate's held-out correctness on each
        labelled target row; ``reports[0]`` is then the labels' report and the rule runs
        on the others, kept to the candidates the labels do not rule out.
        """
        baselines = no_transfer_variants(candidates)
        if correct is not None:
            reports = _plausible_by_labels(reports[1:], correct, alpha=self.alpha)
        if self.rule == "rank":
            return choose_by_rank(
                reports,
                min_agreement=self.min_agreement,
                agreement_alpha=self.agreement_alpha,
                test_ratio=test_ratio,
                baselines=baselines,
                fallback=self.fallback,
            )
        return choose(
            reports,
            margin=self.margin,
            min_win_rate=self.min_win_rate,
            alpha=self.alpha,
            test_ratio=test_ratio,
            fallback=self.fallback,
        )

    def _cross_validate(self, candidates, scoring, X, y, sd, splits, target_proba=False):
        """One report per scorer (``"ensemble"``: agreement with the candidates' mean),
        and the per-fold results (with the target rows' probabilities when
        ``target_proba``)."""
        from sklearn.utils.parallel import delayed

        ensemble = [k for k, one in enumerate(scoring) if isinstance(one, str) and one == ENSEMBLE]
        scorers = [get_da_scorer(one) for k, one in enumerate(scoring) if k not in ensemble]
        if effective_n_jobs(self.n_jobs) > 1:  # workers get copies: fill per-fold caches now
            _warm_in_parallel(scorers, X, y, sd, splits, self.n_jobs)
        tasks = (
            delayed(_fit_and_score)(
                name,
                est,
                X,
                y,
                sd,
                tr,
                te,
                scorers,
                self.random_state,
                np.nan,
                target_proba=bool(ensemble) or target_proba,
            )
            for name, est in candidates.items()
            for tr, te in splits
        )
        results = _run(tasks, self.n_jobs, False, "")
        columns = [[(r[0], r[1][k], r[2], r[3]) for r in results] for k in range(len(scorers))]
        if ensemble:
            columns.insert(ensemble[0], _ensemble_agreement(results, len(splits)))
        names = [repr(one) for one in scorers]
        if ensemble:
            names.insert(ensemble[0], ENSEMBLE)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            reports = [
                _collect(col, candidates, name, alpha=0.05)
                for col, name in zip(columns, names, strict=True)
            ]
        return reports, results


#: Selector-level scorer name: agreement with the mean prediction of all candidates.
ENSEMBLE = "ensemble"


def _ensemble_agreement(results, n_folds):
    """Per fold, each candidate's agreement with the candidates' mean target prediction.

    ``results`` are ``_fit_and_score(..., target_proba=True)`` tuples, candidate-major
    (``n_folds`` per candidate). Failed fits score NaN and stay out of the mean.
    """
    by_fold = [[] for _ in range(n_folds)]
    for k, r in enumerate(results):
        by_fold[k % n_folds].append(r)
    out = []
    for fold in by_fold:
        fitted = [r[4] for r in fold if r[4] is not None]
        pseudo = None
        if fitted:
            classes, mean = mean_probabilities(fitted)
            pseudo = classes[np.argmax(mean, axis=1)]
        for r in fold:
            score = np.nan
            if r[4] is not None:
                own, p = r[4]
                score = float(np.mean(np.asarray(own)[np.argmax(p, axis=1)] == pseudo))
            out.append((r[0], score, r[2], r[3]))
    return out


def _plausible_by_labels(reports, correct, *, alpha):
    """The reports, kept to the candidates the labelled target rows cannot rule out.

    ``correct`` holds each candidate's held-out correctness on each labelled target
    row. The candidate with the best mean stays, and so does every candidate whose
    deficit to it is not significant at level ``alpha`` (one-sided paired t-test over
    the labelled rows, :func:`gain_p_value`); ``alpha=None`` keeps the best alone.
    Source-only is ruled out like any candidate, so the fallback applies only when the
    labels cannot tell it from the best. With a handful of labelled rows nothing is
    ruled out; with a few dozen, the candidates clearly below the best are.
    """
    from ._compare import ComparisonReport

    names = list(reports[0].scores)
    means = {n: np.mean(correct[n]) if np.all(np.isfinite(correct[n])) else -np.inf for n in names}
    best = max(names, key=means.get)

    def plausible(name):
        if name == best:
            return True
        if alpha is None or not np.isfinite(means[name]):
            return False
        return not gain_p_value(correct[best], correct[name]) < alpha

    kept = [n for n in names if plausible(n)]
    return [
        ComparisonReport(
            scores={n: r.scores[n] for n in kept},
            fit_times={n: r.fit_times.get(n, np.nan) for n in kept},
            metric=r.metric,
        )
        for r in reports
    ]


def _warm_in_parallel(scorers, X, y, sd, splits, n_jobs):
    """Fill the per-fold caches of ``scorers`` (:meth:`_DAScorer.warm`) for every test fold
    of ``splits``, one joblib task per (scorer, fold), before copies of the scorers go to
    the workers that fit the candidates."""
    from sklearn.utils.parallel import delayed

    jobs = [
        (one, test)
        for one in scorers
        if isinstance(one, _DAScorer) and one._has_fold_cache
        for _, test in splits
    ]
    entries = _run(
        (
            delayed(_DAScorer._fold_cache)(
                one, _rows(X, test), y[test], None if sd is None else sd[test]
            )
            for one, test in jobs
        ),
        n_jobs,
        False,
        "",
    )
    for (one, _), new in zip(jobs, entries, strict=True):
        one._absorb(new)
