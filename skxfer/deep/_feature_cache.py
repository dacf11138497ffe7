"""The process-wide cache of frozen-body features used by fine-tuning.

Features are keyed by a hash of the body's architecture and weights and of the rows, so
grid-search candidates sharing a backbone reuse them.
"""

import hashlib
import threading
from collections import OrderedDict

import numpy as np
import torch

from ._heads import head_inputs, is_under

__all__ = ["cached_head_inputs", "clear_feature_cache"]


class _BoundedCache:
    """Least-recently-used cache bounded in entries and bytes (thread-safe)."""

    def __init__(self, max_entries=16, max_bytes=256 * 2**20):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._data = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
            return None

    def put(self, key, value):
        size = value.nbytes
        if size > self.max_bytes:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while (
                len(self._data) > self.max_entries
                or sum(v.nbytes for v in self._data.values()) > self.max_bytes
            ):
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self):
        return len(self._data)


#: Frozen-body features shared by every fine-tuning estimator of the process.
_FEATURE_CACHE = _BoundedCache()


def clear_feature_cache():
    """Empty the process-wide cache of frozen-backbone features.

    Examples
    --------
    >>> from skxfer.deep import clear_feature_cache
    >>> clear_feature_cache()
    """
    _FEATURE_CACHE.clear()


def _array_fingerprint(X):
    h = hashlib.blake2b(digest_size=16)
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    X = np.ascontiguousarray(X)
    h.update(repr((X.shape, str(X.dtype))).encode())
    h.update(X.view(np.uint8).reshape(-1).data if X.size else b"")
    return h.hexdigest()


def _body_fingerprint(backbone, head):
    """Hash of the architecture and weights of everything but the head."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{type(backbone).__module__}.{type(backbone).__qualname__}|{head}".encode())
    for name, mod in backbone.named_modules():
        if is_under(name, head):
            continue
        h.update(f"{name}:{type(mod).__name__}({mod.extra_repr()})".encode())
    for name, t in backbone.state_dict().items():
        if is_under(name, head):
            continue
        t = t.detach().cpu().contiguous()
        h.update(f"{name}{tuple(t.shape)}{t.dtype}".encode())
        if t.numel():
            h.update(t.reshape(-1).view(torch.uint8).numpy().data)
    return h.hexdigest()


def cached_head_inputs(backbone, head, X, device, batch_size):
    """:func:`~skxfer.deep._heads.head_inputs` of ``X``, through the process-wide cache."""
    key = (_body_fingerprint(backbone, head), _array_fingerprint(X))
    feats = _FEATURE_CACHE.get(key)
    if feats is None:
        feats = head_inputs(backbone, head, X, device, batch_size).numpy()
        _FEATURE_CACHE.put(key, feats)
    return torch.from_numpy(feats)
