"""Deep DA estimators: data contract, sklearn checks, pickling, CUDA (skipped on CPU)."""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from skxfer import get_da_tags, get_strategy  # noqa: E402
from skxfer.deep import (  # noqa: E402
    ADDAClassifier,
    DANClassifier,
    DANNClassifier,
    DANNRegressor,
    DeepCORALClassifier,
    DeepDAClassifier,
    DeepJDOTClassifier,
    MMEClassifier,
)
from skxfer.utils.estimator_checks import check_da_contract, make_contract_task  # noqa: E402

torch.set_num_threads(1)
TINY = dict(max_epochs=1, batch_size=32, module__hidden_units=(8,), random_state=0)

# Why each sklearn check is expected to fail (no blanket skips), per estimator class:
# a check listed for a class fails for that class (nothing XPASSes).
_SKORCH_INIT = {
    "check_no_attributes_set_in_init": "skorch.NeuralNet.__init__ sets history_, "
    "initialized_ and virtual_params_ (skorch design, needed for its get_params/clone)",
    "check_set_params": "skorch's set_params re-validates/initializes components with "
    "the check's odd values",
}
_SET_PARAMS_ODD = {
    "check_do_not_raise_errors_in_init_or_set_params": "skorch's set_params concatenates "
    "the check's odd callbacks value with a list (skorch behaviour)",
}
_MASKED_CLASS = {
    "check_classifiers_classes": "the check uses -1 as a class label; -1 is skxfer's "
    "masked-label convention (DESIGN 1): those rows are unlabelled target rows",
}
_NAN_TARGET = {
    "check_supervised_y_no_nan": "NaN is the masked regression target (DESIGN 1)",
}
# check_estimators_unfitted (predict indexed classes_ before check_is_fitted) and
# check_fit_score_takes_y (partial_fit skipped validation and domain inference) were real
# bugs, fixed in BaseDeepDA; partial_fit before fit now fits, so the partial_fit checks pass.
XFAIL_BY_CLASS = {
    # DANN's signature, like ADDA's, names its own defaults (lr) and passes the rest on,
    # so the check's odd callbacks value is not set: no _SET_PARAMS_ODD failure
    "DANNClassifier": {**_SKORCH_INIT, **_MASKED_CLASS},
    "DANNRegressor": {
        **_SKORCH_INIT,
        **_NAN_TARGET,
        "check_methods_subset_invariance": "float32 batched matmul differs at 1e-7 by batch size",
    },
    "ADDAClassifier": {**_SKORCH_INIT, **_MASKED_CLASS},
    "MMEClassifier": {**_SKORCH_INIT, **_MASKED_CLASS},
    "FineTuneClassifier": {
        **_SKORCH_INIT,
        **_SET_PARAMS_ODD,
        **_MASKED_CLASS,
        "check_methods_subset_invariance": "float32 batched matmul differs at 1e-7 by batch "
        "size (freeze='auto' fine-tunes every layer, so predict runs the whole network)",
    },
    "FineTuneRegressor": {
        **_SKORCH_INIT,
        **_SET_PARAMS_ODD,
        **_NAN_TARGET,
        "check_methods_subset_invariance": "float32 batched matmul "
        "differs at 1e-7 by batch size (freeze='auto' fine-tunes every "
        "layer, so predict runs the whole network)",
    },
}


def expected_failures(estimator):
    """The expected sklearn-check failures of a deep estimator, with reasons."""
    return XFAIL_BY_CLASS[type(estimator).__name__]


def test_import_skxfer_does_not_import_torch():
    code = (
        "import sys, skxfer; skxfer.list_strategies(); "
        "assert 'torch' not in sys.modules and 'skorch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "cls",
    [
        DANNClassifier,
        DANClassifier,
        DeepCORALClassifier,
        DeepJDOTClassifier,
        ADDAClassifier,
        MMEClassifier,
    ],
)
def test_da_contract_classifiers(cls):
    X, y, sd = make_contract_task(n_source=40, n_target=30)
    check_da_contract(cls(**TINY), X, y, sd)


