"""The eplb target against vLLM 0.33's own EPLB code: the placement that vLLM's DefaultEplbPolicy chooses
for a skewed load, committed by vLLM's _commit_eplb_maps (looked up in its module, as EplbState.rearrange
does), must come out of the probe as an eplb_placement record equal to vLLM's map, row for row, and pack
into the spool; the initial map and a skipped rearrangement likewise. Last, vLLM's whole EplbState
(add_model, rearrange: the load all-reduce, the policy, the weight exchange, the commit) runs in two
processes as EP ranks 0 and 1 over gloo (drive_eplb.py), the probe attached through sitecustomize, and
each process's spool must hold vLLM's initial and new maps, which the engine's export reads."""
import random
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
eplb_state = pytest.importorskip("vllm.distributed.eplb.eplb_state")
from vllm.distributed.eplb.policy.default import DefaultEplbPolicy  # noqa: E402

from profilemate_probe.patching import Profiler, unwrap, wrap  # noqa: E402
from profilemate_probe.spool import RECORDS  # noqa: E402
from profilemate_probe.targets import eplb  # noqa: E402

LOGICAL, REDUNDANT, EP, MOE_LAYERS = 16, 4, 4, 3
PHYSICAL = LOGICAL + REDUNDANT
# a model whose first decoder layer is dense: MoE layer i is decoder layer i + 1
DECODER_LAYERS = [1, 2, 3]


def _model():
    runners = [SimpleNamespace(layer_name="model.layers.%d.mlp.experts" % i) for i in DECODER_LAYERS]
    return SimpleNamespace(num_physical_experts=PHYSICAL, num_local_physical_experts=PHYSICAL // EP,
                           num_logical_experts=LOGICAL, num_moe_layers=MOE_LAYERS, moe_layers=runners)


def _model_state():
    """EplbModelState's maps as EplbState.add_model builds them (the initial map: identity, then the
    redundant slots on experts 0..R-1), around the test's model."""
    initial = torch.tensor(eplb_state.EplbState.build_initial_global_physical_to_logical_map(LOGICAL, REDUNDANT))
    p2l = initial.unsqueeze(0).expand(MOE_LAYERS, -1).contiguous()
    logical, counts = eplb_state.compute_logical_maps(p2l, LOGICAL)
    l2p = torch.full((MOE_LAYERS, LOGICAL, REDUNDANT + 1), -1, dtype=torch.long)
    l2p[:, :, :logical.shape[2]] = logical
    return SimpleNamespace(physical_to_logical_map=p2l, physical_to_logical_map_buffer=p2l,
                           logical_to_physical_map=l2p, logical_replica_count=counts.clone(),
                           model=_model(), model_name="moe-16")


@pytest.fixture
def attached(monkeypatch):
    # vLLM pins the host map before copying it to the device when it can; a CPU has no pinned memory
    monkeypatch.setattr(eplb_state, "PIN_MEMORY", False)
    records = []
    prof = Profiler("moe", lambda msg: records.append(("log", msg)), lambda *v: records.append(v))
    targets = [t for t in eplb.TARGETS if t.qualname.startswith("_commit")]
    for t in targets:
        assert wrap(t, prof)
    yield prof, records
    for t in targets:
        unwrap(t)


def _named(values):
    rec = RECORDS["eplb_placement"]
    assert rec.pack(tuple(values))  # fits the declared layout (i32s arrays)
    return dict(zip(rec.fields, values))


def _rows(named):
    n = named["num_physical"]
    return [named["map"][i * n:(i + 1) * n] for i in range(named["num_layers"])]


def test_a_committed_rearrangement_is_recorded_as_vllm_committed_it(attached):
    prof, records = attached
    rng = random.Random(3)
    load = torch.tensor([[int(1000 * rng.paretovariate(1.1)) for _ in range(LOGICAL)] for _ in range(MOE_LAYERS)])
    state = _model_state()
    new_map = DefaultEplbPolicy.rebalance_experts(load, PHYSICAL, 1, 1, EP, state.physical_to_logical_map.cpu())
    assert not torch.equal(new_map, state.physical_to_logical_map)  # the skew moved experts
    eplb_state._commit_eplb_maps(state, new_physical_to_logical_map=new_map)  # as rearrange calls it
    assert torch.equal(state.physical_to_logical_map, new_map)  # vLLM's commit went through
    assert len(records) == 1 and records[0][0] == "eplb_placement"
    named = _named(records[0][1:])
    assert named["event"] == eplb.REARRANGED and named["first_layer"] == 0
    assert (named["num_layers"], named["num_physical"], named["num_logical"], named["ep_size"]) == (
        MOE_LAYERS, PHYSICAL, LOGICAL, EP)
    assert _rows(named) == state.physical_to_logical_map.tolist()
    assert named["layers"] == DECODER_LAYERS and named["model"] == "moe-16"


def test_an_async_layer_commit_is_one_layers_record(attached):
    prof, records = attached
    state = _model_state()
    load = torch.arange(1, LOGICAL + 1).repeat(MOE_LAYERS, 1) ** 2
    new_map = DefaultEplbPolicy.rebalance_experts(load, PHYSICAL, 1, 1, EP, state.physical_to_logical_map.cpu())
    eplb_state._commit_eplb_maps_for_layer(state, new_physical_to_logical_map=new_map[2], layer=2)
    named = _named(records[0][1:])
    assert (named["first_layer"], named["num_layers"], named["layers"]) == (2, 1, [DECODER_LAYERS[2]])
    assert _rows(named) == [state.physical_to_logical_map[2].tolist()] == [new_map[2].tolist()]


