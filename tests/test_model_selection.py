import json
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, cross_validate
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxfer import CORALAligner, LabelledOnly, make_da_pipeline, register_strategy
from skxfer.base import BaseAdapter
from skxfer.model_selection import (
    CircularValidationScorer,
    ComparisonReport,
    DeepEmbeddedValidationScorer,
    DomainShuffleSplit,
    ImportanceWeightedScorer,
    LeaveOneDomainOut,
    PredictionEntropyScorer,
    SoftNeighborhoodDensityScorer,
    StratifiedDomainShuffleSplit,
    SupervisedTargetScorer,
    TransferSelector,
    compare_strategies,
    rank_sources,
)
from skxfer.model_selection._selector import choose, gain_p_value
from skxfer.utils.estimator_checks import check_da_contract, make_contract_task


def make_task(n_source=120, n_target=90, shift=0.6, seed=0):
    """Three well separated classes; the target is shifted and rescaled."""
    rng = np.random.RandomState(seed)
    centers = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    ys = rng.randint(3, size=n_source)
    yt = rng.randint(3, size=n_target)
    Xs = centers[ys] + rng.randn(n_source, 2)
    Xt = 1.2 * (centers[yt] + rng.randn(n_target, 2)) + shift
    X = np.r_[Xs, Xt]
    y = np.r_[ys, -np.ones(n_target, int)]
    sd = np.r_[np.ones(n_source, int), -np.ones(n_target, int)]
    return X, y, sd, yt


class NoiseAligner(BaseAdapter):
    """A harmful adapter: replaces the source rows by noise (negative transfer by design)."""

    def __init__(self, random_state=0):
        self.random_state = random_state

    def _fit(self, X, y, source, target):
        return self

    def _transform(self, X, sample_domain):
        rng = np.random.RandomState(self.random_state)
        out = X.copy()
        src = sample_domain > 0
        out[src] = rng.randn(int(src.sum()), X.shape[1]) * 5
        return out


register_strategy("test_noise", NoiseAligner, overwrite=True)


# -- splitters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "splitter",
    [DomainShuffleSplit(4, random_state=0), StratifiedDomainShuffleSplit(4, random_state=0)],
)
@pytest.mark.parametrize("explicit", [True, False])
def test_splitters_keep_both_domains(splitter, explicit):
    X, y, sd, _ = make_task()
    kw = {"sample_domain": sd} if explicit else {}
    folds = list(splitter.split(X, y, **kw))
    assert len(folds) == splitter.get_n_splits() == 4
    for train, test in folds:
        assert np.intersect1d(train, test).size == 0
        for rows in (train, test):
            assert (sd[rows] > 0).any() and (sd[rows] < 0).any()
        if isinstance(splitter, StratifiedDomainShuffleSplit):
            assert set(y[test][y[test] >= 0]) == {0, 1, 2}