def test_da_contract_regressor():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = np.r_[X[:30, 0] - X[:30, 1], np.full(30, np.nan)]
    check_da_contract(DANNRegressor(**TINY), X, y)


@parametrize_with_checks(
    [
        DANNClassifier(max_epochs=3, lr=0.05, batch_size=16, random_state=0),
        DANNRegressor(max_epochs=3, lr=0.05, batch_size=16, random_state=0),
        ADDAClassifier(max_epochs=3, lr=0.05, batch_size=16, random_state=0),
        MMEClassifier(max_epochs=3, lr=0.05, batch_size=16, random_state=0),
    ],
    expected_failed_checks=expected_failures,
)
def test_sklearn_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_registry_tags_and_lazy_export():
    import skxfer

    assert skxfer.DANNClassifier is DANNClassifier
    assert get_strategy("dann") is DANNClassifier and get_strategy("adda") is ADDAClassifier
    assert skxfer.MMEClassifier is MMEClassifier and get_strategy("mme") is MMEClassifier
    assert get_da_tags(DANNClassifier()).family == "adversarial"
    assert get_da_tags(DeepCORALClassifier()).family == "alignment"
    assert get_da_tags(ADDAClassifier()).kind == "estimator"


def test_predict_without_sample_domain_and_inputs_untouched():
    X, y, _ = make_contract_task(n_source=40, n_target=30)
    X0, y0 = X.copy(), y.copy()
    clf = DANNClassifier(**TINY).fit(X, y)
    assert clf.predict(X[y == -1]).shape == (30,)
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert X.dtype == np.float64  # float32 conversion happens on a copy
    assert clf.module_.backbone.head.weight.dtype == torch.float32


def test_grid_search_flat_params_and_history():
    X, y, _ = make_contract_task(n_source=40, n_target=30)
    grid = GridSearchCV(
        DANNClassifier(**TINY),
        {"alignment_weight": [0.1, 1.0], "module__hidden_units": [(4,), (8,)]},
        cv=[(np.arange(len(X)), np.arange(len(X)))],
    ).fit(X, y)
    assert set(grid.best_params_) == {"alignment_weight", "module__hidden_units"}
    best = grid.best_estimator_
    assert best.module_.backbone.head.in_features == best.module__hidden_units[-1]
    h = best.history_
    assert len(h) == 1 and {"train_loss", "train_alignment_loss", "dur"} <= set(h[-1])


def test_callbacks_early_stopping_on_unsupervised_score():
    from skorch.callbacks import EarlyStopping, LRScheduler

    X, y, _ = make_contract_task(n_source=40, n_target=30)
    clf = DANNClassifier(
        **{**TINY, "max_epochs": 6},
        callbacks=[
            EarlyStopping(monitor="train_target_entropy", patience=1, threshold=10.0),
            LRScheduler(policy="StepLR", step_size=1, gamma=0.5),
        ],
    ).fit(X, y)
    assert len(clf.history_) == 2  # stopped: no improvement of 10 nats
    start = dict(clf.callbacks_)["lr_annealing"].base_lrs_[0]  # lr=None: the network's
    assert clf.optimizer_.param_groups[0]["lr"] < start


def test_semi_supervised_target_labels_join_label_loss():
    X, y, sd = make_contract_task(n_source=40, n_target=30)
    y_semi = y.copy()
    y_semi[40:45] = 1  # five labelled target rows marked by sample_domain < 0
    a = DANNClassifier(**TINY).fit(X, y, sample_domain=sd)
    b = DANNClassifier(**TINY).fit(X, y_semi, sample_domain=sd)
    assert not np.allclose(a.predict_proba(X), b.predict_proba(X))


