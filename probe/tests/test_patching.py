"""Import hook, targets as data, the guard and idempotent install (fake modules, no vLLM)."""
import sys
import types

from profilemate_probe.hooks import after
from profilemate_probe.importhook import ImportHook
from profilemate_probe.patching import PatchTarget, Profiler, unwrap, version_in, wrap


def _fake_module(name, tmp_path):
    (tmp_path / (name + ".py")).write_text(
        "class Engine:\n    def step(self, x):\n        return x * 2\n")
    sys.path.insert(0, str(tmp_path))


def test_hook_fires_when_a_watched_module_is_first_imported(tmp_path):
    _fake_module("pm_fake_a", tmp_path)
    seen = []
    hook = ImportHook(lambda m, e: None)
    hook.install()
    try:
        hook.watch("pm_fake_a", seen.append)
        assert seen == []
        import pm_fake_a  # noqa: F401
        assert seen == ["pm_fake_a"]
    finally:
        hook.uninstall()


def test_hook_fires_at_once_for_a_module_imported_before_it(tmp_path):
    _fake_module("pm_fake_b", tmp_path)
    import pm_fake_b  # noqa: F401
    seen = []
    hook = ImportHook(lambda m, e: None)
    hook.watch("pm_fake_b", seen.append)
    assert seen == ["pm_fake_b"]


def test_failing_hook_keeps_the_result_and_disables_its_profiler_with_one_line(tmp_path):
    _fake_module("pm_fake_c", tmp_path)
    import pm_fake_c
    logs = []
    prof = Profiler("demo", logs.append, lambda *a: None)

    def broken(prof, args, kwargs, result, t0, t1):
        raise RuntimeError("probe bug")

    target = PatchTarget("demo", "pm_fake_c", "Engine.step", "", after(broken))
    assert wrap(target, prof) is True
    e = pm_fake_c.Engine()
    assert [e.step(3), e.step(4), e.step(5)] == [6, 8, 10]
    assert prof.enabled is False and len(logs) == 1 and "probe bug" in logs[0]


def test_host_exceptions_pass_through_unchanged(tmp_path):
    mod = types.ModuleType("pm_fake_d")
    exec("class Engine:\n    def step(self, x):\n        raise KeyError(x)\n", mod.__dict__)
    sys.modules["pm_fake_d"] = mod
    prof = Profiler("demo", lambda m: None, lambda *a: None)
    wrap(PatchTarget("demo", "pm_fake_d", "Engine.step", "", after(lambda *a: None)), prof)
    try:
        mod.Engine().step("k")
        raise AssertionError("no exception")
    except KeyError as exc:
        assert exc.args == ("k",)
    assert prof.enabled is True


def test_install_uninstall_reinstall_is_idempotent():
    mod = types.ModuleType("pm_fake_e")
    exec("class Base:\n    def step(self):\n        return 1\nclass Engine(Base):\n    pass\n", mod.__dict__)
    sys.modules["pm_fake_e"] = mod
    calls = []
    prof = Profiler("demo", lambda m: None, lambda *a: None)
    target = PatchTarget("demo", "pm_fake_e", "Engine.step", "", after(lambda *a: calls.append(1)), inherited_ok=True)
    original = mod.Base.step
    assert wrap(target, prof) is True
    assert wrap(target, prof) is False  # second install is a no-op
    assert mod.Engine().step() == 1 and calls == [1]
    assert unwrap(target) is True
    assert "step" not in vars(mod.Engine) and mod.Engine.step is original
    assert unwrap(target) is False
    wrap(target, prof)
    mod.Engine().step()
    assert calls == [1, 1]


def test_version_ranges():
    assert version_in("0.33.0", ">=0.11")
    assert version_in("0.15.1", ">=0.14,<0.16")
    assert not version_in("0.16.0", ">=0.14,<0.16")
    assert version_in("0.20.0rc1.dev5+gabc", ">=0.20")
    assert version_in("", ">=0.11")


def test_an_inherited_method_is_not_a_target_unless_declared_so():
    mod = types.ModuleType("pm_fake_f")
    exec("class Base:\n    def step(self):\n        return 1\nclass Engine(Base):\n    pass\n", mod.__dict__)
    sys.modules["pm_fake_f"] = mod
    prof = Profiler("demo", lambda m: None, lambda *a: None)
    try:
        wrap(PatchTarget("demo", "pm_fake_f", "Engine.step", "", after(lambda *a: None)), prof)
        raise AssertionError("wrapped an inherited method")
    except LookupError as exc:
        assert "inherited" in str(exc)


def test_static_and_class_methods_stay_callable_as_such():
    mod = types.ModuleType("pm_fake_g")
    exec("class Engine:\n"
         "    registry = [1, 2]\n"
         "    @classmethod\n"
         "    def clear_all(cls):\n        return len(cls.registry)\n"
         "    @staticmethod\n"
         "    def helper(x):\n        return x + 1\n", mod.__dict__)
    sys.modules["pm_fake_g"] = mod
    calls = []
    prof = Profiler("demo", lambda m: None, lambda *a: None)
    targets = [PatchTarget("demo", "pm_fake_g", q, "", after(lambda p, a, k, r, t0, t1: calls.append(r)))
               for q in ("Engine.clear_all", "Engine.helper")]
    for t in targets:
        assert wrap(t, prof)
    assert mod.Engine.clear_all() == 2 and mod.Engine().clear_all() == 2
    assert mod.Engine.helper(1) == 2 and mod.Engine().helper(1) == 2
    assert calls == [2, 2, 2, 2]
    for t in targets:
        assert unwrap(t)
    assert isinstance(vars(mod.Engine)["clear_all"], classmethod)
    assert isinstance(vars(mod.Engine)["helper"], staticmethod)
    assert mod.Engine.clear_all() == 2 and calls == [2, 2, 2, 2]