@pytest.mark.parametrize("splitter_cls", [DomainShuffleSplit, StratifiedDomainShuffleSplit])
def test_train_size_caps_each_domain_of_the_training_fold(splitter_cls):
    X, y, sd, _ = make_task()
    n = {d: int(np.sum(sd == d)) for d in (1, -1)}  # 120 source, 90 target rows
    for train_size, expect in ((40, lambda m: 40), (0.5, lambda m: m // 2), (None, None)):
        cv = splitter_cls(3, test_size=0.3, train_size=train_size, random_state=0)
        for train, test in cv.split(X, y, sample_domain=sd):
            assert np.intersect1d(train, test).size == 0
            for d, m in n.items():
                n_test = int(np.sum(sd[test] == d))
                assert abs(n_test - 0.3 * m) <= 3  # the cap never shrinks validation
                want = m - n_test if expect is None else expect(m)
                assert abs(int(np.sum(sd[train] == d)) - want) <= 3
    # a cap above a domain's size leaves it whole
    big = splitter_cls(2, train_size=10_000, random_state=0)
    plain = splitter_cls(2, random_state=0)
    for (tr, te), (tr0, te0) in zip(
        big.split(X, y, sample_domain=sd), plain.split(X, y, sample_domain=sd), strict=True
    ):
        assert tr.size == tr0.size and te.size == te0.size


def test_splitter_needs_domains():
    with pytest.raises(ValueError, match="sample_domain"):
        next(DomainShuffleSplit().split(np.zeros((4, 1))))


def test_leave_one_domain_out():
    X, y, sd, _ = make_task()
    sd = sd.copy()
    sd[:60] = 2
    folds = list(LeaveOneDomainOut().split(X, y, sample_domain=sd))
    assert len(folds) == 2
    for (train, test), held in zip(folds, (1, 2), strict=True):
        assert held not in sd[train] and set(np.unique(sd[test])) == {-1, held}
    with pytest.raises(ValueError, match="two source"):
        next(LeaveOneDomainOut().split(X, y))


# -- scorers -----------------------------------------------------------------------------

GOOD = LabelledOnly(LogisticRegression())
CONSTANT = LabelledOnly(DummyClassifier(strategy="most_frequent"))


@pytest.mark.parametrize(
    "scorer",
    [
        ImportanceWeightedScorer(),
        PredictionEntropyScorer(),
        DeepEmbeddedValidationScorer(),
        CircularValidationScorer(),
        SoftNeighborhoodDensityScorer(),
    ],
    ids=lambda s: type(s).__name__,
)
def test_scorer_ranks_good_model_above_constant(scorer):
    X, y, sd, _ = make_task()
    good = GOOD.fit(X, y)
    const = LabelledOnly(DummyClassifier(strategy="most_frequent")).fit(X, y)
    assert scorer(good, X, y) > scorer(const, X, y) + 0.05
    # same value with an explicit sample_domain
    assert scorer(good, X, y, sample_domain=sd) == pytest.approx(scorer(good, X, y))


def test_entropy_and_snd_penalise_collapse():
    X, y, _, _ = make_task()
    # a confident collapsed model: predicts class 0 with probability ~1 everywhere
    collapsed = LabelledOnly(DummyClassifier(strategy="constant", constant=0)).fit(X, y)
    good = GOOD.fit(X, y)
    for scorer in (PredictionEntropyScorer(), SoftNeighborhoodDensityScorer()):
        assert scorer(good, X, y) > scorer(collapsed, X, y)


def test_supervised_target_scorer():
    X, y, sd, yt = make_task()
    y_semi = y.copy()
    y_semi[sd < 0] = yt  # labelled target rows, marked by sample_domain
    good = LabelledOnly(LogisticRegression()).fit(X[sd > 0], y[sd > 0])
    assert SupervisedTargetScorer()(good, X, y_semi, sample_domain=sd) > 0.8
    with pytest.raises(ValueError, match="sample_domain"):
        SupervisedTargetScorer()(good, X, y_semi)


@pytest.mark.parametrize("routing", [False, True])
def test_scorers_in_cross_validate(routing):
    X, y, sd, _ = make_task()
    pipe = make_da_pipeline(CORALAligner(), LogisticRegression())
    cv = DomainShuffleSplit(3, random_state=0)
    with config_context(enable_metadata_routing=routing):
        params = {"params": {"sample_domain": sd}} if routing else {}
        res = cross_validate(pipe, X, y, cv=cv, scoring=ImportanceWeightedScorer(), **params)
        s = cross_val_score(pipe, X, y, cv=cv, scoring=PredictionEntropyScorer(), **params)
    assert np.all(np.isfinite(res["test_score"])) and np.all(np.isfinite(s))


def test_grid_search_same_choice_with_routing_on_and_off():
    X, y, sd, _ = make_task()
    grid = {"logisticregression__C": [1e-4, 1.0]}

    def search():
        return GridSearchCV(
            make_da_pipeline(CORALAligner(), LogisticRegression()),
            grid,
            scoring=PredictionEntropyScorer(),
            cv=DomainShuffleSplit(3, random_state=0),
        )

    off = search().fit(X, y)
    with config_context(enable_metadata_routing=True):
        on = search().fit(X, y, sample_domain=sd)
    assert off.best_params_ == on.best_params_ == {"logisticregression__C": 1.0}
    np.testing.assert_allclose(
        off.cv_results_["mean_test_score"], on.cv_results_["mean_test_score"]
    )


# -- compare_strategies ------------------------------------------------------------------


def test_compare_strategies_report():
    X, y, _, _ = make_task()
    report = compare_strategies(["coral", "test_noise"], X, y, cv=3)
    assert report.strategies == ["source_only", "coral", "test_noise"]
    rows = {r["strategy"]: r for r in report.rows}
    assert rows["test_noise"]["gain"] < 0 and rows["test_noise"]["negative_transfer"]
    assert not rows["source_only"]["negative_transfer"]
    text = str(report)
    assert "source_only" in text and "YES" in text
    d = json.loads(report.to_json())
    assert d["mode"] == "cv" and len(d["scores"]["coral"]) == 3
    assert report.to_frame().loc["coral", "n"] == 3
    import matplotlib

    matplotlib.use("Agg")
    assert report.plot() is not None


def test_compare_strategies_held_out_mode():
    X, y, _, yt = make_task()
    report = compare_strategies(["coral", "test_noise"], X, y, target_labels=yt)
    assert report.mode == "held_out"
    assert set(report.strategies) == {"source_only", "coral", "test_noise", "target_only"}
    assert report.mean("source_only") > 0.8 > report.mean("test_noise")
    assert {r["strategy"]: r for r in report.rows}["test_noise"]["negative_transfer"]
    assert "held-out" in report.to_text()
    with pytest.raises(ValueError, match="target_labels"):
        compare_strategies(["coral"], X, y, target_labels=yt[:5])


def test_compare_strategies_target_only_baseline_with_labelled_target():
    X, y, sd, yt = make_task()
    y_semi = y.copy()
    y_semi[np.flatnonzero(sd < 0)[:30]] = yt[:30]
    report = compare_strategies(["coral"], X, y_semi, sd, cv=3)
    assert "target_only" in report.strategies
    assert "SupervisedTargetScorer" in report.metric


# -- TransferSelector --------------------------------------------------------------------


def test_selector_falls_back_on_negative_transfer():
    X, y, sd, yt = make_task()
    sel = TransferSelector(LogisticRegression(), strategies=["test_noise"], cv=3).fit(X, y)
    assert sel.selected_strategy_ == "source_only"
    assert set(sel.scores_) == {"source_only", "test_noise"}
    assert sel.score(X[sd < 0], yt) > 0.8
    # without a fallback the harmful strategy is still not preferred by the scorer
    forced = TransferSelector(
        LogisticRegression(), strategies=["test_noise"], cv=3, fallback=None
    ).fit(X, y)
    assert forced.selected_strategy_ == "source_only"


def test_selector_delegates_and_reports():
    X, y, sd, yt = make_task()
    sel = TransferSelector(
        LogisticRegression(),
        strategies=["coral"],
        cv=3,
        margin=-1,
        min_win_rate=0,
        alpha=None,
        rule="consensus",
    ).fit(X, y)
    assert sel.selected_strategy_ == "coral"
    assert sel.predict_proba(X[sd < 0]).shape == (90, 3)
    np.testing.assert_array_equal(sel.classes_, [0, 1, 2])
    assert "*" in str(sel.report_) and sel.cv_results_["selected"] == "coral"


#: Per-fold gains over source-only of a strategy under one scorer, on 5 folds.
STEADY_GAINS = np.array([0.04, 0.05, 0.04, 0.05, 0.04])
#: Positive on every fold, but the fold-to-fold spread is as large as the mean gain.
NOISY_GAINS = np.array([0.08, 0.01, 0.05, 0.005, 0.02])
FOLD_RATIO = 0.3 / 0.7  # n_validation / n_train of DomainShuffleSplit(test_size=0.3)


def _cv_report(gains):
    base = np.array([0.50, 0.52, 0.49, 0.51, 0.50])[: len(gains)]
    return ComparisonReport(
        scores={"source_only": base, "a": base + gains}, fit_times={}, metric="score"
    )


def test_gain_p_value_corrects_for_overlapping_folds():
    base = np.array([0.50, 0.52, 0.49, 0.51, 0.50])
    plain = gain_p_value(base + NOISY_GAINS, base)
    corrected = gain_p_value(base + NOISY_GAINS, base, test_ratio=FOLD_RATIO)
    assert plain < 0.05 < corrected
    assert gain_p_value(base + STEADY_GAINS, base, test_ratio=FOLD_RATIO) < 0.01
    assert gain_p_value(base + 0.01, base) == 0.0
    assert gain_p_value(base - 0.01, base) == 1.0
    assert np.isnan(gain_p_value([0.6], [0.5]))


def test_choose_is_conservative_when_the_gain_is_within_noise():
    noisy, steady = _cv_report(NOISY_GAINS), _cv_report(STEADY_GAINS)
    kw = dict(margin=0.005, test_ratio=FOLD_RATIO)
    # both scorers agree on a gain, on every fold, but none beyond its fold-to-fold spread
    assert choose([noisy, noisy], **kw) == "source_only"
    assert choose([noisy, noisy], margin=0.005, alpha=None) == "a"  # consensus alone
    # one significant scorer suffices, whichever ranks
    assert choose([noisy, steady], **kw) == "a"
    assert choose([steady, noisy], **kw) == "a"
    # significance does not override the consensus: a scorer seeing a loss vetoes
    assert choose([steady, _cv_report(-STEADY_GAINS)], **kw) == "source_only"
    # with one fold there is no test, hence no credible gain
    assert choose([_cv_report(STEADY_GAINS[:1])], **kw) == "source_only"


def test_selector_reports_gain_p_values():
    X, y, sd, yt = make_task()
    sel = TransferSelector(
        LogisticRegression(), strategies=["kmm", "coral"], cv=3, rule="consensus"
    ).fit(X, y)
    for report in sel.reports_:
        assert set(report.extra) == {"kmm", "coral"}
        assert all(0 <= v["p_gain"] <= 1 for v in report.extra.values())
        assert "p_gain" in str(report)
    if sel.selected_strategy_ != "source_only":
        assert min(r.extra[sel.selected_strategy_]["p_gain"] for r in sel.reports_) < 0.05
    with pytest.raises(ValueError, match="alpha"):
        TransferSelector(LogisticRegression(), strategies=["coral"], alpha=0).fit(X, y)


class _RowCounter(LogisticRegression):
    """Records how many rows each fit sees."""

    seen = []

    def fit(self, X, y, sample_weight=None):
        type(self).seen.append(X.shape[0])
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("few_labels", [False, True])
def test_selector_caps_the_rows_its_folds_train_on_and_refits_on_all(few_labels):
    X, y, sd, labels = make_task()  # 120 source rows
    y = y.copy()
    if few_labels:
        y[np.flatnonzero(sd < 0)[:6]] = labels[:6]
    _RowCounter.seen = []
    sel = TransferSelector(_RowCounter(), strategies=[], max_train_rows=40, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # labelled target rows, on purpose
        sel.fit(X, y, sample_domain=sd)
    assert sel.selection_mode_ == ("few_labels" if few_labels else "unsupervised")
    n_refits = len(sel.members_)  # the pick, or the hedge's members, refitted on all rows
    folds, refits = _RowCounter.seen[:-n_refits], _RowCounter.seen[-n_refits:]
    # a fold's fit sees the capped source rows (+ the labelled target rows it trains on)
    assert max(folds) <= 40 + 6 and max(refits) > 100
    with pytest.raises(ValueError, match="max_train_rows"):
        TransferSelector(LogisticRegression(), max_train_rows=0).fit(X, y, sample_domain=sd)


def test_selector_without_target_is_plain_estimator():
    X, y, sd, _ = make_task()
    src = sd > 0
    sel = TransferSelector(LogisticRegression()).fit(X[src], y[src])
    assert sel.report_ is None and sel.selected_strategy_ == "source_only"
    plain = LogisticRegression().fit(X[src], y[src])
    np.testing.assert_allclose(sel.predict_proba(X), plain.predict_proba(X))


def test_selector_da_contract():
    X, y, sd = make_contract_task(n_source=30, n_target=20)
    check_da_contract(TransferSelector(LogisticRegression(), strategies=["coral"], cv=2), X, y, sd)


@parametrize_with_checks(
    [TransferSelector(LogisticRegression(), strategies=["coral"], cv=2)],
    expected_failed_checks=lambda est: {
        "check_classifiers_classes": "-1 is the mask of unknown target labels (sklearn's "
        "semi-supervised convention), so a class labelled -1 reads as unlabelled",
    },
)
def test_selector_sklearn_checks(estimator, check):
    check(estimator)


# -- source selection --------------------------------------------------------------------


def _two_sources():
    X, y, sd, yt = make_task(n_source=160)
    rng = np.random.RandomState(1)
    sd = sd.copy()
    far = np.flatnonzero(sd > 0)[80:]
    sd[far] = 2
    X = X.copy()
    X[far] = X[far] * 3 + 8 + rng.randn(far.size, 2)  # source 2 is far from the target
    return X, y, sd, yt


def test_rank_sources_and_source_selection():
    X, y, sd, yt = _two_sources()
    report = rank_sources(X, y, sd, cv=3, diagnostics=("mmd2", "domain_classifier_auc"))
    rows = {r["strategy"]: r for r in report.rows}
    assert rows["source[1]"]["mmd2"] < rows["source[2]"]["mmd2"]
    assert report.strategies[0] in ("source[1]", "source_only")
    sel = TransferSelector(LogisticRegression(), strategies=[], cv=3, source_selection=True).fit(
        X, y, sample_domain=sd
    )
    assert {"source_only", "source_only[1]", "source_only[2]"} == set(sel.scores_)
    assert sel.selected_strategy_ in ("source_only", "source_only[1]")
    assert sel.score(X[sd < 0], yt) > 0.8


# -- parallel and distributed ------------------------------------------------------------


@pytest.mark.slow
def test_compare_strategies_on_dask_matches_serial():
    distributed = pytest.importorskip("distributed")
    import joblib

    X, y, _ = make_contract_task()
    serial = compare_strategies(["coral"], X, y, cv=2)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config("dask"),
    ):
        remote = compare_strategies(["coral"], X, y, cv=2, n_jobs=2)
    assert isinstance(remote, ComparisonReport)
    for name in serial.strategies:
        np.testing.assert_allclose(remote.scores[name], serial.scores[name])
