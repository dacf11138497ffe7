"""Issue 17: new DA scorers, grid candidates, few-label selection, splitters, PerDomain,
packing of several domains."""

import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxfer import (
    CORALAligner,
    LabelledOnly,
    PerDomain,
    make_da_pipeline,
    pack_domains,
    pack_each_as_target,
)
from skxfer.model_selection import (
    CircularValidationScorer,
    DomainShuffleSplit,
    EnsembleAgreementScorer,
    LeaveOneDomainOut,
    MixValScorer,
    NeighborhoodAgreementScorer,
    SourceTargetShuffleSplit,
    SupervisedTargetScorer,
    TransferSelector,
    get_da_scorer,
)
from skxfer.model_selection._compare import build_candidates, resolve_param
from skxfer.model_selection._selector import DEFAULT_SCORING
from skxfer.utils.estimator_checks import check_da_contract, check_row_order_invariance

from .test_model_selection import NoiseAligner, make_task


@pytest.fixture
def noise_strategy():
    """The harmful test strategy, registered here too (another test may reset the registry)."""
    from skxfer import register_strategy

    register_strategy("test_noise", NoiseAligner, overwrite=True)


NEW_SCORERS = [
    MixValScorer(),
    CircularValidationScorer(balanced=True),
    EnsembleAgreementScorer(committee=["source_only", "coral"]),
    NeighborhoodAgreementScorer(metric="euclidean"),  # 2-D blobs, one at the origin
]


def _ids(s):
    return type(s).__name__ + ("_balanced" if getattr(s, "balanced", False) else "")


# -- scorers -----------------------------------------------------------------------------


@pytest.mark.parametrize("scorer", NEW_SCORERS, ids=_ids)
def test_new_scorer_ranks_good_model_above_constant(scorer):
    X, y, sd, _ = make_task()
    good = LabelledOnly(LogisticRegression()).fit(X, y)
    const = LabelledOnly(DummyClassifier(strategy="most_frequent")).fit(X, y)
    assert scorer(good, X, y) > scorer(const, X, y) + 0.2
    assert scorer(good, X, y, sample_domain=sd) == pytest.approx(scorer(good, X, y))


@pytest.mark.parametrize("scorer", NEW_SCORERS, ids=_ids)
@pytest.mark.parametrize("routing", [False, True])
def test_new_scorers_in_cross_validate(scorer, routing):
    X, y, sd, _ = make_task()
    pipe = make_da_pipeline(CORALAligner(), LogisticRegression())
    cv = DomainShuffleSplit(3, random_state=0)
    with config_context(enable_metadata_routing=routing):
        params = {"params": {"sample_domain": sd}} if routing else {}
        res = cross_validate(pipe, X, y, cv=cv, scoring=scorer, **params)
    assert np.all((res["test_score"] > 0.5) & (res["test_score"] <= 1.0))


def test_mixval_scores_target_consistency():
    X, y, _, _ = make_task()
    good = LabelledOnly(LogisticRegression()).fit(X, y)
    collapsed = LabelledOnly(DummyClassifier(strategy="constant", constant=0)).fit(X, y)
    # one class everywhere: intra-cluster mixes all agree, no inter-cluster pair
    assert MixValScorer(ice="intra")(collapsed, X, y) == 1.0
    assert MixValScorer(ice="inter")(collapsed, X, y) == 0.0
    assert MixValScorer()(collapsed, X, y) == 0.5
    # a linear model is consistent on mixes of its own pseudo-labels, more so inside
    # a cluster than across a boundary
    intra, inter = MixValScorer(ice="intra")(good, X, y), MixValScorer(ice="inter")(good, X, y)
    assert intra > 0.95 and 0.5 < inter <= intra
    with pytest.raises(ValueError, match="lam"):
        MixValScorer(lam=0.4)(good, X, y)


class _Rule:
    """A fitted "model" predicting ``rule(X)``."""

    def __init__(self, rule):
        self.rule = rule

    def predict(self, X):
        return self.rule(np.asarray(X.toarray() if hasattr(X, "toarray") else X))


