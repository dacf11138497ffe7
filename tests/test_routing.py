"""sample_domain reaches skxfer steps through meta-estimators when routing is on."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skxfer import CORALAligner, make_da_pipeline


@pytest.fixture
def semi_supervised():
    """Labelled target rows: only an explicit sample_domain can say they are target."""
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(40, 3), rng.randn(30, 3) + 4.0])
    y = np.r_[np.arange(40) % 2, np.arange(4) % 2, np.full(26, -1)]
    sample_domain = np.r_[np.ones(40, dtype=int), -np.ones(30, dtype=int)]
    return X, y, sample_domain


def test_routing_on_passes_sample_domain_through_pipeline(semi_supervised):
    X, y, sd = semi_supervised
    with config_context(enable_metadata_routing=True):
        pipe = make_da_pipeline(StandardScaler(), CORALAligner()).fit(X, y, sample_domain=sd)
    target_mean = StandardScaler().fit(X).transform(X)[sd < 0].mean(0)
    np.testing.assert_allclose(pipe[-1].target_cov_.mean, target_mean)


def test_routing_on_grid_search_and_cross_validate(semi_supervised):
    X, y, sd = semi_supervised
    with config_context(enable_metadata_routing=True):
        pipe = make_da_pipeline(CORALAligner(), LogisticRegression())
        gs = GridSearchCV(pipe, {"coralaligner__reg": [0.1, 1.0]}, cv=3).fit(X, y, sample_domain=sd)
        np.testing.assert_allclose(gs.best_estimator_[0].target_cov_.mean, X[sd < 0].mean(0))
        res = cross_validate(pipe, X, y, params={"sample_domain": sd}, cv=3, return_estimator=True)
        for est in res["estimator"]:
            assert est[0].target_cov_.mean.shape == (3,)


def test_routing_off_without_sample_domain_infers_from_mask(semi_supervised):
    X, y, sd = semi_supervised
    y_masked = np.where(sd < 0, -1, y)
    pipe = Pipeline([("coral", CORALAligner())]).fit(X, y_masked)
    np.testing.assert_allclose(pipe[-1].target_cov_.mean, X[sd < 0].mean(0))


def test_default_requests_need_no_set_request_calls():
    with config_context(enable_metadata_routing=True):
        routing = CORALAligner().get_metadata_routing()
        assert routing.consumes("fit", ["sample_domain"]) == {"sample_domain"}
        assert routing.consumes("transform", ["sample_domain"]) == {"sample_domain"}
