"""Runs callbacks when a watched module finishes executing (find_spec/exec_module API).

The finder answers None for every other module, so a process that never imports vLLM
pays one dict lookup per import and nothing else.
"""
import sys
import threading


class _Finder:
    def __init__(self, hook):
        self._hook = hook
        self._busy = threading.local()

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._hook.watched or getattr(self._busy, "on", False):
            return None
        self._busy.on = True
        try:
            spec = None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    break
        finally:
            self._busy.on = False
        loader = getattr(spec, "loader", None) if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original_exec = loader.exec_module
        hook = self._hook

        def exec_module(module):
            original_exec(module)
            hook.fire(fullname)

        try:
            # per-module loader instance: shadowing its method keeps isinstance() checks true
            loader.exec_module = exec_module
        except (AttributeError, TypeError):
            return spec
        return spec


class ImportHook:
    """Maps module name -> callbacks. `watch()` fires at once if the module is already loaded."""

    def __init__(self, on_error):
        self.watched = {}
        self._finder = _Finder(self)
        self._on_error = on_error

    def install(self):
        if self._finder not in sys.meta_path:
            sys.meta_path.insert(0, self._finder)

    def uninstall(self):
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)

    def find_spec(self, fullname, path=None, target=None):
        """The hook's answer for one module, for a finder that hands an import over."""
        return self._finder.find_spec(fullname, path, target)

    def watch(self, module, callback):
        self.watched.setdefault(module, []).append(callback)
        if module in sys.modules and getattr(sys.modules[module], "__spec__", None) is not None \
                and not getattr(getattr(sys.modules[module], "__spec__", None), "_initializing", False):
            self._call(module, callback)

    def fire(self, module):
        for callback in list(self.watched.get(module, ())):
            self._call(module, callback)

    def _call(self, module, callback):
        try:
            callback(module)
        except Exception as exc:  # never into the importer
            self._on_error(module, exc)