def test_random_state_is_local_and_deterministic():
    X, y, _ = make_contract_task(n_source=40, n_target=30)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    p1 = DANNClassifier(**TINY).fit(X, y).predict_proba(X)
    after = torch.rand(1)
    assert torch.equal(before, after)  # fit restored torch's global generator
    p2 = clone(DANNClassifier(**TINY)).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)


def test_images_use_the_cnn_and_custom_module_feature_layer():
    rng = np.random.RandomState(0)
    X = rng.rand(24, 1, 16, 16).astype(np.float32)
    y = np.r_[rng.randint(0, 3, 12), -np.ones(12, dtype=int)]
    clf = DANNClassifier(max_epochs=1, batch_size=8, random_state=0).fit(X, y)
    assert type(clf.module_.backbone).__name__ == "LeNet"
    assert clf.predict(X[12:]).shape == (12,)

    net = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(256, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3)
    )
    clf = DANClassifier(module=net, max_epochs=1, batch_size=8, random_state=0).fit(X, y)
    assert clf.module_.feature_layer == "3"  # the last Linear: its input is the feature
    assert clf.extract_features(X[:5]).shape == (5, 6)
    assert net[1].weight is not clf.module_.backbone[1].weight  # caller's module untouched


def test_pickle_from_cuda_device_loads_on_cpu():
    X, y, _ = make_contract_task(n_source=40, n_target=30)
    clf = DANNClassifier(**TINY).fit(X, y)
    expected = clf.predict_proba(X)
    clf.device = "cuda"  # as if trained on a GPU: unpickling maps tensors to the CPU
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = pickle.loads(pickle.dumps(clf))
    if not torch.cuda.is_available():
        assert str(loaded.device) == "cpu"
        assert next(loaded.module_.parameters()).device.type == "cpu"
    loaded.device = "cpu"
    loaded.module_.to("cpu")
    np.testing.assert_allclose(loaded.predict_proba(X), expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fit_predict_and_cpu_reload():
    X, y, _ = make_contract_task(n_source=40, n_target=30)
    clf = DANNClassifier(**{**TINY, "max_epochs": 2}, device="cuda").fit(X, y)
    assert next(clf.module_.parameters()).device.type == "cuda"
    proba = clf.predict_proba(X)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(loaded.predict_proba(X), proba, atol=1e-5)


@pytest.mark.xfail(
    reason="simulating a missing torch with sys.modules['torch'] = None "
    "breaks an import before skxfer.deep's guard runs; not yet triaged",
    strict=False,
)
def test_missing_torch_message_names_the_extra():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "try:\n    import skxfer.deep\nexcept ImportError as e:\n"
        "    assert 'pip install skxfer[deep]' in str(e), e\nelse:\n    raise SystemExit(1)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_deep_da_classifier_unknown_alignment():
    X, y, _ = make_contract_task(n_source=20, n_target=10)
    with pytest.raises(ValueError, match="Unknown alignment criterion"):
        DeepDAClassifier(alignment="nope", max_epochs=1).fit(X, y)


def test_unsupported_fit_arguments_are_refused_not_ignored():
    X, y, _ = make_contract_task()
    with pytest.raises(TypeError, match="sample_weight"):
        DANNClassifier(max_epochs=1, random_state=0).fit(X, y, sample_weight=np.ones(len(y)))


def test_dann_anneals_the_learning_rate_as_in_the_paper():
    X, y, _ = make_contract_task()
    clf = DANNClassifier(max_epochs=2, lr=0.01, random_state=0).fit(X, y)
    final = clf.optimizer_.param_groups[0]["lr"]
    p = (clf.n_total_steps_ - 1) / clf.n_total_steps_
    assert final == pytest.approx(0.01 / (1 + 10 * p) ** 0.75)
    plain = DANNClassifier(max_epochs=2, lr=0.01, random_state=0, callbacks__lr_annealing=None).fit(
        X, y
    )
    assert plain.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01)
