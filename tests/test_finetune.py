"""FineTuneClassifier / FineTuneRegressor: contract, checks, freezing, cache, safe loading."""

import os
import pickle
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from skxfer import get_da_tags, get_strategy  # noqa: E402
from skxfer.deep import (  # noqa: E402
    DANNClassifier,
    DeepDAClassifier,
    FineTuneClassifier,
    FineTuneRegressor,
    clear_feature_cache,
    load_source_model,
)
from skxfer.deep._feature_cache import _FEATURE_CACHE  # noqa: E402
from skxfer.utils.estimator_checks import check_da_contract, make_contract_task  # noqa: E402

from .test_deep_estimators import expected_failures  # noqa: E402

torch.set_num_threads(1)
TINY = dict(
    max_epochs=2, pretrain_epochs=2, batch_size=16, module__hidden_units=(8,), random_state=0
)


def semi_task(n_labelled=8):
    """Contract task with the first ``n_labelled`` target rows labelled."""
    X, y, sd = make_contract_task(n_source=40, n_target=30)
    y = y.copy()
    rng = np.random.RandomState(0)
    y[40 : 40 + n_labelled] = rng.randint(0, 2, n_labelled)
    y[40], y[41] = 0, 1
    return X, y, sd


def images(n_source=24, n_target=12, n_classes=3):
    rng = np.random.RandomState(0)
    X = rng.rand(n_source + n_target, 1, 16, 16).astype(np.float32)
    y = np.r_[rng.randint(0, n_classes, n_source), np.arange(n_target) % n_classes]
    sd = np.r_[np.ones(n_source, dtype=np.int64), -np.ones(n_target, dtype=np.int64)]
    return X, y, sd


def source_net(n_in=4, n_out=5):
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(n_in, 16),
        torch.nn.BatchNorm1d(16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, n_out),
    ).eval()


@parametrize_with_checks(
    [
        FineTuneClassifier(max_epochs=3, pretrain_epochs=3, lr=0.05, batch_size=16, random_state=0),
        FineTuneRegressor(max_epochs=3, pretrain_epochs=3, lr=0.05, batch_size=16, random_state=0),
    ],
    expected_failed_checks=expected_failures,
)
def test_sklearn_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_da_contract_semi_supervised_and_pretrained_source():
    X, y, sd = semi_task()
    # bare fit infers sample_domain from the mask: labelled target rows would look like
    # source rows, so the contract is checked with a pretrained source model and with
    # the source-only fallback (no labelled target row), both deterministic
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_da_contract(FineTuneClassifier(source_net(), max_epochs=2, batch_size=16))
        check_da_contract(FineTuneClassifier(**TINY))
    a = FineTuneClassifier(**TINY).fit(X, y, sample_domain=sd)
    assert a.predict(X[sd < 0]).shape == (30,)


def test_no_labelled_target_warns_and_falls_back_to_source_rows():
    X, y, sd = make_contract_task(n_source=40, n_target=30)
    with pytest.warns(UserWarning, match="no labelled target row"):
        FineTuneClassifier(**TINY).fit(X, y, sample_domain=sd)


def test_frozen_parameters_bit_identical_and_head_replaced():
    X, y, sd = semi_task()
    net = source_net(n_out=5)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    clf = FineTuneClassifier(net, max_epochs=3, lr=0.1, batch_size=16, random_state=0).fit(
        X, y, sample_domain=sd
    )
    for k, v in net.state_dict().items():  # the caller's module is never trained
        assert torch.equal(v, before[k]), k
    body = clf.module_.backbone
    assert clf.head_ == "5" and clf.output_layer_ == "5"
    assert body[5].out_features == 2 and body[5].in_features == 8  # target classes
    for k, v in body.state_dict().items():
        if not k.startswith("5."):  # weights and BatchNorm statistics: untouched
            assert torch.equal(v, before[k]), k
    assert clf.trainable_params_ == ["5.bias", "5.weight"]


