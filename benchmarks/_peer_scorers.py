"""SKADA's unsupervised DA scorers, callable on skxfer's candidates (for side-by-sides).

SKADA's scorers (``skada.metrics``) score a fitted SKADA estimator: they call
``predict`` / ``predict_proba`` with ``sample_domain``, ``score`` with a routed
``sample_weight`` (importance weighting), and refit a copy (circular validation).
:class:`SkadaView` gives a fitted skxfer estimator that surface, and
:class:`PeerScorer` plugs a SKADA scorer into skxfer's cross-validation (same folds, same
fits as skxfer's own scorers), so the two implementations of each criterion are compared
on identical inputs.
"""

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, clone

from skxfer.model_selection._scorers import _DAScorer


class SkadaView(BaseEstimator):
    """A fitted skxfer estimator seen through SKADA's scorer calls."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y, sample_domain=None):
        with sklearn.config_context(enable_metadata_routing=True):
            self.estimator = clone(self.estimator).fit(X, y, sample_domain=sample_domain)
        return self

    def predict(self, X, sample_domain=None, **params):
        return self.estimator.predict(X)

    def predict_proba(self, X, sample_domain=None, **params):
        return self.estimator.predict_proba(X)

    def score(self, X, y, sample_weight=None, sample_domain=None, allow_source=False):
        correct = np.asarray(self.estimator.predict(X)) == np.asarray(y)
        return float(np.average(correct, weights=sample_weight))


class PeerScorer(_DAScorer):
    """A SKADA scorer on a skxfer validation fold (labelled source + masked target rows).

    A fold on which the SKADA scorer raises scores NaN (the other scorers of the same
    fit are kept).
    """

    def __init__(self, skada_scorer):
        self.skada_scorer = skada_scorer
        super().__init__()

    def _evaluate(self, estimator, X, y, source, target):
        rows = np.r_[source, target]
        yf = np.asarray(y)[rows].copy()
        yf[source.size :] = -1
        sd = np.r_[np.ones(source.size, dtype=int), -np.ones(target.size, dtype=int)]
        view = SkadaView(estimator)
        try:
            with sklearn.config_context(enable_metadata_routing=True):
                view.set_score_request(sample_weight=True)
                return self.skada_scorer(view, np.asarray(X)[rows], yf, sample_domain=sd)
        except Exception:  # the peer failing on a fold is a result (NaN), not a crash
            return np.nan


def skada_scorers():
    """SKADA's counterparts of skxfer's scorers, by the name they appear under."""
    from skada import metrics

    return {
        "skada:importance_weighted": PeerScorer(metrics.ImportanceWeightedScorer()),
        "skada:entropy": PeerScorer(metrics.PredictionEntropyScorer()),
        "skada:snd": PeerScorer(metrics.SoftNeighborhoodDensity()),
        "skada:mixval": PeerScorer(metrics.MixValScorer(random_state=0)),
        "skada:circular": PeerScorer(metrics.CircularValidation()),
    }
