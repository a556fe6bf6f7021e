"""Where vLLM's EPLB placed the experts: one eplb_placement record per placement (worker process).

With --enable-eplb vLLM moves (and replicates) experts over the EP ranks while it runs
(vllm/distributed/eplb/eplb_state.py). The moe target counts LOGICAL experts, which says nothing of
where they ran; this target records the PHYSICAL placement, EplbModelState.physical_to_logical_map
[num_moe_layers, num_physical_experts] (physical slot -> logical expert, -1 an empty slot; EP rank r
holds slots r*P/ep .. (r+1)*P/ep-1), so the engine can weigh each window's counts with the placement
in force then:
- at start-up, once per model, after EplbState.add_model builds the initial map (event 0);
- after each real rearrangement, when vLLM commits the new map (_commit_eplb_maps, event 1; the async
  mode commits layer by layer, _commit_eplb_maps_for_layer: one record per layer). is_profile runs
  (the memory-reserving dummy rearrangement) never commit, so they are never recorded;
- a real, synchronous rearrangement that committed nothing (vLLM's ROCm path skips one that would
  improve the imbalance by under 5 %): the map kept, event 2.
The committed map is vLLM's host tensor from the policy (no device read); the initial map is read
from the device once at start-up. Nothing here runs per step.
"""
from time import monotonic_ns

from ..patching import PatchTarget
from .moe import layer_index

PROFILER = "moe"
INITIAL, REARRANGED, SKIPPED = 0, 1, 2
_commits = {"states": set()}  # the model states committed during the current rearrange() call


def _host_rows(tensor):
    """The map's rows as lists of ints, on the host (a device tensor is read once: a sync vLLM allows)."""
    if getattr(tensor, "is_cpu", True):
        return tensor.tolist()
    try:
        from vllm.utils.gpu_sync_debug import gpu_sync_allowed
    except Exception:  # an older vLLM without the sync check
        return tensor.cpu().tolist()
    with gpu_sync_allowed():
        return tensor.cpu().tolist()


def placement_values(model_state, event, rows, first_layer=0):
    """The record's values after t_ns, for `rows` (map rows from first_layer on) of one model."""
    model = model_state.model
    physical = int(model.num_physical_experts)
    local = int(getattr(model, "num_local_physical_experts", 0) or 0)
    ep_size = physical // local if local > 0 else -1
    moe_layers = list(getattr(model, "moe_layers", ()) or ())
    layers = []
    flat = []
    for i, row in enumerate(rows):
        moe = first_layer + i
        idx = layer_index(getattr(moe_layers[moe], "layer_name", "")) if moe < len(moe_layers) else None
        layers.append(-1 if idx is None else idx)
        flat.extend(int(x) for x in row[:physical])
    return (event, first_layer, len(rows), physical, int(model.num_logical_experts), ep_size,
            str(getattr(model_state, "model_name", "") or ""), layers, flat)


def _emit(prof, model_state, event, rows, first_layer=0):
    prof.emit("eplb_placement", monotonic_ns(), *placement_values(model_state, event, rows, first_layer))


def _after_add_model(original, prof):
    def add_model(self, *args, **kwargs):
        before = set(map(id, self.model_states.values()))
        result = original(self, *args, **kwargs)
        if prof.enabled:
            try:
                for state in list(self.model_states.values()):
                    if id(state) not in before:
                        _emit(prof, state, INITIAL, _host_rows(state.physical_to_logical_map))
            except Exception as exc:
                prof.fail("EplbState.add_model", exc)
        return result
    return add_model


def _after_commit(original, prof):
    def _commit_eplb_maps(model_state, new_physical_to_logical_map, *args, **kwargs):
        result = original(model_state, new_physical_to_logical_map, *args, **kwargs)
        _commits["states"].add(id(model_state))
        if prof.enabled:
            try:
                _emit(prof, model_state, REARRANGED, _host_rows(new_physical_to_logical_map))
            except Exception as exc:
                prof.fail("_commit_eplb_maps", exc)
        return result
    return _commit_eplb_maps


def _after_commit_layer(original, prof):
    def _commit_eplb_maps_for_layer(model_state, new_physical_to_logical_map, layer, *args, **kwargs):
        result = original(model_state, new_physical_to_logical_map, layer, *args, **kwargs)
        if prof.enabled:
            try:
                _emit(prof, model_state, REARRANGED, [_host_rows(new_physical_to_logical_map)], int(layer))
            except Exception as exc:
                prof.fail("_commit_eplb_maps_for_layer", exc)
        return result
    return _commit_eplb_maps_for_layer


def _around_rearrange(original, prof):
    def rearrange(self, is_profile=False, *args, **kwargs):
        _commits["states"].clear()
        result = original(self, is_profile, *args, **kwargs)
        # the async mode commits later, layer by layer: only a synchronous real run can have skipped
        if prof.enabled and not is_profile and not getattr(self, "is_async", False):
            try:
                for state in list(self.model_states.values()):
                    if id(state) not in _commits["states"]:
                        _emit(prof, state, SKIPPED, _host_rows(state.physical_to_logical_map))
            except Exception as exc:
                prof.fail("EplbState.rearrange", exc)
        return result
    return rearrange


_MODULE = "vllm.distributed.eplb.eplb_state"
# checked against vLLM 0.33's EplbState (test_eplb_placement.py); older lines built it otherwise (EplbState.build)
TARGETS = [
    PatchTarget(PROFILER, _MODULE, "EplbState.add_model", ">=0.33", _after_add_model, optional=True,
                note="EPLB's initial expert placement, once per model"),
    PatchTarget(PROFILER, _MODULE, "_commit_eplb_maps", ">=0.33", _after_commit, optional=True,
                note="each rearrangement's committed placement (rearrange looks it up in its module)"),
    PatchTarget(PROFILER, _MODULE, "_commit_eplb_maps_for_layer", ">=0.33", _after_commit_layer, optional=True,
                note="async EPLB: each layer's committed placement"),
    PatchTarget(PROFILER, _MODULE, "EplbState.rearrange", ">=0.33", _around_rearrange, optional=True,
                note="a real rearrangement vLLM skipped (no material gain): the map kept"),
]
