"""Gradient reversal, the adaptation schedule, criteria plugins and DA vs source-only."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skxfer import config_context, mask_target_labels  # noqa: E402
from skxfer.deep import (  # noqa: E402
    ADDAClassifier,
    CORALCriterion,
    Criterion,
    DANClassifier,
    DANNClassifier,
    DeepCORALClassifier,
    DeepDAClassifier,
    DeepJDOTClassifier,
    DomainAdversarialCriterion,
    FineTuneClassifier,
    JDOTCriterion,
    MMDCriterion,
    ganin_schedule,
    get_criterion,
    grad_reverse,
    register_criterion,
)
from skxfer.utils.estimator_checks import make_contract_task  # noqa: E402

torch.set_num_threads(1)


def test_schedule_values():
    assert ganin_schedule(0.0) == 0.0
    assert ganin_schedule(0.5) == pytest.approx(2 / (1 + np.exp(-5)) - 1)
    assert ganin_schedule(1.0) == pytest.approx(0.9999092)
    clf = DANNClassifier(alignment_weight=0.3)
    top = ganin_schedule(1.0)
    assert clf._alignment_factor(0.1) == pytest.approx(0.3 * (2 / (1 + np.exp(-1)) - 1) / top)
    assert clf._alignment_factor(1.0) == pytest.approx(0.3)  # rescaled: full weight at p=1
    assert clf._alignment_factor(2.0) == pytest.approx(0.3)
    assert DANNClassifier(alignment_schedule="constant")._alignment_factor(0.0) == 1.0
    assert DANNClassifier(alignment_schedule="linear")._alignment_factor(0.25) == 0.25
    with pytest.raises(ValueError, match="alignment_schedule must be one of"):
        DANNClassifier(alignment_schedule="cosine")._alignment_factor(0.5)


@pytest.mark.parametrize("max_epochs", [1, 2, 3, 7])
@pytest.mark.parametrize("schedule", ["ganin", "linear"])
def test_schedule_reaches_the_full_weight_at_the_last_step(max_epochs, schedule):
    X, y, _ = make_contract_task(n_source=40, n_target=30)
    clf = DANNClassifier(
        max_epochs=max_epochs,
        batch_size=32,
        alignment_weight=0.7,
        alignment_schedule=schedule,
        random_state=0,
    ).fit(X, y)
    weights = [
        w for epoch in clf.history_[:, "batches"] for w in (b["alignment_weight"] for b in epoch)
    ]
    assert len(weights) == clf.n_total_steps_
    assert weights[-1] == pytest.approx(0.7)
    assert np.all(np.diff(weights) > 0)  # rises over the whole of fit, never stalls
    if max_epochs > 1:
        assert weights[0] < 0.7 * 0.9


def test_short_grid_search_over_alignment_weight_tells_weights_apart():
    from sklearn.model_selection import GridSearchCV

    from skxfer.model_selection import PredictionEntropyScorer

    # a shifted two-blob task and an unsupervised DA score of the target rows; with one
    # epoch the old schedule (weight 0 at the first step, far from full at the last)
    # left the three candidates within 0.015 of each other: now they spread wider and
    # no two coincide
    rng = np.random.RandomState(0)
    ys, yt = rng.randint(0, 2, 80), rng.randint(0, 2, 80)
    Xs = rng.randn(80, 8) + 2.0 * ys[:, None]
    Xt = rng.randn(80, 8) + 2.0 * yt[:, None] + 3.0
    X, y = np.r_[Xs, Xt].astype(np.float32), np.r_[ys, -np.ones(80, dtype=int)]
    grid = GridSearchCV(
        DANNClassifier(max_epochs=1, batch_size=32, lr=0.01, random_state=0),
        {"alignment_weight": [0.0, 0.3, 1.0]},
        cv=2,
        scoring=PredictionEntropyScorer(),
    ).fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert np.ptp(scores) > 0.02 and np.min(np.diff(np.sort(scores))) > 1e-3, scores


@pytest.mark.parametrize("lam", [0.0, 0.37, 1.0])
def test_gradient_reversal_numerically(lam):
    torch.manual_seed(0)
    extractor = torch.nn.Linear(3, 4)
    crit = DomainAdversarialCriterion(hidden_units=(5,))
    crit.setup(4, 2)
    x = torch.randn(8, 3)

    def grads(coeff):
        extractor.zero_grad()
        crit.zero_grad()
        f = extractor(x)
        crit(f[:4], f[4:], weight=coeff).backward()
        return extractor.weight.grad.clone(), [p.grad.clone() for p in crit.parameters()]

    # reference: the plain discriminator loss without reversal
    extractor.zero_grad()
    crit.zero_grad()
    f = extractor(x)
    logits = crit.discriminator(f)
    target = torch.cat([torch.ones(4), torch.zeros(4)])
    torch.nn.functional.binary_cross_entropy_with_logits(logits, target).backward()
    ref_ext = extractor.weight.grad.clone()
    ref_disc = [p.grad.clone() for p in crit.parameters()]

    g_ext, g_disc = grads(lam)
    torch.testing.assert_close(g_ext, -lam * ref_ext)  # reversed and scaled by lambda
    for a, b in zip(g_disc, ref_disc, strict=True):
        torch.testing.assert_close(a, b)  # the discriminator itself gets the full gradient


def test_grad_reverse_function():
    x = torch.ones(3, requires_grad=True)
    (2.0 * grad_reverse(x, 0.25)).sum().backward()
    torch.testing.assert_close(x.grad, torch.full((3,), -0.5))


def test_discrepancy_criteria_are_zero_on_identical_batches_and_positive_under_shift():
    torch.manual_seed(0)
    a = torch.randn(32, 5)
    for crit in (MMDCriterion(), CORALCriterion()):
        assert float(crit.loss(a, a)) == pytest.approx(0.0, abs=1e-6)
        assert float(crit.loss(a, 2.0 * a + 1.0)) > 1e-3
    y = torch.randint(0, 3, (32,))
    logits = torch.randn(32, 3)
    jdot = JDOTCriterion()
    a.requires_grad_(True)
    val = jdot.loss(a, a + 1.0, y_source=y, output_target=logits, is_classifier=True)
    assert val.requires_grad and float(val) > 0


def test_user_criterion_drops_in():
    class MeanCriterion(Criterion):
        def loss(self, features_source, features_target, **context):
            return (features_source.mean(0) - features_target.mean(0)).pow(2).sum()

    register_criterion("mean_test", MeanCriterion, overwrite=True)
    assert isinstance(get_criterion("mean_test"), MeanCriterion)
    assert isinstance(get_criterion("deep_coral"), CORALCriterion)
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y = np.r_[rng.randint(0, 2, 20), -np.ones(20, dtype=int)]
    clf = DeepDAClassifier(alignment="mean_test", max_epochs=1, random_state=0).fit(X, y)
    assert isinstance(clf.module_.alignment, MeanCriterion)
    assert np.isfinite(clf.history_[-1, "train_alignment_loss"])


def _shift_task(seed, n=150):
    rng = np.random.RandomState(seed)
    ys, yt = rng.randint(0, 2, n), rng.randint(0, 2, n)
    Xs = rng.randn(n, 2) * 0.5 + np.c_[2.0 * ys - 1, np.zeros(n)]
    Xt = rng.randn(n, 2) * 0.5 + np.c_[2.0 * yt - 1, np.zeros(n)] + [1.3, 1.0]
    return np.r_[Xs, Xt], np.r_[ys, -np.ones(n, dtype=int)], yt


_SCORES = {}


def _mean_target_accuracy(make):
    accs = []
    for seed in (0, 1, 2):  # training is deterministic given the seed: not flaky
        X, y, yt = _shift_task(seed)
        est = make(
            dict(
                max_epochs=15,
                batch_size=32,
                lr=1e-2,
                random_state=seed,
                module__hidden_units=(16, 16),
            )
        ).fit(X, y)
        accs.append(np.mean(est.predict(X[y == -1]) == yt))
    return float(np.mean(accs))


@pytest.mark.parametrize(
    "make",
    [
        lambda p: DANNClassifier(**p),
        lambda p: DANClassifier(**p),
        lambda p: DeepCORALClassifier(**p),
        lambda p: DeepJDOTClassifier(**p),
        lambda p: ADDAClassifier(**p),
    ],
    ids=["dann", "dan", "deep_coral", "deepjdot", "adda"],
)
def test_deep_da_beats_source_only_twin_on_shift(make):
    if "source_only" not in _SCORES:
        _SCORES["source_only"] = _mean_target_accuracy(
            lambda p: DeepDAClassifier(alignment="none", **p)
        )
    assert _mean_target_accuracy(make) > _SCORES["source_only"] + 0.04


def _shifted_task(shift=4.0, n=60, seed=0):
    rng = np.random.RandomState(seed)
    Xs = rng.randn(n, 3).astype(np.float32)
    Xt = (rng.randn(n, 3) + shift).astype(np.float32)
    y = np.r_[(Xs[:, 0] > 0).astype(int), -np.ones(n, dtype=int)]
    return np.r_[Xs, Xt], y, n


def test_batch_norm_statistics_are_kept_per_domain_and_used_at_inference():
    X, y, n = _shifted_task()
    clf = DANNClassifier(
        max_epochs=3,
        batch_size=20,
        random_state=0,
        module__hidden_units=(8,),
        module__batch_norm=True,
    ).fit(X, y)
    net = clf.module_
    stats = net.domain_statistics
    assert sorted(stats) == ["source", "target"]
    # the first layer's running mean: target rows are shifted, so it differs by domain
    first = net.backbone.features[1]  # Linear, BatchNorm1d, ...
    assert isinstance(first, torch.nn.BatchNorm1d)
    assert not torch.allclose(stats["source"][0][0], stats["target"][0][0], atol=0.1)

    def forward_with(domain, rows):
        net.eval()
        saved = first.running_mean, first.running_var
        first.running_mean, first.running_var = stats[domain][0][:2]
        with torch.no_grad():
            out = torch.softmax(net(torch.from_numpy(X[rows])).double(), 1).numpy()
        first.running_mean, first.running_var = saved
        return out

    target, source = np.arange(n, 2 * n), np.arange(n)
    np.testing.assert_allclose(
        clf.predict_proba(X[target]), forward_with("target", target), rtol=1e-5, atol=1e-6
    )
    mixed = clf.predict_proba(X, sample_domain=np.r_[np.ones(n), -np.ones(n)])
    np.testing.assert_allclose(mixed[source], forward_with("source", source), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mixed[target], forward_with("target", target), rtol=1e-5, atol=1e-6)
    assert not np.allclose(forward_with("source", target), forward_with("target", target))
    # inference leaves the layers with the statistics they had (the target's)
    assert first.running_mean is stats["target"][0][0]


def test_source_only_twin_keeps_the_source_statistics_for_target_rows():
    X, y, n = _shifted_task()
    clf = DeepDAClassifier(
        alignment="none",
        max_epochs=2,
        batch_size=20,
        random_state=0,
        module__hidden_units=(8,),
        module__batch_norm=True,
    ).fit(X, y)
    assert sorted(clf.module_.domain_statistics) == ["source"]
    assert clf.predict(X[n:]).shape == (n,)


def _semi_supervised_task(n_source=90, n_target=60, n_labelled=4, seed=0):
    """Source rows, then ``n_labelled`` labelled and the other, unlabelled target rows."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_source + n_target, 3).astype(np.float32)
    X[n_source:] += 1.0
    y = (X[:, 0] > 0.5).astype(int)
    # mask every target label but the first n_labelled ones
    keep = np.r_[np.ones(n_source + n_labelled), -np.ones(n_target - n_labelled)]
    y = mask_target_labels(y, keep)
    sd = np.r_[np.ones(n_source, dtype=int), -np.ones(n_target, dtype=int)]
    return X, y, sd