def test_a_module_level_function_is_a_target_too():
    """vLLM 0.2x checks its environment in a module function (vllm.envs.validate_environ)."""
    mod = types.ModuleType("pm_fake_h")
    exec("def validate(x):\n    return x * 3\n", mod.__dict__)
    sys.modules["pm_fake_h"] = mod
    seen = []
    prof = Profiler("demo", lambda m: None, lambda *a: None)
    t = PatchTarget("demo", "pm_fake_h", "validate", "", after(lambda p, a, k, r, t0, t1: seen.append(r)))
    assert wrap(t, prof) and not wrap(t, prof)
    assert mod.validate(2) == 6 and seen == [6]
    assert unwrap(t) and mod.validate(2) == 6 and seen == [6]


def test_a_hook_written_for_named_parameters_is_left_off_a_method_that_takes_others():
    """The hottest hooks take vLLM's parameters by name: on a vLLM whose method changed they
    must not attach (a call would fail inside vLLM), and the reason names both signatures."""
    mod = types.ModuleType("pm_fake_sig")
    exec("class Pool:\n    def get(self, n, extra=0):\n        return n + extra\n"
         "    def put(self, blocks):\n        return len(blocks)\n", mod.__dict__)
    sys.modules["pm_fake_sig"] = mod
    prof = Profiler("demo", lambda m: None, lambda *a: None)

    def exact(original, prof):
        def replacement(self, n):
            return original(self, n)
        return replacement

    changed = PatchTarget("demo", "pm_fake_sig", "Pool.get", "", exact, params=("self", "n"))
    try:
        wrap(changed, prof)
        raise AssertionError("attached to a method with other parameters")
    except LookupError as exc:
        assert "takes (?)" in str(exc) and "(self, n)" in str(exc)  # a default: not a plain signature
    assert mod.Pool().get(2, extra=3) == 5
    same = PatchTarget("demo", "pm_fake_sig", "Pool.put", "", exact, params=("self", "blocks"))
    assert wrap(same, prof) is True and mod.Pool().put([1, 2]) == 2
    assert unwrap(same) is True


def test_the_schedule_hook_passes_every_call_through_whatever_the_signature():
    """vLLM 0.15's schedule(self), 0.33's schedule(self, throttle_prefills=False) (positional or by
    keyword) and any other shape reach vLLM's method with the caller's arguments; the recording
    part, fed an object that is no SchedulerOutput, trips the breaker and leaves the result alone."""
    from profilemate_probe.patching import one_more_param
    from profilemate_probe.targets.scheduler import _schedule

    class Plain:
        def schedule(self):
            return ("plain",)

    class Flag:
        def schedule(self, throttle_prefills=False):
            return ("flag", throttle_prefills)

    class Other:
        def schedule(self, budget, *, throttle_prefills=False):
            return ("other", budget, throttle_prefills)

    assert [one_more_param(c.schedule) for c in (Plain, Flag, Other)] == ["", "throttle_prefills", None]
    logs = []
    for enabled in (False, True):
        for cls in (Plain, Flag, Other):
            prof = Profiler("scheduler", logs.append, None, lambda b: None)
            prof.enabled = enabled
            hooked = _schedule(cls.schedule, prof)
            s = cls()
            if cls is Plain:
                assert hooked(s) == ("plain",)
            elif cls is Flag:
                assert hooked(s) == ("flag", False)
                assert hooked(s, True) == ("flag", True)
                assert hooked(s, throttle_prefills=True) == ("flag", True)
            else:
                assert hooked(s, 7, throttle_prefills=True) == ("other", 7, True)
            assert prof.enabled is False
    assert len(logs) == 3 and all("Scheduler.schedule" in line for line in logs)


def test_an_update_that_no_step_record_carries_goes_out_alone():
    """Async scheduling's batch queue can run update_from_output twice with no schedule() between:
    the first update is written as a scheduler_update record then, the second at exit, both with
    the last step number, as the step records would have labelled them."""
    import struct
    from profilemate_probe.spool import RECORDS
    from profilemate_probe.targets import scheduler as sched_mod

    out = []
    prof = Profiler("scheduler", lambda line: None, None, out.append)
    hook = sched_mod._update(lambda self, so, mro: "outputs", prof)
    sched_mod._LAST_UPDATE[0] = 0
    last = sched_mod._last_step()
    assert hook(object(), object(), object()) == "outputs" and out == []
    first = sched_mod._LAST_UPDATE[0]
    assert hook(object(), object(), object()) == "outputs"
    sched_mod._write_last_update(prof)
    assert prof.enabled and sched_mod._LAST_UPDATE[0] == 0 and len(out) == 2
    update = RECORDS["scheduler_update"]
    rows = [struct.unpack_from("<IHqqq", b) for b in out]
    assert {r[1] for r in rows} == {update.type_id}
    assert rows[0][2] == first and rows[1][2] > first
    assert [r[3] for r in rows] == [last, last]
    assert all(r[4] > 0 for r in rows)
