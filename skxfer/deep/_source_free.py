"""Source-free domain adaptation: SHOT (Liang, Hu and Feng, ICML 2020).

Only a trained source model is available, never the source data (privacy). Its
classifier head (the hypothesis) is frozen; the feature extractor is trained on the
unlabelled target rows so that its features fit that head: information maximisation
(confident and diverse predictions) plus self-supervised pseudo-labels from
clustering the target features around class centroids.
"""

import copy
import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from .._domains import score_known_labels, validate_da_data
from ..base import DATags, DomainAwareMixin
from ._data import check_device
from ._modules import DomainAdaptationNet

__all__ = ["SourceFreeClassifier"]

_EPS = 1e-6


class SourceFreeClassifier(DomainAwareMixin, ClassifierMixin, BaseEstimator):
    """Adapt a trained source classifier to a target domain without source data (SHOT).

    ``fit`` receives **target rows only** (no label is used). A copy of the source
    network is split at its head: the head is frozen, and the feature extractor (every
    other parameter) is trained on the target rows to minimise

    ``ent_weight * (mean prediction entropy - entropy of the mean prediction)
    + beta * cross-entropy(pseudo-labels)``

    where the pseudo-labels are recomputed at the start of every epoch by weighted
    k-means in the feature space (cosine distance; centroids initialised by the
    soft predictions, then one hard re-assignment), as in SHOT. The caller's model is
    never modified.

    Parameters
    ----------
    source_model : fitted skxfer deep classifier, torch.nn.Module, or FrozenEstimator
        The trained source model: a fitted :class:`~skxfer.deep.DeepDAClassifier` (e.g.
        ``DeepDAClassifier(alignment="none")`` trained on the source domain) or any
        ``torch.nn.Module`` mapping inputs to logits. Wrap a fitted estimator in
        :class:`sklearn.frozen.FrozenEstimator` so that ``clone`` (``GridSearchCV``) keeps
        it fitted. ``None`` is only a placeholder (``fit`` raises).
    feature_layer : str, default=None
        Name of the head: the submodule whose *input* is the feature vector. By default
        that of the skxfer model, else ``head``, else the last ``nn.Linear``.
    max_epochs : int, default=10
    lr : float, default=1e-3
        Adam learning rate of the feature extractor.
    batch_size : int, default=64
    beta : float, default=0.3
        Weight of the pseudo-label cross-entropy (SHOT's ``beta``).
    ent_weight : float, default=1.0
        Weight of the information-maximisation loss.
    diversity_weight : float, default=1.0
        Weight of the diversity term (entropy of the mean prediction) inside it; it
        keeps the adapted model from collapsing onto one class.
    classes : array-like, default=None
        Class labels of the model's outputs; taken from the skxfer model when ``None``,
        else ``0 .. n_outputs - 1``.
    device : {"cpu", "cuda"} or str, default="cpu"
    random_state : int, RandomState or None, default=None
        Seeds minibatch order locally (torch's global RNG is restored).

    Attributes
    ----------
    module_ : DomainAdaptationNet
        The adapted network (``module_.backbone``).
    classes_ : ndarray of shape (n_classes,)
    history_ : list of dict
        Per epoch: ``loss``, ``entropy`` (mean prediction entropy), ``diversity``
        (entropy of the mean prediction), ``pseudo_label_change`` (fraction of target
        rows whose pseudo-label changed).
    n_features_in_ : int

    References
    ----------
    J. Liang, D. Hu and J. Feng. Do We Really Need to Access the Source Data? Source
    Hypothesis Transfer for Unsupervised Domain Adaptation. ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.deep import DeepDAClassifier, SourceFreeClassifier
    >>> rng = np.random.RandomState(0)
    >>> Xs, ys = rng.randn(100, 4).astype("float32"), np.arange(100) % 2
    >>> Xs[ys == 1] += 3
    >>> src = DeepDAClassifier(alignment="none", max_epochs=5, random_state=0).fit(Xs, ys)
    >>> Xt = Xs + 0.5                                  # target rows only, no label
    >>> sf = SourceFreeClassifier(src, max_epochs=2, random_state=0).fit(Xt)
    >>> sf.predict(Xt).shape
    (100,)
    """

    _da_tags = DATags(
        family="source_free", kind="estimator", requires_target=True, uses_target_labels=False
    )

    _parameter_constraints = {
        "source_model": "no_validation",
        "feature_layer": [str, None],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "beta": [Interval(numbers.Real, 0, None, closed="left")],
        "ent_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "diversity_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "classes": ["array-like", None],
        "device": [StrOptions({"cpu", "cuda"}), str, torch.device],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        source_model=None,
        *,
        feature_layer=None,
        max_epochs=10,
        lr=1e-3,
        batch_size=64,
        beta=0.3,
        ent_weight=1.0,
        diversity_weight=1.0,
        classes=None,
        device="cpu",
        random_state=None,
    ):
        self.source_model = source_model
        self.feature_layer = feature_layer
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.beta = beta
        self.ent_weight = ent_weight
        self.diversity_weight = diversity_weight
        self.classes = classes
        self.device = device
        self.random_state = random_state

    # ------------------------------------------------------------------ source model
    def _source_network(self):
        model = self.source_model
        if model is None:
            raise ValueError(
                "SourceFreeClassifier needs source_model: a fitted skxfer deep classifier "
                "(e.g. DeepDAClassifier(alignment='none') trained on the source domain) or a "
                "torch.nn.Module mapping inputs to logits."
            )
        classes = None
        inner = getattr(model, "estimator", None)  # sklearn.frozen.FrozenEstimator
        if (
            not isinstance(model, torch.nn.Module)
            and inner is not None
            and hasattr(inner, "module_")
        ):
            model = inner
        if isinstance(model, torch.nn.Module):
            backbone, layer = model, self.feature_layer
        elif isinstance(getattr(model, "module_", None), torch.nn.Module):
            net = model.module_
            classes = getattr(model, "classes_", None)
            if isinstance(net, DomainAdaptationNet):
                backbone = net.backbone
                layer = self.feature_layer or net.feature_layer
            else:
                backbone, layer = net, self.feature_layer
        else:
            raise TypeError(
                f"source_model must be a fitted skxfer deep classifier or a torch.nn.Module; "
                f"got an unfitted {type(model).__name__}. If you fitted it, it was cloned "
                "(GridSearchCV, cross_validate and clone copy parameters unfitted): pass "
                "sklearn.frozen.FrozenEstimator(source_model) to keep it fitted."
            )
        net = DomainAdaptationNet(copy.deepcopy(backbone), layer)
        if self.classes is not None:
            classes = np.asarray(self.classes)
        return net, classes

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_domain=None):
        """Adapt the source model to the target rows ``X`` (no source row, no label).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Target rows only.
        y : None
            Ignored: source-free adaptation is unsupervised. Accepted for pipelines.
        sample_domain : array-like of shape (n_samples,), default=None
            If given, every entry must be negative (target).

        Returns
        -------
        self : object
        """
        check_device(self, self.device)
        X, _, sd = validate_da_data(self, X, None, sample_domain, allow_nd=True, dtype=np.float32)
        if sample_domain is not None and np.any(sd > 0):
            raise ValueError(
                f"SourceFreeClassifier adapts without source data, but sample_domain marks "
                f"{int(np.sum(sd > 0))} row(s) as source (> 0). Pass target rows only, with "
                "sample_domain negative on every row (the sign convention: > 0 source, < 0 "
                "target) or None."
            )
        net, classes = self._source_network()
        device = torch.device(self.device)
        net.to(device)
        n_outputs = self._check_outputs(net, X, device)
        self.classes_ = np.arange(n_outputs) if classes is None else np.asarray(classes)
        if len(self.classes_) != n_outputs:
            raise ValueError(
                f"classes has {len(self.classes_)} entries but the model has {n_outputs} outputs."
            )
        head = net.backbone.get_submodule(net.feature_layer)
        for p in head.parameters():
            p.requires_grad_(False)
        params = [p for p in net.parameters() if p.requires_grad]
        if not params:
            raise ValueError(
                "The source model has no trainable parameter outside its head "
                f"({net.feature_layer!r}): there is no feature extractor to adapt."
            )
        optimizer = torch.optim.Adam(params, lr=self.lr)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        Xt = torch.from_numpy(np.ascontiguousarray(X))
        self.history_ = []
        devices = [] if device.type == "cpu" else None
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(int(seed))
            gen = torch.Generator().manual_seed(int(seed))
            labels = None
            for _ in range(self.max_epochs):
                new_labels = self._pseudo_labels(net, Xt, device)
                change = 1.0 if labels is None else float((new_labels != labels).float().mean())
                labels = new_labels
                net.train()
                stats = np.zeros(3)
                n_batches = 0
                for rows in torch.randperm(len(Xt), generator=gen).split(self.batch_size):
                    if len(rows) < 2:
                        continue
                    logits = net(Xt[rows].to(device))
                    prob = logits.softmax(1)
                    ent = -(prob * torch.log(prob + _EPS)).sum(1).mean()
                    mean_p = prob.mean(0)
                    div = -(mean_p * torch.log(mean_p + _EPS)).sum()
                    loss = self.ent_weight * (ent - self.diversity_weight * div)
                    if self.beta > 0:
                        loss = loss + self.beta * F.cross_entropy(logits, labels[rows].to(device))
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    stats += [loss.item(), ent.item(), div.item()]
                    n_batches += 1
                stats /= max(n_batches, 1)
                self.history_.append(
                    dict(
                        loss=stats[0],
                        entropy=stats[1],
                        diversity=stats[2],
                        pseudo_label_change=change,
                    )
                )
        net.eval()
        self.module_ = net.cpu() if device.type != "cpu" else net
        return self

    def _check_outputs(self, net, X, device):
        net.eval()
        try:
            with torch.no_grad():
                out = net(torch.from_numpy(np.ascontiguousarray(X[:2])).to(device))
        except RuntimeError as exc:
            raise ValueError(
                f"The source model cannot take rows of shape {X.shape[1:]}: {exc}. Give the "
                "target rows the source model's input shape (same features, same image size)."
            ) from exc
        return int(out.shape[1])

    @torch.no_grad()
    def _pseudo_labels(self, net, Xt, device):
        """SHOT's self-supervised pseudo-labels: weighted k-means, cosine distance."""
        net.eval()
        feats, probs = [], []
        for rows in torch.arange(len(Xt)).split(512):
            out, f = net(Xt[rows].to(device), return_features=True)
            feats.append(f)
            probs.append(out.softmax(1))
        f = torch.cat(feats)
        f = torch.cat([f, torch.ones(len(f), 1, device=f.device)], 1)  # SHOT's bias column
        f = F.normalize(f, dim=1)
        p = torch.cat(probs)
        centroids = F.normalize(p.T @ f / (p.sum(0)[:, None] + _EPS), dim=1)
        labels = (f @ centroids.T).argmax(1)
        onehot = F.one_hot(labels, p.shape[1]).to(f.dtype)
        centroids = F.normalize(onehot.T @ f / (onehot.sum(0)[:, None] + _EPS), dim=1)
        # a class with no row keeps its soft centroid
        empty = onehot.sum(0) == 0
        if empty.any():
            soft = F.normalize(p.T @ f / (p.sum(0)[:, None] + _EPS), dim=1)
            centroids[empty] = soft[empty]
        return (f @ centroids.T).argmax(1).cpu()

    # ------------------------------------------------------------------ predict
    def _logits(self, X):
        check_is_fitted(self)
        X, _, _ = validate_da_data(self, X, reset=False, allow_nd=True, dtype=np.float32)
        self.module_.eval()
        Xt = torch.from_numpy(np.ascontiguousarray(X))
        with torch.no_grad():
            return torch.cat([self.module_(Xt[r]) for r in torch.arange(len(Xt)).split(1024)])

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities of the adapted model.

        Parameters
        ----------
        X : array-like
        sample_domain : array-like, default=None
            Accepted for the data contract; unused.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._logits(X).double().softmax(1).numpy()

    def predict(self, X, sample_domain=None):
        """Predicted class of each row.

        Parameters
        ----------
        X : array-like
        sample_domain : array-like, default=None
            Accepted for the data contract; unused.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        index = self._logits(X).argmax(1).numpy()
        return self.classes_[index]

    def score(self, X, y, sample_weight=None, sample_domain=None):
        """Accuracy on the labelled rows of ``(X, y)``; ``nan`` when all are masked."""
        return score_known_labels(y, self.predict(X), sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.target_tags.required = False
        return tags