def test_named_head_and_freeze_variants():
    X, y, sd = images()
    net = FineTuneClassifier(max_epochs=1, pretrain_epochs=1, batch_size=8, random_state=0).fit(
        X, y, sample_domain=sd
    )
    assert net.head_ == "head.2" and net.module_.backbone.head[2].out_features == 3
    clf = FineTuneClassifier(
        net, head="head", freeze=1, max_epochs=1, batch_size=8, random_state=0
    ).fit(X, y, sample_domain=sd)
    assert clf.output_layer_ == "head.2"
    assert {p.split(".")[0] for p in clf.trainable_params_} == {"head"}
    clf = FineTuneClassifier(net, freeze=2, max_epochs=1, batch_size=8, random_state=0).fit(
        X, y, sample_domain=sd
    )
    assert {p.split(".")[0] for p in clf.trainable_params_} == {"features", "head"}
    assert not clf.used_feature_cache_
    clf = FineTuneClassifier(net, freeze=["conv"], max_epochs=1, batch_size=8, random_state=0).fit(
        X, y, sample_domain=sd
    )
    assert not any(p.startswith("conv") for p in clf.trainable_params_)
    assert any(p.startswith("features") for p in clf.trainable_params_)
    # frozen BatchNorm layers run in eval mode while training
    clf._set_training(True)
    assert not clf.module_.backbone.conv[1].training
    assert clf.module_.backbone.features[2].training
    with pytest.raises(ValueError, match="match no parameter"):
        FineTuneClassifier(net, freeze=["nope"], max_epochs=1).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="not a submodule"):
        FineTuneClassifier(net, head="nope", max_epochs=1).fit(X, y, sample_domain=sd)


def test_cached_path_equals_full_path_and_is_shared():
    X, y, sd = images()
    src = FineTuneClassifier(max_epochs=1, pretrain_epochs=2, batch_size=8, random_state=0).fit(
        X, y, sample_domain=sd
    )
    clear_feature_cache()
    # the safety net's inner folds would cache their own subsets: off to count entries
    kw = dict(max_epochs=4, lr=0.05, batch_size=8, random_state=0, safety_net=False)
    cached = FineTuneClassifier(src, **kw).fit(X, y, sample_domain=sd)
    full = FineTuneClassifier(src, cache_features=False, **kw).fit(X, y, sample_domain=sd)
    assert cached.used_feature_cache_ and not full.used_feature_cache_
    np.testing.assert_allclose(cached.predict_proba(X), full.predict_proba(X), atol=1e-6)
    assert len(_FEATURE_CACHE) == 1 and _FEATURE_CACHE.misses == 1
    # grid-search candidates sharing the backbone reuse the features
    # (a fitted estimator as source_model would be cloned unfitted: pass its network)
    grid = GridSearchCV(
        FineTuneClassifier(src.module_.backbone, **kw),
        {"lr": [0.01, 0.1]},
        cv=[(np.arange(len(X)), np.arange(len(X)))],
    )
    from sklearn import config_context

    with config_context(enable_metadata_routing=True):
        grid.fit(X, y, sample_domain=sd)
    assert _FEATURE_CACHE.misses == 1 and _FEATURE_CACHE.hits >= 3
    with pytest.raises(ValueError, match="cache_features=True"):
        FineTuneClassifier(src, freeze=None, cache_features=True, **kw).fit(X, y, sample_domain=sd)


def test_l2sp_pulls_weights_towards_source():
    X, y, sd = semi_task(n_labelled=10)
    kw = dict(
        freeze=None,
        backbone_lr_multiplier=1.0,
        max_epochs=30,
        lr=0.05,
        batch_size=16,
        random_state=0,
        safety_net=False,
    )
    net = source_net()

    def drift(clf):
        body = clf.module_.backbone
        return sum(
            float((body.state_dict()[k] - v).pow(2).sum())
            for k, v in net.state_dict().items()
            if not k.startswith("5.") and v.is_floating_point() and "running" not in k
        )

    free = FineTuneClassifier(net, **kw).fit(X, y, sample_domain=sd)
    l2sp = FineTuneClassifier(net, l2sp_alpha=10.0, **kw).fit(X, y, sample_domain=sd)
    assert drift(l2sp) < 0.5 * drift(free)
    assert l2sp.history_[-1]["train_l2sp_loss"] > 0
    assert free.history_[-1]["train_l2sp_loss"] == 0