def test_neighborhood_agreement_rewards_predictions_that_follow_the_target_clusters():
    from scipy import sparse

    rng = np.random.RandomState(0)
    # two target clusters along the first feature; the second feature is noise
    Xt = np.r_[rng.randn(80, 2) + [4, 0], rng.randn(80, 2) - [4, 0]]
    X = np.r_[rng.randn(20, 2), Xt]
    y = np.r_[rng.randint(0, 2, 20), -np.ones(160, dtype=int)]
    scorer = NeighborhoodAgreementScorer(metric="euclidean")
    by_cluster = scorer(_Rule(lambda Z: np.where(Z[:, 0] > 0, "a", "b")), X, y)
    across = scorer(_Rule(lambda Z: np.where(Z[:, 1] > 0, "a", "b")), X, y)  # cuts both
    noise = scorer(_Rule(lambda Z: rng.randint(0, 2, len(Z))), X, y)
    assert by_cluster == pytest.approx(1.0)
    assert across < by_cluster - 0.2 and abs(noise) < 0.1
    assert scorer(_Rule(lambda Z: np.zeros(len(Z))), X, y) == 0.0  # one class: chance
    # the neighbourhoods come from the target rows alone, sparse or dense alike
    sparse_score = scorer(_Rule(lambda Z: np.where(Z[:, 0] > 0, 1, 0)), sparse.csr_matrix(X), y)
    assert sparse_score == pytest.approx(1.0)
    assert get_da_scorer("neighborhood_agreement").n_neighbors == 10


def test_balanced_circular_is_not_fooled_by_the_majority_class():
    X, y, _, _ = make_task()
    # source labels 80 % class 0: the constant model gets 0.8 plain, 1 / 3 balanced
    ys = np.where(np.arange(y.size) % 5 == 0, y, 0)
    ys[y == -1] = -1
    const = LabelledOnly(DummyClassifier(strategy="most_frequent")).fit(X, ys)
    plain = CircularValidationScorer()(const, X, ys)
    balanced = CircularValidationScorer(balanced=True)(const, X, ys)
    assert plain > 0.75 and balanced == pytest.approx(1 / 3)
    assert get_da_scorer("balanced_circular").balanced is True


def test_supervised_scorer_takes_target_labels_in_cross_validate():
    X, y, sd, yt = make_task()
    labels = np.r_[y[sd > 0], yt]  # true labels of every row; y keeps the target masked
    pipe = make_da_pipeline(CORALAligner(), LogisticRegression())
    cv = DomainShuffleSplit(3, random_state=0)
    with config_context(enable_metadata_routing=True):
        res = cross_validate(
            pipe,
            X,
            y,
            cv=cv,
            scoring=SupervisedTargetScorer(),
            params={"sample_domain": sd, "target_labels": labels},
            return_estimator=True,
            return_indices=True,
        )
    for est, test, score in zip(
        res["estimator"], res["indices"]["test"], res["test_score"], strict=True
    ):
        target = test[sd[test] < 0]
        assert score == pytest.approx(np.mean(est.predict(X[target]) == labels[target]))
    with pytest.raises(ValueError, match="one label per row"):
        SupervisedTargetScorer()(res["estimator"][0], X, y, target_labels=labels[:5])


# -- splitters ---------------------------------------------------------------------------


@pytest.mark.parametrize("explicit", [True, False])
def test_source_target_shuffle_split(explicit):
    X, y, sd, _ = make_task()
    kw = {"sample_domain": sd} if explicit else {}
    folds = list(SourceTargetShuffleSplit(4, random_state=0).split(X, y, **kw))
    assert len(folds) == 4
    for train, test in folds:
        assert np.intersect1d(train, test).size == 0
        assert (sd[test] > 0).sum() == 12 and (sd[test] < 0).sum() == 9  # 10 % each


