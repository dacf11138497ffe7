"""One plugin mechanism: named classes from an entry-point group, loaded lazily.

Strategies (``skxfer.strategies``) and deep alignment criteria (``skxfer.criteria``)
are both a :class:`PluginRegistry`: the names come from the ``importlib.metadata``
entry points that packages declare (skxfer's own included), plus classes registered at
run time; a class is imported the first time it is looked up, so listing names imports
nothing heavy (torch).
"""

from importlib.metadata import entry_points

__all__ = ["PluginRegistry"]


class PluginRegistry:
    """Classes registered under short names in one entry-point group.

    Parameters
    ----------
    group : str
        The ``importlib.metadata`` entry-point group.
    kind : str
        What a plugin is, in messages (``"strategy"``, ``"criterion"``).
    check : callable, default=None
        ``check(cls)`` raises ``TypeError`` when ``cls`` is not a valid plugin; run by
        :meth:`register`.

    Examples
    --------
    >>> from skxfer._plugins import PluginRegistry
    >>> reg = PluginRegistry("skxfer.strategies", "strategy")
    >>> "coral" in reg.names()
    True
    >>> reg.get("coral").__name__
    'CORALAligner'
    """

    def __init__(self, group, kind, check=None):
        self.group = group
        self.kind = kind
        self.check = check
        self._runtime = {}
        self._loaded = {}

    def _entry_points(self):
        return {ep.name: ep for ep in entry_points(group=self.group)}

    def names(self):
        """Sorted names: entry points and run-time registrations."""
        return sorted(set(self._entry_points()) | set(self._runtime))

    def register(self, name, cls, *, overwrite=False):
        """Register ``cls`` under ``name`` for this process."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"A {self.kind} name must be a non-empty string, got {name!r}.")
        if not overwrite and name in self.names():
            raise ValueError(
                f"A {self.kind} named {name!r} is already registered; pass overwrite=True "
                "to replace it or choose another name."
            )
        if self.check is not None:
            self.check(cls)
        self._runtime[name] = cls
        self._loaded.pop(name, None)

    def unregister(self, name):
        """Forget a run-time registration (entry points stay)."""
        self._runtime.pop(name, None)
        self._loaded.pop(name, None)

    def get(self, name):
        """The class registered under ``name`` (imported on first use)."""
        if name in self._runtime:
            return self._runtime[name]
        if name not in self._loaded:
            eps = self._entry_points()
            if name not in eps:
                raise ValueError(
                    f"Unknown {self.kind} {name!r}. Registered: {', '.join(self.names())}. "
                    f"Install the package that provides it or register it at run time."
                )
            self._loaded[name] = eps[name].load()
        return self._loaded[name]

    def module(self, name):
        """The module that defines ``name``, without importing it."""
        if name in self._runtime:
            return self._runtime[name].__module__
        eps = self._entry_points()
        if name not in eps:
            raise ValueError(f"Unknown {self.kind} {name!r}.")
        return eps[name].value.split(":")[0].strip()