def test_gradual_unfreezing_changes_trainable_params_at_scheduled_epoch():
    X, y, sd = images()
    src = FineTuneClassifier(max_epochs=1, pretrain_epochs=1, batch_size=8, random_state=0).fit(
        X, y, sample_domain=sd
    )
    kw = dict(
        unfreeze_schedule={2: 2, 3: "all"},
        max_epochs=4,
        batch_size=8,
        lr=0.05,
        random_state=0,
        safety_net=False,
    )
    clf = FineTuneClassifier(src, **kw).fit(X, y, sample_domain=sd)
    n = clf.history_[:, "n_trainable_params"]
    assert n[0] == n[1] < n[2] < n[3]
    assert n[3] == sum(p.numel() for p in clf.module_.parameters())
    before = src.module_.backbone.features[1].weight
    two = FineTuneClassifier(src, **{**kw, "max_epochs": 2}).fit(X, y, sample_domain=sd)
    assert torch.equal(two.module_.backbone.features[1].weight, before)
    three = FineTuneClassifier(src, **{**kw, "max_epochs": 3}).fit(X, y, sample_domain=sd)
    assert not torch.equal(three.module_.backbone.features[1].weight, before)
    assert torch.equal(three.module_.backbone.conv[0].weight, src.module_.backbone.conv[0].weight)


def test_backbone_lr_multiplier_sets_param_groups():
    X, y, sd = semi_task()
    clf = FineTuneClassifier(
        source_net(), freeze=None, backbone_lr_multiplier=0.1, lr=0.01, max_epochs=1
    ).fit(X, y, sample_domain=sd)
    lrs = sorted(g["lr"] for g in clf.optimizer_.param_groups)
    assert lrs == pytest.approx([0.001, 0.01])


def test_state_dict_path_and_estimator_sources(tmp_path):
    X, y, sd = images()
    src = FineTuneClassifier(max_epochs=1, pretrain_epochs=1, batch_size=8, random_state=0).fit(
        X, y, sample_domain=sd
    )
    path = tmp_path / "src.pt"
    torch.save({"model_state_dict": src.module_.state_dict(), "epoch": 3}, path)
    from_path = FineTuneClassifier(str(path), max_epochs=1, batch_size=8, random_state=0).fit(
        X, y, sample_domain=sd
    )
    from_est = FineTuneClassifier(src, max_epochs=1, batch_size=8, random_state=0).fit(
        X, y, sample_domain=sd
    )
    np.testing.assert_allclose(from_path.predict_proba(X), from_est.predict_proba(X), atol=1e-6)
    dann = DANNClassifier(max_epochs=1, batch_size=8, random_state=0).fit(X, y)
    assert load_source_model(dann.module_.state_dict(), input_shape=(1, 16, 16)) is not None
    with pytest.raises(FileNotFoundError):
        FineTuneClassifier(str(tmp_path / "missing.pt")).fit(X, y, sample_domain=sd)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_safe_loading_refuses_pickled_code(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}, "payload": _Evil(marker)}, path)
    assert not marker.exists()
    X, y, sd = semi_task()
    with pytest.raises(ValueError, match="weights_only"):
        FineTuneClassifier(str(path), max_epochs=1).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="safely"):
        load_source_model(path)
    assert not marker.exists()  # nothing ran


def test_torchvision_name_needs_torchvision(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchvision", None)  # as if not installed
    X, y, sd = images()
    with pytest.raises(ImportError, match="pip install torchvision"):
        FineTuneClassifier("resnet18", max_epochs=1).fit(X, y, sample_domain=sd)
    with pytest.raises(ImportError, match="torchvision"):
        load_source_model("torchvision:resnet18")


def test_regressor_fine_tunes_on_labelled_target_rows():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 3)
    y = np.r_[X[:50, 0], 2 * X[50:, 0]]
    y[65:] = np.nan
    sd = np.r_[np.ones(50, dtype=np.int64), -np.ones(30, dtype=np.int64)]
    reg = FineTuneRegressor(
        freeze=None, max_epochs=20, pretrain_epochs=20, lr=0.01, batch_size=16, random_state=0
    ).fit(X, y, sample_domain=sd)
    assert reg.module_.backbone.head.out_features == 1
    assert reg.predict(X[65:]).shape == (15,)
    check_da_contract(
        FineTuneRegressor(source_net(3, 1), max_epochs=2, batch_size=16),
        X[:60],
        np.r_[X[:40, 0], np.full(20, np.nan)],
    )