def _three_domains():
    rng = np.random.RandomState(0)
    domains = []
    for shift in (0.0, 1.0, 2.0):
        Xd = rng.randn(40, 2) + shift
        domains.append((Xd, (Xd[:, 0] - shift > 0).astype(int)))
    return domains


def test_leave_one_domain_out_makes_each_domain_the_target():
    X, y, sd, labels = pack_each_as_target(_three_domains())
    cv = LeaveOneDomainOut(target_rotation=True)
    folds = list(cv.split(X, y, sample_domain=sd))
    assert len(folds) == cv.get_n_splits(X, y, sample_domain=sd) == 3
    for (train, test), t in zip(folds, (-1, -2, -3), strict=True):
        assert set(np.unique(sd[train])) == {t} | ({1, 2, 3} - {-t})
        assert set(np.unique(sd[test])) >= {t}
        assert np.all(y[sd == t] == -1)
    pipe = make_da_pipeline(CORALAligner(), LogisticRegression())
    for routing in (False, True):  # the splitter needs sample_domain in both modes
        with config_context(enable_metadata_routing=routing):
            if routing:
                res = cross_validate(
                    pipe,
                    X,
                    y,
                    cv=cv,
                    scoring=SupervisedTargetScorer(),
                    params={"sample_domain": sd, "target_labels": labels},
                )
                assert np.all(res["test_score"] > 0.6)
            else:
                with pytest.raises(ValueError, match="pack_each_as_target"):
                    list(cv.split(X, y))


# -- packing -----------------------------------------------------------------------------


def test_pack_domains_several_sources_and_targets():
    (X1, y1), (X2, y2), (X3, y3) = _three_domains()
    X, y, sd = pack_domains([(X1, y1), (X2, y2)], [X3, (X3[:5], y3[:5])])
    assert X.shape == (125, 2)
    assert sd.tolist() == [1] * 40 + [2] * 40 + [-1] * 40 + [-2] * 5
    assert np.all(y[sd == -1] == -1) and np.array_equal(y[sd == -2], y3[:5])
    np.testing.assert_array_equal(X[sd == 2], X2)
    # regression labels are masked with NaN
    _, yr, _ = pack_domains([(X1, y1.astype(float))], [X3])
    assert np.isnan(yr[40:]).all()
    with pytest.raises(ValueError, match="same features"):
        pack_domains([(X1, y1), (X2[:, :1], y2)])
    with pytest.raises(ValueError, match=r"\(X, y\) pair"):
        pack_domains([X1])
    with pytest.raises(ValueError, match="two domains"):
        pack_each_as_target([(X1, y1)])


# -- PerDomain ---------------------------------------------------------------------------


def test_per_domain_standardises_each_domain():
    X, y, sd, _ = make_task()
    pd_ = PerDomain(StandardScaler())
    Z = pd_.fit_transform(X, y)
    for d in (1, -1):
        np.testing.assert_allclose(Z[sd == d].mean(0), 0, atol=1e-10)
        np.testing.assert_allclose(Z[sd == d].std(0), 1, atol=1e-10)
    # at predict time every row is target: the target scaler
    np.testing.assert_allclose(pd_.transform(X[sd < 0]), Z[sd < 0])
    # an unseen domain uses the scaler fitted on all rows
    np.testing.assert_allclose(
        pd_.transform(X[:5], sample_domain=[7] * 5), StandardScaler().fit(X).transform(X[:5])
    )
    # inside a pipeline with routing on, an explicit sample_domain reaches it
    sd3 = sd.copy()
    sd3[:60] = 2
    with config_context(enable_metadata_routing=True):
        pipe = make_pipeline(PerDomain(StandardScaler())).fit(X, y, sample_domain=sd3)
    assert set(pipe[0].transformers_) == {-1, 1, 2}


def test_per_domain_da_contract():
    X, y, sd, _ = make_task()
    check_da_contract(PerDomain(StandardScaler()), X, y, sd)
    check_row_order_invariance(PerDomain(StandardScaler()), X, y, sd)


