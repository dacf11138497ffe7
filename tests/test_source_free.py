"""Source-free adaptation (SHOT): target rows only, frozen head, better than the source."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402

from skxfer import get_da_tags, get_strategy  # noqa: E402
from skxfer.deep import MLP, DeepDAClassifier, SourceFreeClassifier  # noqa: E402


def _rotated_blobs(seed):
    """3 Gaussian classes; the target is rotated by 35 degrees and translated."""
    rng = np.random.RandomState(seed)
    means = np.array([[0, 0], [4, 0], [2, 3.5]], float)
    ys, yt = np.repeat([0, 1, 2], 100), rng.randint(0, 3, 300)
    Xs = means[ys] + rng.randn(300, 2)
    th = np.deg2rad(35)
    R = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    Xt = (means[yt] + rng.randn(300, 2) - [2, 1.2]) @ R.T + [2.8, 1.5]

    def pad(A):
        return np.hstack([A, 0.1 * rng.randn(len(A), 3)]).astype("float32")

    return pad(Xs), ys, pad(Xt), yt


def _source_model(Xs, ys, seed):
    return DeepDAClassifier(
        alignment="none",
        max_epochs=20,
        lr=1e-2,
        batch_size=32,
        random_state=seed,
        module__hidden_units=(16, 16),
    ).fit(Xs, ys)


_CACHE = {}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # tiny networks: torch's thread pool only adds contention on a shared 2-core machine
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _task(seed):
    if seed not in _CACHE:
        Xs, ys, Xt, yt = _rotated_blobs(seed)
        _CACHE[seed] = (_source_model(Xs, ys, seed), Xt, yt)
    return _CACHE[seed]


def test_improves_over_unadapted_source_with_target_rows_only():
    gains = []
    for seed in range(3):  # deterministic given the seed
        src, Xt, yt = _task(seed)
        before = {k: v.clone() for k, v in src.module_.state_dict().items()}
        sf = SourceFreeClassifier(src, max_epochs=10, batch_size=32, random_state=seed)
        sf.fit(Xt)  # no source row, no label
        acc_src = np.mean(src.predict(Xt) == yt)
        acc_sf = np.mean(sf.predict(Xt) == yt)
        gains.append(acc_sf - acc_src)
        assert acc_sf >= acc_src - 0.02
        # the caller's source model is untouched; the adapted head is the source head
        for k, v in src.module_.state_dict().items():
            torch.testing.assert_close(v, before[k])
        torch.testing.assert_close(
            sf.module_.backbone.head.weight, src.module_.backbone.head.weight
        )
        assert sf.classes_.tolist() == [0, 1, 2]
        assert len(sf.history_) == 10
    assert np.mean(gains) > 0.08, gains


def test_torch_module_frozen_estimator_clone_pickle_and_errors():
    src, Xt, yt = _task(0)
    # a plain torch module (MLP: features + head) with user-given classes
    module = MLP(5, 3, hidden_units=(16, 16))
    module.load_state_dict(src.module_.backbone.state_dict())
    sf = SourceFreeClassifier(module, classes=["a", "b", "c"], max_epochs=1, random_state=0).fit(Xt)
    assert set(sf.predict(Xt)) <= {"a", "b", "c"}
    np.testing.assert_allclose(sf.predict_proba(Xt).sum(1), 1.0, rtol=1e-6)
    # FrozenEstimator keeps the fitted source model through clone (GridSearchCV)
    sf = SourceFreeClassifier(FrozenEstimator(src), max_epochs=1, random_state=0)
    a = sf.fit(Xt).predict_proba(Xt)
    b = clone(sf).fit(Xt).predict_proba(Xt)
    np.testing.assert_allclose(a, b, rtol=1e-5)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(sf)).predict_proba(Xt), a)
    with pytest.raises(ValueError, match="target rows only"):
        sf.fit(Xt, sample_domain=np.r_[1, -np.ones(len(Xt) - 1, int)])
    with pytest.raises(ValueError, match="needs source_model"):
        SourceFreeClassifier().fit(Xt)
    with pytest.raises(ValueError, match="input shape"):
        SourceFreeClassifier(src).fit(Xt[:, :3])
    tags = get_da_tags(sf)
    assert (tags.family, tags.uses_target_labels) == ("source_free", False)
    assert get_strategy("shot") is SourceFreeClassifier
