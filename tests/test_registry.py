"""The strategy registry: built-ins through entry points, third-party plugins."""

import textwrap

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

import skxfer
from skxfer import (
    BaseAdapter,
    CORALAligner,
    DATags,
    LabelledOnly,
    get_strategy,
    list_strategies,
    make_strategy,
    register_strategy,
)
from skxfer.registry import STRATEGIES

_RNG = np.random.default_rng(0)


class ToyShift(BaseAdapter):
    """Moves the source mean onto the target mean."""

    _da_tags = DATags(family="feature", kind="adapter")

    def _fit(self, X, y, source, target):
        self.shift_ = X[target].mean(0) - X[source].mean(0)
        return self

    def _transform(self, X, sample_domain):
        X = np.array(X, dtype=float)
        X[sample_domain > 0] += self.shift_
        return X


@pytest.fixture
def clean_runtime():
    before = set(STRATEGIES.names())
    yield
    for name in set(STRATEGIES.names()) - before:  # only what the test registered
        STRATEGIES.unregister(name)


def test_builtins_come_from_entry_points():
    from importlib.metadata import entry_points

    names = {ep.name for ep in entry_points(group="skxfer.strategies")}
    assert {"coral", "sa"} <= names
    assert get_strategy("coral") is CORALAligner
    assert {"coral", "sa"} <= set(list_strategies(kind="adapter", family="feature"))


def test_unknown_strategy_lists_the_known_ones():
    with pytest.raises(ValueError, match="coral"):
        get_strategy("nope")


def test_register_runtime_strategy(clean_runtime):
    register_strategy("toy", ToyShift)
    assert "toy" in list_strategies()
    with pytest.raises(ValueError, match="already registered"):
        register_strategy("toy", ToyShift)
    register_strategy("toy", ToyShift, overwrite=True)
    with pytest.raises(TypeError, match="not a skxfer strategy"):
        register_strategy("plain", LogisticRegression)


def test_third_party_entry_point_is_discovered(tmp_path, monkeypatch):
    """A package that declares the entry point is found without importing it first."""
    pkg = tmp_path / "toy_plugin"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            """
            from skxfer import CORALAligner

            class PluginAligner(CORALAligner):
                pass
            """
        )
    )
    dist = tmp_path / "toy_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[skxfer.strategies]\nplugin_coral = toy_plugin:PluginAligner\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "plugin_coral" in list_strategies()
    cls = get_strategy("plugin_coral")
    assert cls.__name__ == "PluginAligner"
    X, y, _ = skxfer.merge_domains(
        _RNG.standard_normal((20, 2)), np.arange(20) % 2, _RNG.standard_normal((10, 2))
    )
    assert make_strategy("plugin_coral", LogisticRegression()).fit(X, y).predict(X).shape == (30,)


def test_make_strategy_builds_a_da_pipeline(clean_runtime):
    register_strategy("toy", ToyShift)
    est = make_strategy("toy", LogisticRegression(C=0.5))
    assert isinstance(est, Pipeline)
    assert isinstance(est.steps[0][1], ToyShift)
    assert isinstance(est.steps[-1][1], LabelledOnly)
    assert est.steps[-1][1].estimator.C == 0.5
    with pytest.raises(ValueError, match="base estimator"):
        make_strategy("toy")
    # an estimator instance is cloned as it is
    built = make_strategy(CORALAligner(reg=2.0))
    assert isinstance(built, CORALAligner) and built.reg == 2.0


def test_toy_strategy_transfers(clean_runtime):
    """The registered toy strategy fixes a pure mean shift that breaks source-only."""
    rng = np.random.RandomState(0)
    Xs = rng.randn(200, 2)
    ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.randn(200, 2)
    yt = (Xt[:, 0] > 0).astype(int)
    Xt = Xt + [3.0, 0.0]
    X, y, _ = skxfer.merge_domains(Xs, ys, Xt)
    register_strategy("toy", ToyShift)
    adapted = make_strategy("toy", LogisticRegression()).fit(X, y).score(Xt, yt)
    source_only = LabelledOnly(LogisticRegression()).fit(X, y).score(Xt, yt)
    assert adapted > 0.9 > source_only + 0.2