@parametrize_with_checks([PerDomain(StandardScaler())])
def test_per_domain_sklearn_checks(estimator, check):
    check(estimator)


# -- grid candidates and selection modes -------------------------------------------------


def test_grid_candidates_and_short_parameter_names():
    est = LogisticRegression()
    cands = build_candidates(
        [("coral", {"reg": [0.1, 1.0], "C": [1.0]}), (None, {"C": [0.01]})], est
    )
    assert list(cands) == [
        "source_only",
        "coral(C=1.0, reg=0.1)",
        "coral(C=1.0, reg=1.0)",
        "source_only(C=0.01)",
    ]
    assert cands["coral(C=1.0, reg=0.1)"].get_params()["coralaligner__reg"] == 0.1
    assert cands["source_only(C=0.01)"].get_params()["estimator__C"] == 0.01
    with pytest.raises(ValueError, match="no parameter"):
        resolve_param(cands["source_only"], "gamma")


def test_selector_over_grid_chooses_per_task():
    X, y, sd, yt = make_task()
    # C=1e-4 collapses the classifier: the selector must not pick it
    sel = TransferSelector(
        LogisticRegression(),
        strategies=[("coral", {"C": [1e-4, 1.0]})],
        scoring=["importance_weighted", "mixval"],
        cv=3,
    ).fit(X, y)
    assert sel.selection_mode_ == "unsupervised"
    assert set(sel.report_.strategies) == {"source_only", "coral(C=0.0001)", "coral(C=1.0)"}
    assert sel.selected_strategy_ != "coral(C=0.0001)"
    assert np.mean(sel.predict(X[sd < 0]) == yt) > 0.8


def test_selector_ensemble_scoring(noise_strategy):
    X, y, sd, yt = make_task()
    sel = TransferSelector(
        LogisticRegression(),
        strategies=["coral", "test_noise"],
        scoring=["ensemble", "importance_weighted"],
        cv=3,
    ).fit(X, y)
    ens = sel.reports_[0]
    assert ens.metric == "ensemble"
    # the harmful candidate disagrees with the committee's majority
    assert ens.mean("test_noise") < ens.mean("source_only")
    assert all(0 <= ens.mean(n) <= 1 for n in ens.strategies)


