"""TorchFeatureExtractor: deep features as a sklearn transformer."""

import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from skxfer import CORALAligner, get_da_tags, make_da_pipeline  # noqa: E402
from skxfer.deep import DANNClassifier, TorchFeatureExtractor  # noqa: E402
from skxfer.utils.estimator_checks import make_contract_task  # noqa: E402

torch.set_num_threads(1)


class AnyWidth(torch.nn.Module):
    """Row statistics -> small MLP: works for any number of input features."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.body = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh())
        self.head = torch.nn.Linear(4, 2)

    def forward(self, x):
        x = x.flatten(1)
        stats = torch.stack([x.mean(1), x.amax(1), x.amin(1)], dim=1)
        return self.head(self.body(stats))


def mlp(n_in=4):
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(n_in, 8),
        torch.nn.BatchNorm1d(8),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(8, 2),
    )


_XFAIL = {
    "check_estimators_overwrite_params": "the check compares joblib.hash of the params "
    "with that of their deepcopy, and a torch.nn.Module never hashes like its deepcopy; "
    "fit does not touch the module (test_module_is_not_mutated)",
}


@parametrize_with_checks(
    [TorchFeatureExtractor(AnyWidth())], expected_failed_checks=lambda est: _XFAIL
)
def test_sklearn_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_default_layer_is_head_input_eval_mode_float32():
    X, _, _ = make_contract_task()
    net = mlp()
    fe = TorchFeatureExtractor(net, batch_size=7).fit(X)
    Z = fe.transform(X)
    assert fe.layer_ == "<input of 4>" and Z.shape == (len(X), 8) and Z.dtype == np.float32
    with torch.no_grad():
        expected = net.eval()[:4](torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(Z, expected, rtol=1e-5, atol=1e-6)  # eval: no dropout
    np.testing.assert_array_equal(fe.transform(X), Z)  # deterministic, batched
    assert fe.module_ is not net and not any(p.requires_grad for p in fe.module_.parameters())
    named = TorchFeatureExtractor(net, layer="0").fit(X)
    assert named.transform(X).shape == (len(X), 8)
    with pytest.raises(ValueError, match="not a submodule"):
        TorchFeatureExtractor(net, layer="nope").fit(X)


def test_module_is_not_mutated():
    X, _, _ = make_contract_task()
    net = mlp().train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    fe = TorchFeatureExtractor(net).fit(X)
    fe.transform(X)
    assert fe.module is net and net.training
    assert all(torch.equal(v, before[k]) for k, v in net.state_dict().items())
    assert all(p.requires_grad for p in net.parameters())


def test_pipeline_with_coral_and_logistic_regression():
    X, y, sd = make_contract_task()
    pipe = make_da_pipeline(TorchFeatureExtractor(mlp()), CORALAligner(), LogisticRegression())
    pipe.fit(X, y)
    pred = pipe.predict(X[sd < 0])
    assert pred.shape == (50,) and set(pred) <= {0, 1}
    loaded = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(loaded.predict(X[sd < 0]), pred)


def test_fitted_deep_estimator_and_images():
    rng = np.random.RandomState(0)
    X = rng.rand(20, 1, 16, 16).astype(np.float32)
    y = np.r_[rng.randint(0, 3, 10), -np.ones(10, dtype=int)]
    dann = DANNClassifier(max_epochs=1, batch_size=8, random_state=0).fit(X, y)
    fe = TorchFeatureExtractor(dann).fit(X)
    assert fe.transform(X).shape == (20, 100)
    np.testing.assert_allclose(fe.transform(X), dann.extract_features(X), rtol=1e-5, atol=1e-6)
    assert TorchFeatureExtractor(dann, layer="conv").fit_transform(X).shape == (20, 48 * 4 * 4)
    assert get_da_tags(fe).kind == "adapter"
