"""Minimax entropy: the cosine head, the criterion's two opposite gradients, the estimator."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from torch import nn  # noqa: E402

from skxfer import config_context  # noqa: E402
from skxfer.deep import (  # noqa: E402
    MLP,
    CosineClassifier,
    MinimaxEntropyCriterion,
    MMEClassifier,
    get_criterion,
)
from skxfer.utils.estimator_checks import make_contract_task  # noqa: E402

torch.set_num_threads(1)
TINY = dict(max_epochs=2, batch_size=16, module__hidden_units=(8,), random_state=0)


def _entropy(logits):
    log_p = torch.log_softmax(logits, dim=1)
    return -(log_p.exp() * log_p).sum(dim=1).mean()


def test_cosine_classifier_bounded_and_scale_invariant():
    torch.manual_seed(0)
    head = CosineClassifier(5, 3, temperature=0.1)
    x = torch.randn(7, 5)
    out = head(x)
    assert out.shape == (7, 3)
    assert float(out.detach().abs().max()) <= 10.0 + 1e-5
    assert torch.allclose(head(3.0 * x), out, atol=1e-5)
    with pytest.raises(ValueError, match="temperature must be positive"):
        CosineClassifier(5, 3, temperature=0.0)


def test_criterion_head_ascends_and_features_descend_the_entropy():
    torch.manual_seed(0)
    head = CosineClassifier(4, 3, temperature=0.1)
    ft = torch.randn(6, 4, requires_grad=True)
    weight = 0.3
    crit = get_criterion("mme", diversity=0.0)  # the paper's criterion
    out = head(ft)  # what the training step computed and passes as output_target
    loss = crit(
        torch.randn(5, 4), ft, weight=weight, head=head, output_target=out, is_classifier=True
    )
    ent = _entropy(head(ft))
    assert torch.isclose(loss, -weight * ent)
    loss.backward()
    # the gradients of the target entropy itself, on copies
    ft2 = ft.detach().clone().requires_grad_(True)
    head2 = CosineClassifier(4, 3, temperature=0.1)
    head2.load_state_dict(head.state_dict())
    g_w, g_f = torch.autograd.grad(_entropy(head2(ft2)), [head2.weight, ft2])
    # the head descends -weight * H (maximises H); the features descend +weight * H
    assert torch.allclose(head.weight.grad, -weight * g_w, atol=1e-6)
    assert torch.allclose(ft.grad, weight * g_f, atol=1e-6)


def test_diversity_term_is_ascended_by_both_sides():
    torch.manual_seed(0)
    head = CosineClassifier(4, 3, temperature=0.1)
    ft = torch.randn(6, 4, requires_grad=True)
    fs = torch.randn(5, 4)
    weight, diversity = 0.3, 0.6

    def grads(crit):
        head.zero_grad()
        ft.grad = None
        loss = crit(fs, ft, weight=weight, head=head, output_target=head(ft), is_classifier=True)
        loss.backward()
        return loss.detach(), head.weight.grad.clone(), ft.grad.clone()

    loss_d, gw_d, gf_d = grads(MinimaxEntropyCriterion(diversity=diversity))
    loss_0, gw_0, gf_0 = grads(MinimaxEntropyCriterion(diversity=0.0))
    mean = torch.softmax(head(ft), dim=1).mean(dim=0, keepdim=True)
    marginal = -(mean * mean.log()).sum() / np.log(3)  # relative to its largest value
    g_w, g_f = torch.autograd.grad(marginal, [head.weight, ft])
    assert torch.isclose(loss_d - loss_0, -weight * diversity * marginal.detach())
    # no reversal: the head and the features both ascend the marginal entropy
    assert torch.allclose(gw_d - gw_0, -weight * diversity * g_w, atol=1e-6)
    assert torch.allclose(gf_d - gf_0, -weight * diversity * g_f, atol=1e-6)


def test_criterion_needs_the_head_of_a_classifier():
    crit = MinimaxEntropyCriterion()
    f = torch.randn(4, 3)
    with pytest.raises(ValueError, match="needs the label head"):
        crit(f, f, weight=1.0, is_classifier=True)
    with pytest.raises(ValueError, match="needs the label head"):
        crit(f, f, weight=1.0, head=nn.Linear(3, 1), output_target=f, is_classifier=False)
    with pytest.raises(ValueError, match="feature_layer to name the output head"):
        crit(f, f, weight=1.0, head=nn.Linear(3, 5), output_target=f, is_classifier=True)


def test_estimator_makes_the_output_layer_a_cosine_classifier():
    X, y, sd = make_contract_task(n_source=40, n_target=30)
    clf = MMEClassifier(temperature=0.2, **TINY).fit(X, y, sample_domain=sd)
    head = clf.module_.backbone.head
    assert isinstance(head, CosineClassifier) and head.temperature == 0.2
    assert head.weight.shape == (2, 8)
    # a module that already ends in a cosine classifier is kept as it is
    own = MLP(X.shape[1], 2, hidden_units=(8,))
    own.head = CosineClassifier(8, 2, temperature=0.5)
    clf = MMEClassifier(module=own, max_epochs=1, random_state=0).fit(X, y, sample_domain=sd)
    assert clf.module_.backbone.head.temperature == 0.5


def test_entropy_term_trains_only_with_a_positive_weight():
    X, y, sd = make_contract_task(n_source=40, n_target=30)
    y = np.array(y)
    target = np.flatnonzero(sd < 0)
    y[target[:2]] = [0, 1]  # two labelled target rows: semi-supervised
    with config_context(allow_labelled_target=True):
        mme = MMEClassifier(**TINY).fit(X, y, sample_domain=sd)
        twin = MMEClassifier(alignment_weight=0.0, **TINY).fit(X, y, sample_domain=sd)
    losses = [b["train_alignment_loss"] for e in mme.history_ for b in e["batches"]]
    assert all(v < 0 for v in losses)  # -0.1 * the target entropy, every batch
    twin_losses = [b["train_alignment_loss"] for e in twin.history_ for b in e["batches"]]
    assert all(v == 0 for v in twin_losses)
    assert not np.allclose(mme.predict_proba(X[target]), twin.predict_proba(X[target]))