@pytest.mark.parametrize("k", [1, 3])
def test_selector_few_label_mode(k, noise_strategy):
    X, y, sd, yt = make_task()
    y_semi = y.copy()
    target = np.flatnonzero(sd < 0)
    labelled = np.concatenate([target[yt == c][:k] for c in range(3)])
    y_semi[labelled] = yt[np.searchsorted(target, labelled)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # labelled target rows, on purpose
        sel = TransferSelector(
            LogisticRegression(), strategies=["coral", "test_noise"], n_label_repeats=2
        ).fit(X, y_semi, sample_domain=sd)
    assert sel.selection_mode_ == "few_labels"
    assert sel.selected_strategy_ != "test_noise"
    # the target-only baseline competes, judged on the same held-out target labels
    assert "target_only" in sel.report_.strategies
    assert [r.metric for r in sel.reports_][1:] == [repr(get_da_scorer(s)) for s in DEFAULT_SCORING]
    n_folds = 2 * max(2, k)
    assert sel.report_.scores["coral"].shape == (n_folds,)
    # without labelled target rows: unsupervised; without target rows: no_target
    assert (
        TransferSelector(LogisticRegression(), strategies=["coral"], cv=2).fit(X, y).selection_mode_
        == "unsupervised"
    )
    assert (
        TransferSelector(LogisticRegression(), strategies=["coral"])
        .fit(X[sd > 0], y[sd > 0])
        .selection_mode_
        == "no_target"
    )


# -- the rank rule -----------------------------------------------------------------------


def _report(**means):
    from skxfer.model_selection import ComparisonReport

    return ComparisonReport(
        scores={n: np.array([m, m]) for n, m in means.items()}, fit_times={}, metric="score"
    )


def test_rank_rule_outvotes_one_blind_scorer_and_keeps_the_fallback():
    from skxfer.model_selection._selector import choose, choose_by_rank

    # scorer 1 and 2 see a gain of "a"; scorer 3 (e.g. collapsed importance weights)
    # ranks everything the same: the consensus rule vetoes, the rank rule transfers
    reports = [
        _report(source_only=0.5, a=0.7, b=0.6),
        _report(source_only=0.5, a=0.6, b=0.4),
        _report(source_only=0.5, a=0.5, b=0.5),
    ]
    assert choose_by_rank(reports) == "a"
    assert choose(reports, alpha=None) == "source_only"
    # the best-ranked candidate beats source-only under one scorer of three: fallback
    others = dict(source_only=0.45, a=0.44, b=0.40, c=0.41)
    reports = [_report(source_only=0.1, a=0.9, b=0.2, c=0.3), _report(**others), _report(**others)]
    assert choose_by_rank(reports) == "source_only"
    assert choose_by_rank(reports, min_agreement=0.3) == "a"
    assert choose_by_rank(reports, fallback=None) == "a"
    # a failed candidate (NaN) ranks last
    assert choose_by_rank([_report(source_only=0.5, a=float("nan"))], fallback=None) == (
        "source_only"
    )


def test_rank_rule_counts_only_gains_above_the_fold_noise_with_agreement_alpha():
    from skxfer.model_selection import ComparisonReport
    from skxfer.model_selection._selector import choose_by_rank

    base = np.array([0.50, 0.52, 0.49, 0.51, 0.50])

    def report(gains):
        scores = {"source_only": base, "a": base + np.asarray(gains)}
        return ComparisonReport(scores=scores, fit_times={}, metric="score")

    steady = report([0.04, 0.05, 0.04, 0.05, 0.04])
    flat = report([0.004, -0.006, 0.005, -0.003, 0.002])  # a higher mean, within noise
    against = report([-0.03, -0.04, -0.02, -0.03, -0.03])
    # two of three scorers have a higher mean for "a"; only one sees a gain above noise
    reports = [steady, flat, against]
    assert choose_by_rank(reports) == "a"
    assert choose_by_rank(reports, agreement_alpha=0.25, test_ratio=0.3 / 0.7) == "source_only"
    assert choose_by_rank([steady, steady, against], agreement_alpha=0.25) == "a"
    # a no-transfer variant of source-only needs every scorer
    assert choose_by_rank([steady, steady, against], baselines={"a"}) == "source_only"
    assert choose_by_rank([steady, steady, steady], baselines={"a"}) == "a"


def test_selector_treats_grid_points_of_source_only_as_baselines():
    from skxfer.model_selection import ComparisonReport, TransferSelector
    from skxfer.model_selection._compare import build_candidates
    from skxfer.model_selection._selector import no_transfer_variants

    sel = TransferSelector(LogisticRegression(), strategies=[(None, {"C": [0.1]}), "coral"])
    candidates = build_candidates(sel.strategies, sel.estimator)
    assert no_transfer_variants(candidates) == {"source_only(C=0.1)"}
    base = np.array([0.50, 0.52, 0.49, 0.51, 0.50])

    def report(c_gain, coral_gain):
        scores = {"source_only": base, "source_only(C=0.1)": base + c_gain}
        scores["coral(reg='auto')"] = base + coral_gain
        return ComparisonReport(scores=scores, fit_times={}, metric="score")

    up, down = np.array([0.04, 0.05, 0.04, 0.05, 0.04]), np.full(5, -0.05)
    # the C grid point leads under two scorers of three: a transfer pick would stay
    reports = [report(up, 0.0 * up), report(up, 0.0 * up), report(down, 0.5 * up)]
    assert sel._decide(reports, 0.3 / 0.7, candidates) == "source_only"
    assert sel._decide([report(up, 0.0 * up)] * 3, 0.3 / 0.7, candidates) == "source_only(C=0.1)"


@pytest.mark.parametrize(
    "params, match",
    [
        ({"rule": "vote"}, "rule"),
        ({"min_agreement": 2}, "min_agreement"),
        ({"agreement_alpha": 0}, "agreement_alpha"),
    ],
)
def test_selector_rejects_bad_rule_parameters(params, match):
    X, y, _, _ = make_task()
    with pytest.raises(ValueError, match=match):
        TransferSelector(LogisticRegression(), strategies=["coral"], **params).fit(X, y)


@pytest.mark.parametrize(
    "make", [lambda: get_da_scorer("importance_weighted"), NeighborhoodAgreementScorer]
)
def test_per_fold_quantities_are_reused_only_on_the_same_fold(make, monkeypatch):
    import skxfer.model_selection._scorers as scorers

    X, y, _, _ = make_task()
    X2, y2, _, _ = make_task(seed=1)
    good = LabelledOnly(LogisticRegression()).fit(X, y)
    shared = make()
    first = [shared(good, X, y), shared(good, X2, y2), shared(good, X, y)]
    fresh = [make()(good, X, y), make()(good, X2, y2)]
    assert first == [fresh[0], fresh[1], fresh[0]]
    assert len(shared._cache) == 2
    assert "_cache" not in repr(shared)
    # warmed before any model is scored (what the selector does before sending copies of
    # its scorers to parallel workers), a scorer holds the fold's quantity already
    warmed = make()
    warmed.warm(X, y)
    # or the entries a parallel worker computed for it (the original is left untouched)
    worker_copy = make()
    absorbed = make()
    absorbed._absorb(worker_copy._fold_cache(X, y))
    assert "_cache" not in vars(worker_copy) and len(absorbed._cache) == 1
    # a cached fold computes nothing again (importance weights, neighbourhoods)
    for name in ("density_ratio", "_neighbors"):
        monkeypatch.setattr(scorers, name, lambda *a, **k: pytest.fail("recomputed"))
    assert shared(good, X, y) == fresh[0]
    assert warmed(good, X, y) == fresh[0]
    assert absorbed(good, X, y) == fresh[0]


def test_selector_scores_the_same_in_parallel_with_warmed_scorers():
    X, y, _, _ = make_task()
    kw = {"strategies": ["coral", "sa"], "cv": 3}
    one = TransferSelector(LogisticRegression(), **kw).fit(X, y)
    two = TransferSelector(LogisticRegression(), n_jobs=2, **kw).fit(X, y)
    for a, b in zip(one.reports_, two.reports_, strict=True):
        for name in a.scores:
            np.testing.assert_allclose(a.scores[name], b.scores[name])


def test_few_labels_rule_out_what_they_can_and_the_scorers_decide_the_rest():
    from skxfer.model_selection import ComparisonReport
    from skxfer.model_selection._selector import _plausible_by_labels, choose_by_rank

    # the unlabelled scorers prefer "b", then "a"
    unsupervised = [
        ComparisonReport(
            scores={"source_only": np.full(3, 0.5), "a": np.full(3, 0.6), "b": np.full(3, 0.7)},
            fit_times={},
            metric=m,
        )
        for m in ("u1", "u2")
    ]
    # 30 labelled rows: "a" right on 27, "b" and source-only on 15: ruled out
    rng = np.random.RandomState(0)
    conclusive = {
        "source_only": (rng.rand(30) < 0.5).astype(float),
        "a": np.r_[np.ones(27), np.zeros(3)],
        "b": np.r_[np.zeros(15), np.ones(15)],
    }
    kept = _plausible_by_labels(unsupervised, conclusive, alpha=0.05)
    assert kept[0].strategies == ["a"]
    assert choose_by_rank(kept) == "a"
    # 6 labelled rows, one row apart: nothing is ruled out, the scorers decide
    few = {
        "source_only": np.r_[np.ones(4), np.zeros(2)],
        "a": np.r_[np.ones(5), np.zeros(1)],
        "b": np.r_[np.zeros(1), np.ones(4), np.zeros(1)],
    }
    kept = _plausible_by_labels(unsupervised, few, alpha=0.05)
    assert kept[0].strategies == ["source_only", "a", "b"]
    assert choose_by_rank(kept) == "b"
    # alpha=None: the best held-out accuracy alone
    assert _plausible_by_labels(unsupervised, few, alpha=None)[0].strategies == ["a"]
    # a candidate whose fits failed is never kept
    failed = dict(few, b=np.full(6, np.nan))
    assert "b" not in _plausible_by_labels(unsupervised, failed, alpha=0.05)[0].strategies


def test_held_out_correctness_counts_each_labelled_row_per_fold_that_holds_it_out():
    from skxfer.model_selection._few_labels import held_out_correctness

    y = np.array([0, 1, 0, 1, 1, 0])
    sd = np.array([1, 1, -1, -1, -1, -1])
    labelled = np.array([2, 3, 4])
    splits = [
        (np.array([0, 1, 4, 5]), np.array([2, 3])),
        (np.array([0, 1, 2, 3]), np.array([4, 5])),
    ]
    classes = np.array([0, 1])
    # candidate "a" predicts class 0 everywhere; "b" fails on the second fold
    results = [
        ("a", [0.0], 0.0, None, (classes, np.array([[0.9, 0.1], [0.8, 0.2]]))),
        ("a", [0.0], 0.0, None, (classes, np.array([[0.7, 0.3], [0.6, 0.4]]))),
        ("b", [0.0], 0.0, None, (classes, np.array([[0.1, 0.9], [0.2, 0.8]]))),
        ("b", [np.nan], 0.0, "ValueError", None),
    ]
    correct = held_out_correctness(results, splits, y, sd, labelled)
    assert correct["a"].tolist() == [1.0, 0.0, 0.0]
    assert np.isnan(correct["b"]).all()


def test_few_label_folds_hold_out_each_labelled_row_and_a_share_of_the_rest():
    from skxfer.model_selection._few_labels import few_label_splits

    rng = np.random.RandomState(0)
    sd = np.r_[np.ones(100, dtype=int), -np.ones(60, dtype=int)]
    y = np.r_[rng.randint(0, 2, 100), -np.ones(60, dtype=int)]
    labelled = np.arange(100, 112)
    y[labelled] = np.tile([0, 1], 6)
    splits = few_label_splits(y, sd, labelled, n_repeats=2, random_state=0)
    assert len(splits) == 2 * 5
    held = np.concatenate([np.intersect1d(te, labelled) for _, te in splits])
    assert np.array_equal(np.sort(held), np.sort(np.r_[labelled, labelled]))
    for tr, te in splits:
        assert np.intersect1d(tr, te).size == 0 and tr.size + te.size == 160
        assert np.sum(sd[te] > 0) == 30  # 30 % of the source rows
        assert np.setdiff1d(te[sd[te] < 0], labelled).size == 14  # 30 % of 48 unlabelled
    capped = few_label_splits(y, sd, labelled, n_repeats=2, random_state=0, max_train_rows=20)
    assert np.array_equal(capped[0][1], splits[0][1])  # the cap draws after validation
    for tr, te in capped:
        assert np.intersect1d(tr, te).size == 0 and np.sum(sd[te] > 0) == 30
        assert np.isin(np.setdiff1d(labelled, te), tr).all()  # labelled rows always train
        assert np.sum(sd[tr] > 0) == 20 and np.setdiff1d(tr[sd[tr] < 0], labelled).size == 20


def test_hedge_is_calibrated_weighted_and_kept_unless_one_member_clearly_beats_it():
    from skxfer.model_selection._few_labels import hedge_members, held_out_correctness

    n = 24
    y = np.r_[np.zeros(4, dtype=int), np.tile([0, 1], n // 2)]
    sd = np.r_[np.ones(4, dtype=int), -np.ones(n, dtype=int)]
    labelled = np.arange(4, 4 + n)
    splits = [(np.arange(4), labelled)]
    truth = np.eye(2)[y[labelled]]

    def hedge(pick_out, target_out, balanced_out):
        results = [
            ("ot", [0.0], 0.0, None, pick_out),
            ("target_only", [0.0], 0.0, None, target_out),
            ("domain_balanced", [0.0], 0.0, None, balanced_out),
        ]
        correct = held_out_correctness(results, splits, y, sd, labelled)
        return hedge_members("ot", results, splits, y, sd, labelled, correct)

    two = np.array([0, 1])
    # each member right on two thirds of the rows, wrong on different ones: the mean is
    # right everywhere, no member beats it, and by symmetry they weigh the same
    wrong = [np.arange(n) % 3 == k for k in range(3)]
    outs = [(two, np.where(w[:, None], 1 - truth, truth) * 0.6 + 0.2) for w in wrong]
    members, temperatures, weights = hedge(*outs)
    assert members == ["ot", "target_only", "domain_balanced"]
    np.testing.assert_allclose(list(weights.values()), [1 / 3] * 3)
    # target-only right everywhere, the two others confidently wrong: calibration softens
    # them and their log loss makes them weigh little, so the hedge follows target-only
    sure_wrong = (two, 0.05 + 0.9 * (1 - truth))
    members, temperatures, weights = hedge(sure_wrong, (two, 0.1 + 0.8 * truth), sure_wrong)
    assert len(members) == 3 and weights["target_only"] > 0.9
    assert temperatures["ot"] > 1 > temperatures["target_only"]
    # members that do not know the same classes are not calibrated: the plain mean
    # follows the wrong majority, and target-only, clearly better, predicts alone
    three = np.array([0, 1, 2])
    wrong3 = (three, np.c_[0.05 + 0.9 * (1 - truth), np.zeros(n)])
    assert hedge(wrong3, (two, 0.1 + 0.8 * truth), wrong3) == (["target_only"], None, None)
    # a member whose fits failed stays out; one left alone is the pick itself
    failed = [("ot", [0.0], 0.0, None, outs[0]), ("target_only", [np.nan], 0.0, "E", None)]
    correct = held_out_correctness(failed, splits, y, sd, labelled)
    assert hedge_members("ot", failed, splits, y, sd, labelled, correct) == (["ot"], None, None)


def test_few_label_selector_predicts_with_the_weighted_mean_of_its_members():
    from skxfer.model_selection._few_labels import MeanProbaClassifier

    X, y, sd, yt = make_task()
    y_semi = y.copy()
    target = np.flatnonzero(sd < 0)
    labelled = np.concatenate([target[yt == c][:3] for c in range(3)])
    y_semi[labelled] = yt[np.searchsorted(target, labelled)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # labelled target rows, on purpose
        sel = TransferSelector(LogisticRegression(), strategies=["coral"]).fit(
            X, y_semi, sample_domain=sd
        )
        assert {"target_only", "domain_balanced"} <= set(sel.report_.strategies)
        # on this task no member beats the hedge clearly: all of them predict
        assert sel.members_ == list(
            dict.fromkeys([sel.selected_strategy_, "target_only", "domain_balanced"])
        )
        assert isinstance(sel.best_estimator_, MeanProbaClassifier)
        from skxfer.utils._inner_validation import temper

        hedge = sel.best_estimator_
        each = [
            hedge.weights[name]
            * temper(
                clone(est).fit(X, y_semi, sample_domain=sd).predict_proba(X),
                hedge.temperatures[name],
            )
            for name, est in hedge.members
        ]
        assert sel.member_weights_ == hedge.weights
        assert sum(hedge.weights.values()) == pytest.approx(1.0)
        np.testing.assert_allclose(sel.predict_proba(X), np.sum(each, axis=0))
    unsupervised = TransferSelector(LogisticRegression(), strategies=["coral"], cv=2).fit(X, y)
    assert unsupervised.members_ == [unsupervised.selected_strategy_]