def test_label_loss_gives_the_labelled_target_rows_the_total_weight_of_the_source():
    from skxfer._domains import is_masked
    from skxfer.deep._data import DomainDataset

    X, y, sd = _semi_supervised_task()
    with config_context(allow_labelled_target=True):
        clf = DANNClassifier(max_epochs=1, batch_size=16, random_state=0)
        clf.fit(X, y, sample_domain=sd)
    weights = clf.label_loss_weights_
    # the weight the batches give each side in total, over many epochs of draws
    labelled = ~is_masked(y, regression=False)
    iterator = clf.get_iterator(DomainDataset(X, y, sd), training=True)
    total = {"source": 0.0, "target": 0.0}
    for _ in range(200):
        for source, target in iterator.batches:
            total["source"] += weights["source"] * labelled[source].sum()
            total["target"] += weights["target"] * labelled[target].sum()
    assert total["target"] / total["source"] == pytest.approx(1.0, rel=0.1)
    # 4 labelled target rows against 90 source rows: each weighs far more than a source row
    assert weights["target"] > 10 * weights["source"]
    # the loss of one batch is that weighted sum of the per-row losses
    out = torch.randn(5, 2)
    yb = torch.tensor([0, 1, 1, 0, -1])
    is_source = torch.tensor([True, True, False, False, False])
    ce = torch.nn.functional.cross_entropy(out[:4], yb[:4], reduction="none")
    expected = weights["source"] * ce[:2].sum() + weights["target"] * ce[2:].sum()
    assert float(clf._label_loss(out, yb, is_source)) == pytest.approx(float(expected))