def test_initial_map_and_a_skipped_rearrangement():
    records = []
    prof = Profiler("moe", lambda msg: None, lambda *v: records.append(v))
    state = _model_state()
    holder = SimpleNamespace(model_states={}, is_async=False)

    def add_model(self):
        self.model_states["h"] = state
    eplb._after_add_model(add_model, prof)(holder)
    # a real run that committed nothing (vLLM's no-material-gain skip); a profile run is never recorded
    rearrange = eplb._around_rearrange(lambda self, is_profile=False: None, prof)
    rearrange(holder, is_profile=True)
    rearrange(holder)
    assert [_named(r[1:])["event"] for r in records] == [eplb.INITIAL, eplb.SKIPPED]
    initial = eplb_state.EplbState.build_initial_global_physical_to_logical_map(LOGICAL, REDUNDANT)
    assert all(_rows(_named(r[1:])) == [initial] * MOE_LAYERS for r in records)


def test_a_failing_hook_turns_the_moe_profiler_off_and_vllm_still_commits(attached):
    prof, records = attached
    state = _model_state()
    state.model = None  # the probe cannot read the model: its hook fails, vLLM's commit must not
    new_map = state.physical_to_logical_map.flip(1).contiguous()
    eplb_state._commit_eplb_maps(state, new_physical_to_logical_map=new_map)
    assert torch.equal(state.physical_to_logical_map, new_map)
    assert not prof.enabled and prof.failures == 1
    assert [r[0] for r in records] == ["log"]


# -- vLLM's real rearrangement in two processes (EP 2 over gloo), the probe attached the normal way ----------
import glob  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from conftest import PROBE, REPO, spool_chunks, truths_of  # noqa: E402

DRIVER = os.path.join(os.path.dirname(__file__), "drive_eplb.py")


def _placements(path):
    """The eplb_placement records of one spool, decoded by the declared layout (fixed fields, then str, i32s)."""
    rec = RECORDS["eplb_placement"]
    fixed = struct.Struct("<qBiiiii")
    data = open(path, "rb").read()
    out = []
    for _header, start, end in spool_chunks(data):
        at = start
        while at < end:
            n, type_id = struct.unpack_from("<IH", data, at)
            body = data[at + 6:at + 6 + n]
            at += 6 + n
            if type_id != rec.type_id:
                continue
            values = list(fixed.unpack_from(body, 0))
            pos = fixed.size
            (slen,) = struct.unpack_from("<H", body, pos)
            values.append(body[pos + 2:pos + 2 + slen].decode())
            pos += 2 + slen
            for _ in range(2):
                (count,) = struct.unpack_from("<I", body, pos)
                values.append(list(struct.unpack_from("<%di" % count, body, pos + 4)))
                pos += 4 + 4 * count
            out.append(dict(zip(rec.fields, values)))
    return out


def test_vllms_real_rearrangement_over_two_ep_ranks_is_recorded_as_vllm_placed_it(tmp_path):
    session = str(tmp_path / "session_eplb_real")
    os.makedirs(os.path.join(session, "raw"), mode=0o700)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(2):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("VLLM_", "PROFILEMATE_", "ENABLE_")) and k != "PYTHONPATH"}
        env.update({"PYTHONPATH": PROBE, "VLLM_ENABLE_PROFILING": "1", "PROFILEMATE_SIDECAR": "0",
                    "PROFILEMATE_SESSION_DIR": session, "PM_RANK": str(rank), "PM_WORLD": "2", "PM_PORT": str(port),
                    "OMP_NUM_THREADS": "1"})
        procs.append(subprocess.Popen([sys.executable, DRIVER], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    truths = {truth["pid"]: truth for truth in truths_of(procs)}
    for pid, truth in truths.items():
        # vLLM moved the weights between the ranks as its new map says: a real rearrangement happened
        assert truth["weights_moved"] and truth["after"] != truth["before"]
        spools = glob.glob(os.path.join(session, "raw", "*-%d*.pmspool" % pid))
        records = [r for path in sorted(spools) for r in _placements(path)]
        assert [r["event"] for r in records] == [eplb.INITIAL, eplb.REARRANGED]
        for r, want in zip(records, (truth["before"], truth["after"])):
            assert (r["first_layer"], r["num_layers"], r["num_physical"], r["num_logical"], r["ep_size"]) == (
                0, 2, 10, 8, 2)
            assert r["layers"] == [1, 2] and r["model"] == "moe-8"
            assert [r["map"][i * 10:(i + 1) * 10] for i in range(2)] == want
    # the engine reads them: two placements of two layers, the second the rearrangement
    r = subprocess.run([os.path.join(REPO, "profilemate"), "export", session], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr
    rows = open(os.path.join(session, "eplb_placements.csv")).read().splitlines()[1:]
    cells = [row.split(",") for row in rows]
    assert [(c[0], c[2], c[3], c[4], c[5]) for c in cells] == [
        ("0", "initial", "1", "2", "10"), ("0", "initial", "2", "2", "10"),
        ("1", "rearranged", "1", "2", "10"), ("1", "rearranged", "2", "2", "10")]