def test_partial_fit_continues_and_pickle_roundtrip():
    X, y, sd = semi_task()
    clf = FineTuneClassifier(**TINY).fit(X, y, sample_domain=sd)
    clf.partial_fit(X, y, sample_domain=sd)
    assert len(clf.history_) == 2 * TINY["max_epochs"]
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))


def test_registry_tags_and_lazy_export():
    import skxfer

    assert skxfer.FineTuneClassifier is FineTuneClassifier
    assert skxfer.FineTuneRegressor is FineTuneRegressor
    assert get_strategy("finetune") is FineTuneClassifier
    tags = get_da_tags(FineTuneClassifier())
    assert (tags.family, tags.kind, tags.requires_target, tags.uses_target_labels) == (
        "model",
        "estimator",
        False,
        True,
    )


def test_invalid_parameters():
    X, y, sd = semi_task()
    for params in (
        {"freeze": "some"},
        {"unfreeze_schedule": {"a": 1}},
        {"cache_features": "yes"},
        {"l2sp_alpha": -1.0},
    ):
        with pytest.raises(ValueError):
            FineTuneClassifier(**params).fit(X, y, sample_domain=sd)


def _safety_net_task(target_rule, n_source=300, n_target=200, n_labelled=60):
    """Source labelled by XOR of features 0 and 1; target by ``target_rule``."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(n_source + n_target, 4)).astype(np.float32)
    xor = (X[:, 0] * X[:, 1] > 0).astype(int)
    y_true = np.r_[xor[:n_source], target_rule(X[n_source:])]
    sd = np.r_[np.ones(n_source, dtype=int), -np.ones(n_target, dtype=int)]
    y = y_true.copy()
    y[n_source + n_labelled :] = -1  # only the first n_labelled target rows are labelled
    return X, y, sd, y_true


SAFETY = dict(
    module__hidden_units=(32, 32),
    pretrain_epochs=40,
    max_epochs=2,
    lr=0.01,
    batch_size=32,
    random_state=0,
)


def test_safety_net_keeps_a_transfer_model_when_transfer_helps():
    # the target shares the source's XOR rule: the source network knows it, a linear
    # model on the labelled target rows cannot learn it
    X, y, sd, y_true = _safety_net_task(lambda Xt: (Xt[:, 0] * Xt[:, 1] > 0).astype(int))
    clf = FineTuneClassifier(**SAFETY).fit(X, y, sample_domain=sd)
    scores = clf.validation_scores_
    assert clf.selected_ in ("ensemble", "finetune", "source", "head"), scores
    assert scores["finetune"] > scores["target_only"] + 0.2
    assert set(scores) == {"finetune", "head", "source", "target_net", "target_only", "ensemble"}
    rest = slice(360, None)
    assert clf.score(X[rest], y_true[rest]) > 0.8


def test_safety_net_falls_back_to_the_linear_model_when_transfer_hurts():
    # the target's rule (feature 2) has nothing to do with the source's: two epochs of
    # fine-tuning cannot undo the source training, and the linear model learns the rule.
    # Either it replaces the ensemble, or the ensemble (calibrated members weighted by
    # their out-of-fold log loss) leans on it: the members that know nothing of the rule
    # are softened towards uniform and weigh least
    X, y, sd, y_true = _safety_net_task(lambda Xt: (Xt[:, 2] > 0).astype(int))
    clf = FineTuneClassifier(**SAFETY).fit(X, y, sample_domain=sd)
    scores = clf.validation_scores_
    assert scores["target_only"] == max(v for n, v in scores.items() if n != "ensemble")
    rest = slice(360, None)
    linear = clf.target_only_estimator_.predict(X[rest])
    if clf.selected_ == "target_only":
        np.testing.assert_array_equal(clf.predict(X[rest]), linear)
    else:
        assert clf.selected_ == "ensemble", scores
        weights, temps = clf.ensemble_weights_, clf.ensemble_temperatures_
        assert weights["target_only"] == max(weights.values()), weights
        assert all(temps[n] > 1.0 for n in ("source", "head")), temps
        assert np.mean(clf.predict(X[rest]) == linear) > 0.9
    assert clf.score(X[rest], y_true[rest]) > 0.9
    # without the safety net the fine-tuned network is kept, and it is worse
    plain = FineTuneClassifier(safety_net=False, **SAFETY).fit(X, y, sample_domain=sd)
    assert plain.selected_ == "finetune" and plain.validation_scores_ is None
    assert plain.score(X[rest], y_true[rest]) < clf.score(X[rest], y_true[rest]) - 0.1


def test_safety_net_averages_every_candidate_when_it_cannot_validate():
    X, y, sd = semi_task(n_labelled=3)  # one class has a single labelled row: no inner CV
    y[42] = 0
    clf = FineTuneClassifier(**TINY).fit(X, y, sample_domain=sd)
    assert clf.selected_ == "ensemble" and clf.validation_scores_ is None
    assert clf.ensemble_ == ["finetune", "source", "head", "target_net", "target_only"]
    # predict_proba is the mean of the members' probabilities
    rows = X[50:]
    members = [clf.target_only_estimator_.predict_proba(rows)]
    main = clf.module_
    for module in (*(clf._members[n] for n in ("source", "head", "target_net")), main):
        clf.module_ = module  # the network alone, as the base class predicts with it
        out = torch.from_numpy(DeepDAClassifier._output(clf, rows)).double()
        members.append(torch.softmax(out, dim=1).numpy())
    clf.module_ = main
    np.testing.assert_allclose(clf.predict_proba(rows), np.mean(members, axis=0), atol=1e-5)
    assert clf.ensemble_temperatures_ is None and clf.ensemble_weights_ is None
    # the source member is the source classifier as it is (not trained on target rows)
    assert not np.allclose(members[1], members[4])
    assert clf.predict_proba(rows).argmax(axis=1).tolist() == clf.predict(rows).tolist()


def _member_probabilities(clf, rows):
    """``{name: probabilities}`` of every member of a fitted ensemble, uncalibrated."""
    out, main = {}, clf.module_
    for name in clf.ensemble_:
        if name == "target_only":
            out[name] = clf.target_only_estimator_.predict_proba(rows)
            continue
        clf.module_ = clf._members.get(name, main)  # the main network is module_ itself
        logits = torch.from_numpy(DeepDAClassifier._output(clf, rows)).double()
        out[name] = torch.softmax(logits, dim=1).numpy()
    clf.module_ = main
    return out


def test_validated_ensemble_is_the_weighted_mean_of_calibrated_members():
    from skxfer.utils._inner_validation import temper

    X, y, sd = semi_task(n_labelled=12)  # every class has >= 2 labelled rows: inner CV
    clf = FineTuneClassifier(**{**TINY, "safety_net": True}).fit(X, y, sample_domain=sd)
    assert clf.validation_scores_ is not None and clf.selected_ == "ensemble"
    temps, weights = clf.ensemble_temperatures_, clf.ensemble_weights_
    assert set(temps) == set(weights) == set(clf.ensemble_)
    assert abs(sum(weights.values()) - 1.0) < 1e-9 and min(weights.values()) > 0
    rows = X[52:]
    members = _member_probabilities(clf, rows)
    expected = sum(weights[n] * temper(p, temps[n]) for n, p in members.items())
    np.testing.assert_allclose(clf.predict_proba(rows), expected, atol=1e-5)


def test_inputs_are_standardised_inside_when_the_backbone_is_pretrained_in_fit():
    X, y, sd = semi_task()
    X_before = X.copy()
    # (the safety net's linear baseline sees the raw inputs: off, to compare networks)
    big = FineTuneClassifier(safety_net=False, **TINY).fit(1000.0 * X + 50.0, y, sample_domain=sd)
    small = FineTuneClassifier(safety_net=False, **TINY).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(big.input_mean_, 1000.0 * small.input_mean_ + 50.0, rtol=1e-4)
    np.testing.assert_allclose(
        big.predict_proba(1000.0 * X + 50.0), small.predict_proba(X), atol=1e-4
    )
    np.testing.assert_array_equal(X, X_before)
    given = FineTuneClassifier(source_net(), max_epochs=1).fit(X, y, sample_domain=sd)
    assert given.input_mean_ is None  # a given network gets the inputs it was trained on


def test_safety_net_keeps_the_source_classifier_when_fine_tuning_only_hurts():
    # same XOR rule in both domains; a body learning rate 100x the head's wrecks the
    # source features while fine-tuning, and a linear model cannot learn XOR: the source
    # classifier as it is scores best, and the ensemble (dragged down by the wrecked and
    # linear members) is replaced by it
    X, y, sd, y_true = _safety_net_task(lambda Xt: (Xt[:, 0] * Xt[:, 1] > 0).astype(int))
    clf = FineTuneClassifier(**{**SAFETY, "backbone_lr_multiplier": 100.0}).fit(
        X, y, sample_domain=sd
    )
    scores = clf.validation_scores_
    assert scores["source"] > max(scores["finetune"], scores["target_only"])
    assert clf.selected_ in ("source", "ensemble"), scores
    rest = slice(360, None)
    assert clf.score(X[rest], y_true[rest]) > 0.8
    X2, y2, sd2 = semi_task()
    other = FineTuneClassifier(source_net(), max_epochs=1).fit(X2, y2, sample_domain=sd2)
    assert other.validation_scores_ is None or "source" not in other.validation_scores_
    assert other.ensemble_ is None or "target_net" not in other.ensemble_  # a given network


def test_one_labelled_target_class_leaves_the_target_only_model_out():
    # the target task's classes are those of its labelled rows; with one of them a
    # target-only model cannot be fitted, and the ensemble goes without it
    rng = np.random.RandomState(0)
    X = rng.randn(80, 4).astype(np.float32)
    y = np.r_[np.arange(60) % 3, np.full(20, -1)]
    sd = np.r_[np.ones(60, dtype=int), -np.ones(20, dtype=int)]
    y[60] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        one = FineTuneClassifier(**TINY).fit(X, y, sample_domain=sd)
        y[60:66] = [0, 1, 0, 1, 0, 1]
        two = FineTuneClassifier(**TINY).fit(X, y, sample_domain=sd)
    assert one.selected_ == "ensemble" and "target_only" not in one.ensemble_
    assert one.target_only_estimator_ is None
    assert "target_only" in two.ensemble_
    assert two.predict_proba(X[60:]).shape == (20, 2)


def test_safety_net_weighting_and_inner_folds_follow_their_module_settings(monkeypatch):
    # the rule's alternatives measured by bench_finetune.py (--ft-weights equal,
    # --ft-inner-folds 5) reach the hedge: equal weights after temperature scaling, and
    # as many inner folds as asked when every class has that many labelled rows
    import skxfer.deep._finetune as ftmod

    X, y, sd = make_contract_task(n_source=40, n_target=30)
    y = y.copy()
    y[40:60] = np.arange(20) % 2  # 10 labelled target rows per class
    folds = []
    original = ftmod.out_of_fold

    def counting(fit_output, names, splits, n_rows):
        folds.append(len(splits))
        return original(fit_output, names, splits, n_rows)

    monkeypatch.setattr(ftmod, "out_of_fold", counting)
    default = FineTuneClassifier(**TINY).fit(X, y, sample_domain=sd)
    assert folds == [3] and len(set(default.ensemble_weights_.values())) > 1
    monkeypatch.setattr(ftmod, "_WEIGHTED", False)
    monkeypatch.setattr(ftmod, "_INNER_FOLDS", 5)
    equal = FineTuneClassifier(**TINY).fit(X, y, sample_domain=sd)
    assert folds == [3, 5]
    n = len(equal.ensemble_weights_)
    assert all(abs(w - 1.0 / n) < 1e-12 for w in equal.ensemble_weights_.values())
    # the temperatures still come from each member's out-of-fold log loss
    assert equal.ensemble_temperatures_ is not None