def test_balanced_label_loss_only_acts_on_labelled_target_rows():
    X, y, sd = _semi_supervised_task()
    unsup = np.where(sd > 0, y, -1)

    def proba(labels, balance):
        clf = DeepDAClassifier(
            alignment="coral", max_epochs=2, balance_label_loss=balance, random_state=0
        )
        with config_context(allow_labelled_target=True):
            return clf.fit(X, labels, sample_domain=sd).predict_proba(X)

    # without labelled target rows the label loss is the plain mean: nothing changes
    assert np.array_equal(proba(unsup, True), proba(unsup, False))
    assert not np.allclose(proba(y, True), proba(y, False))
    clf = DeepDAClassifier(max_epochs=1).fit(X, unsup, sample_domain=sd)
    assert clf.label_loss_weights_ is None


def test_dann_base_learning_rate_depends_on_the_default_network():
    from sklearn.base import clone

    from skxfer.deep import GaninLRAnnealing

    def base_lr(clf, X, y):
        annealing = dict(clf.fit(X, y).callbacks_)["lr_annealing"]
        assert isinstance(annealing, GaninLRAnnealing)
        return annealing.base_lrs_[0]

    flat, y = make_contract_task()[:2]
    images = np.random.RandomState(0).rand(len(y), 1, 10, 10).astype(np.float32)
    # lr=None: 3e-3 for the default MLP (annealed, about 1e-3 on average), 1e-3 otherwise
    assert base_lr(DANNClassifier(max_epochs=1), flat, y) == 3e-3
    assert base_lr(DANNClassifier(max_epochs=1), images, y) == 1e-3
    assert base_lr(DANNClassifier(max_epochs=1, lr=0.02), flat, y) == 0.02
    assert clone(DANNClassifier(lr=0.1)).get_params()["lr"] == 0.1


@pytest.mark.parametrize(
    "make",
    [
        lambda split: DANNClassifier(max_epochs=1, train_split=split),
        lambda split: ADDAClassifier(max_epochs=2, train_split=split),
        lambda split: FineTuneClassifier(max_epochs=1, pretrain_epochs=1, train_split=split),
    ],
    ids=["dann", "adda", "finetune"],
)
@pytest.mark.filterwarnings("ignore:FineTuneClassifier. no labelled target row")
def test_an_internal_validation_split_is_an_error_not_silently_ignored(make):
    from skorch.dataset import ValidSplit

    X, y, sd = make_contract_task()
    y = mask_target_labels(y, sd)
    with pytest.raises(ValueError, match="train_split=.*Leave train_split=None"):
        make(ValidSplit(5)).fit(X, y, sample_domain=sd)
