"""The deep estimators train on skorch's own loop: batches, steps and schedules as hooks."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skorch import NeuralNet  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402

from skxfer import config_context  # noqa: E402
from skxfer.deep import (  # noqa: E402
    ADDAClassifier,
    DANNClassifier,
    DeepDARegressor,
    FineTuneClassifier,
    FineTuneRegressor,
)
from skxfer.utils.estimator_checks import make_contract_task  # noqa: E402

torch.set_num_threads(1)

ESTIMATORS = [DANNClassifier, DeepDARegressor, ADDAClassifier, FineTuneClassifier]


class _Counter(Callback):
    def initialize(self):
        self.batches, self.sizes, self.grads = 0, [], 0
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        inputs, y = batch
        self.batches += 1
        # source rows first, then target rows, in one batch
        sd = inputs["sample_domain"].numpy()
        assert not np.any(np.diff((sd < 0).astype(int)) < 0)
        self.sizes.append(len(y))

    def on_grad_computed(self, net, named_parameters, batch=None, training=False, **kwargs):
        self.grads += 1


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_no_estimator_rewrites_skorchs_loop(Est):
    for method in ("fit_loop", "run_single_epoch", "notify"):
        assert getattr(Est, method) is getattr(NeuralNet, method), (Est.__name__, method)


def _task(regression=False):
    """A two-domain task with four labelled target rows (meant: few-label DA)."""
    X, y, sd = make_contract_task(n_source=40, n_target=30)
    if regression:
        y = np.where(sd > 0, X[:, 0], np.nan)
    y_semi = y.copy()
    y_semi[40:44] = [0, 1, 0, 1] if not regression else X[40:44, 0]
    return X, y_semi, sd


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_callbacks_see_every_training_batch(Est):
    X, y, sd = _task(regression=Est is DeepDARegressor)
    kwargs = {"pretrain_epochs": 1, "safety_net": False} if Est is FineTuneClassifier else {}
    counter = _Counter()
    est = Est(max_epochs=2, batch_size=16, random_state=0, callbacks=[("c", counter)], **kwargs)
    with config_context(allow_labelled_target=True):
        est.fit(X, y, sample_domain=sd)
    n_batches = sum(len(e["batches"]) for e in est.history_)
    assert counter.batches == n_batches > 0
    assert est.n_train_steps_ == n_batches
    assert counter.sizes == [b["train_batch_size"] for e in est.history_ for b in e["batches"]]
    if Est is not ADDAClassifier:  # ADDA's adversarial steps take their own optimisers
        assert counter.grads == n_batches


def test_alignment_schedule_is_a_callback():
    X, y, sd = _task()
    y = np.where(sd > 0, y, -1)
    common = dict(max_epochs=2, batch_size=16, alignment_weight=0.5, random_state=0)
    scheduled = DANNClassifier(**common).fit(X, y, sample_domain=sd)
    constant = DANNClassifier(callbacks__alignment_schedule=None, **common)
    constant.fit(X, y, sample_domain=sd)

    def weights(clf):
        return [b["alignment_weight"] for e in clf.history_ for b in e["batches"]]

    assert weights(scheduled)[0] < 0.5 * 0.9
    assert weights(scheduled)[-1] == pytest.approx(0.5)
    assert weights(constant) == [0.5] * len(weights(constant))


def test_adda_phases():
    X, y, sd = _task()
    y = np.where(sd > 0, y, -1)
    clf = ADDAClassifier(max_epochs=3, pretrain_epochs=1, batch_size=16, random_state=0)
    clf.fit(X, y, sample_domain=sd)
    adversarial = ["train_alignment_loss" in e["batches"][0] for e in clf.history_]
    assert adversarial == [False, True, True]
    assert clf.adapted_


@pytest.mark.parametrize("Est", [FineTuneClassifier, FineTuneRegressor])
def test_pretraining_is_a_skorch_fit_seeded_by_random_state(Est):
    X, y, sd = _task(regression=Est is FineTuneRegressor)
    kw = dict(max_epochs=1, pretrain_epochs=3, batch_size=16, safety_net=False)
    a = Est(random_state=0, **kw).fit(X, y, sample_domain=sd)
    b = Est(random_state=0, **kw).fit(X, y, sample_domain=sd)
    assert len(a.pretrain_history_) == 3
    assert a.pretrain_history_ == b.pretrain_history_
    assert all(np.isfinite(e["train_loss"]) for e in a.pretrain_history_)


def test_gradual_unfreezing_changes_the_trainable_parameters_per_epoch():
    X, y, sd = _task()
    clf = FineTuneClassifier(
        max_epochs=3,
        pretrain_epochs=1,
        freeze="all_but_head",
        unfreeze_schedule={1: "all"},
        safety_net=False,
        batch_size=16,
        random_state=0,
    ).fit(X, y, sample_domain=sd)
    counts = list(clf.history_[:, "n_trainable_params"])
    assert counts[0] < counts[1] == counts[2]
    assert not clf.used_feature_cache_
