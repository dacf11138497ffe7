"""Schedules of the deep DA estimators, as skorch callbacks.

:class:`AlignmentSchedule` sets the alignment weight of every training step (a default
callback of the alignment family, ``"alignment_schedule"``); :class:`GaninLRAnnealing`
anneals the learning rate (a default callback of DANN, ``"lr_annealing"``). Both read the
training progress ``p`` from the net: ``n_train_steps_`` (optimiser steps taken in this
``fit``) over ``n_total_steps_`` (steps it plans).
"""

from skorch.callbacks import Callback

from ._criteria import ganin_schedule

__all__ = ["SCHEDULES", "AlignmentSchedule", "GaninLRAnnealing", "resolve_schedule"]

SCHEDULES = ("ganin", "linear", "constant")


def resolve_schedule(schedule, p):
    """Factor of ``alignment_weight`` at training progress ``p`` in ``[0, 1]``.

    ``"ganin"`` is Ganin et al.'s ``2 / (1 + exp(-10 p)) - 1`` rescaled to reach exactly 1
    at ``p = 1``; ``"linear"`` is ``p``; ``"constant"`` (or ``None``) is 1.
    """
    if schedule is None or schedule == "constant":
        return 1.0
    if schedule == "ganin":
        return ganin_schedule(p) / ganin_schedule(1.0)
    if schedule == "linear":
        return float(p)
    if callable(schedule):
        return float(schedule(p))
    raise ValueError(
        f"alignment_schedule must be one of {SCHEDULES} or a callable p -> factor; got "
        f"{schedule!r}."
    )


class AlignmentSchedule(Callback):
    """The alignment weight of each training step: ``alignment_weight`` times the schedule.

    Before every training batch it sets the net's ``alignment_weight_`` to
    ``alignment_weight * factor(p)`` (the net's ``_alignment_factor``), where ``factor``
    is the net's ``alignment_schedule`` (see :func:`resolve_schedule`) and ``p`` the
    progress of the
    step about to be taken, ``(n_train_steps_ + 1) / n_total_steps_``: the last step of
    ``fit`` gets ``p = 1`` (the full ``alignment_weight``) whatever ``max_epochs`` and the
    data size are. It is the default callback ``"alignment_schedule"`` of every
    alignment estimator; without it (``callbacks__alignment_schedule=None``) every step
    uses the full ``alignment_weight``.

    Examples
    --------
    >>> from skxfer.deep import DeepCORALClassifier
    >>> clf = DeepCORALClassifier(max_epochs=1)
    >>> clf.initialize_callbacks().callbacks_[-2][0]
    'alignment_schedule'
    """

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        net.alignment_weight_ = net._alignment_factor((net.n_train_steps_ + 1) / net.n_total_steps_)


class GaninLRAnnealing(Callback):
    """Learning-rate annealing of Ganin et al. (2016): ``lr / (1 + alpha p) ** beta``.

    ``p`` is the training progress (optimiser steps done / steps planned) and ``lr`` the
    estimator's ``lr``; every parameter group is scaled. It is a default callback of
    :class:`DANNClassifier` and :class:`DANNRegressor` (name ``"lr_annealing"``; turn it
    off with ``callbacks__lr_annealing=None``) and can be added to any skxfer deep DA
    estimator through ``callbacks=``.

    Parameters
    ----------
    alpha : float, default=10.0
    beta : float, default=0.75

    Examples
    --------
    >>> from skxfer.deep import DeepCORALClassifier, GaninLRAnnealing
    >>> clf = DeepCORALClassifier(callbacks=[("lr_annealing", GaninLRAnnealing())])
    """

    def __init__(self, alpha=10.0, beta=0.75):
        self.alpha = alpha
        self.beta = beta

    def on_train_begin(self, net, **kwargs):
        self.base_lrs_ = [group["lr"] for group in net.optimizer_.param_groups]

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        progress = min(1.0, net.n_train_steps_ / getattr(net, "n_total_steps_", 1))
        factor = (1.0 + self.alpha * progress) ** -self.beta
        for group, base in zip(net.optimizer_.param_groups, self.base_lrs_, strict=True):
            group["lr"] = base * factor
