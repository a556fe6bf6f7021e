"""CPU test bed for the REAL vLLM V1 Scheduler and KV cache manager.

No GPU, no model weights, no network.  It does what vLLM's own
``tests/v1/core/utils.py`` does (``create_scheduler`` / ``create_requests``):
build a real :class:`vllm.v1.core.sched.scheduler.Scheduler` over a hand-made
one-group ``KVCacheConfig``, feed it real :class:`vllm.v1.request.Request`
objects, and replace the model with a fake ``ModelRunnerOutput``.  Everything
between ``schedule()`` and ``update_from_output()`` -- admission, chunked
prefill, prefix-cache lookup, block allocation, LRU eviction, preemption,
stop checks, ``SchedulerStats`` -- is vLLM's own code.

Primary target: vLLM 0.33.0 (torch 2.14 CUDA wheel on a machine without a
GPU).  Version differences are guarded with ``hasattr`` /
``inspect.signature`` so that older V1 lines (0.15.x) keep working where that
is cheap.

Public API
----------
``make_model_dir(path, kind="dense")``            -> str (the directory)
``make_scheduler(model_dir, num_blocks=..., ...)`` -> Scheduler
``make_requests(n, prompt_len, max_tokens, ...)``   -> list[Request]
``fake_model_output(scheduler_output, eos_for=None, *, scheduler=None)``
                                                    -> ModelRunnerOutput
``run(scheduler, requests, max_steps, on_step=None, add_at=None, *, eos_for=None)``
                                                    -> RunResult
``overflow_workload()`` / ``shared_prefix_workload()`` /
``chunked_prefill_workload()``                      -> (scheduler, requests, add_at)

Run ``python vllm_testbed.py`` for a self-check of the three workloads.

Only the standard library, vllm and torch are used.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import random
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# ModelConfig resolves the model directory through transformers /
# huggingface_hub.  A local directory with a config.json is enough, but make
# sure nothing ever tries the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _per_version_cache_root() -> None:
    """Give each vLLM version its own VLLM_CACHE_ROOT (unless one is set).

    The first ModelConfig for an architecture inspects the model class in a
    *subprocess* (``_LazyRegisteredModel.inspect_model_cls`` ->
    ``_run_in_subprocess``: 15-30 s on 2 busy cores) and caches the result in
    ``$VLLM_CACHE_ROOT/modelinfos/<module>-<Class>.json``, keyed by a hash of
    the model file.  Every vLLM version uses the same file name, so running
    two versions against one cache root makes each invalidate the other.
    """
    if "VLLM_CACHE_ROOT" in os.environ:
        return
    try:
        from importlib.metadata import version

        ver = version("vllm")
    except Exception:  # pragma: no cover
        return
    base = os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "vllm"
    )
    os.environ["VLLM_CACHE_ROOT"] = os.path.join(base, f"testbed-{ver}")


_per_version_cache_root()

import torch  # noqa: E402
import vllm  # noqa: E402
from vllm.config import (  # noqa: E402
    CacheConfig,
    DeviceConfig,
    ModelConfig,
    ParallelConfig,
    SchedulerConfig,
    VllmConfig,
)
from vllm.sampling_params import SamplingParams  # noqa: E402
from vllm.v1.core.kv_cache_utils import (  # noqa: E402
    get_request_block_hasher,
    init_none_hash,
)
from vllm.v1.core.sched.scheduler import Scheduler  # noqa: E402
from vllm.v1.engine import EngineCoreEventType  # noqa: E402
from vllm.v1.kv_cache_interface import (  # noqa: E402
    FullAttentionSpec,
    KVCacheConfig,
    KVCacheGroupSpec,
)
from vllm.v1.outputs import ModelRunnerOutput  # noqa: E402
from vllm.v1.request import Request  # noqa: E402
from vllm.v1.structured_output import StructuredOutputManager  # noqa: E402

try:  # 0.12+: the sha256 helpers live in vllm.utils.hashing
    from vllm.utils.hashing import sha256 as _sha256  # noqa: E402
except ImportError:  # pragma: no cover - older layout (<= 0.11)
    from vllm.utils import sha256 as _sha256  # type: ignore  # noqa: E402

try:  # vLLM >= ~0.2x; the engine calls it before building the Scheduler
    from vllm.v1.core.single_type_kv_cache_manager import (  # noqa: E402
        register_all_kvcache_specs as _register_all_kvcache_specs,
    )
except ImportError:  # pragma: no cover - older versions have a static map
    _register_all_kvcache_specs = None

try:
    from vllm.config import KVEventsConfig  # noqa: E402
except ImportError:  # pragma: no cover
    KVEventsConfig = None  # type: ignore[assignment,misc]

try:
    from vllm.config import ObservabilityConfig  # noqa: E402
except ImportError:  # pragma: no cover
    ObservabilityConfig = None  # type: ignore[assignment,misc]

VLLM_VERSION = vllm.__version__

#: EOS token id of the configs written by make_model_dir (Llama/Mixtral style).
EOS_TOKEN_ID = 2
#: Vocabulary size of the configs written by make_model_dir.
VOCAB_SIZE = 32000
#: First token id used for fake prompt / output tokens (keeps clear of BOS/EOS).
_FIRST_FREE_TOKEN = 3

__all__ = [
    "EOS_TOKEN_ID",
    "VLLM_VERSION",
    "RunResult",
    "StepInfo",
    "cached_block_pairs",
    "chunked_prefill_workload",
    "fake_model_output",
    "make_model_dir",
    "make_prefix",
    "make_requests",
    "make_scheduler",
    "overflow_workload",
    "run",
    "shared_prefix_workload",
]


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _accepted_kwargs(fn: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keep only the keyword arguments that ``fn`` (or a class) accepts."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return kwargs
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params}


def _reason_name(reason: Any) -> str | None:
    if reason is None:
        return None
    # FinishReason is an IntEnum whose __str__ gives "stop"/"length"/...
    return str(reason)


# --------------------------------------------------------------------------
# 1. A local model directory that ModelConfig accepts offline
# --------------------------------------------------------------------------

_DENSE_CONFIG: dict[str, Any] = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 256,
    "intermediate_size": 512,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 64,
    "hidden_act": "silu",
    "max_position_embeddings": 4096,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "vocab_size": VOCAB_SIZE,
    "bos_token_id": 1,
    "eos_token_id": EOS_TOKEN_ID,
    "tie_word_embeddings": False,
    "torch_dtype": "float16",
}

_MOE_CONFIG: dict[str, Any] = {
    "architectures": ["MixtralForCausalLM"],
    "model_type": "mixtral",
    "hidden_size": 256,
    "intermediate_size": 512,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 64,
    "hidden_act": "silu",
    "max_position_embeddings": 4096,
    "rms_norm_eps": 1e-5,
    "rope_theta": 1000000.0,
    "sliding_window": None,
    "num_local_experts": 8,
    "num_experts_per_tok": 2,
    "output_router_logits": False,
    "router_aux_loss_coef": 0.02,
    "vocab_size": VOCAB_SIZE,
    "bos_token_id": 1,
    "eos_token_id": EOS_TOKEN_ID,
    "tie_word_embeddings": False,
    "torch_dtype": "float16",
}


def make_model_dir(path: str | os.PathLike[str], kind: str = "dense") -> str:
    """Write a minimal HF model directory that ``ModelConfig`` accepts offline.

    ``kind="dense"``: a 2-layer Llama (``LlamaForCausalLM``).
    ``kind="moe"``: a 2-layer Mixtral (``MixtralForCausalLM``), 8 experts, top-2.

    Only ``config.json`` is written.  With ``skip_tokenizer_init=True`` and
    ``HF_HUB_OFFLINE=1`` vLLM 0.33.0's ``ModelConfig`` opens nothing else in the
    directory (checked with strace): it reads ``config.json`` (three times),
    lists the directory, and only *stats* ``hf_quant_config.json``,
    ``modules.json`` and ``sentence_*_config.json`` (absent is fine).  No
    tokenizer, ``generation_config.json`` or weights are needed to build a
    Scheduler.  Returns the directory as ``str``.
    """
    if kind == "dense":
        cfg = _DENSE_CONFIG
    elif kind == "moe":
        cfg = _MOE_CONFIG
    else:
        raise ValueError(f"kind must be 'dense' or 'moe', not {kind!r}")
    path = os.fspath(path)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    return path


# --------------------------------------------------------------------------
# 2. A real Scheduler on the CPU
# --------------------------------------------------------------------------

_DEFAULT_MODEL_DIR: str | None = None


def _default_model_dir() -> str:
    global _DEFAULT_MODEL_DIR
    if _DEFAULT_MODEL_DIR is None or not os.path.isdir(_DEFAULT_MODEL_DIR):
        _DEFAULT_MODEL_DIR = make_model_dir(
            tempfile.mkdtemp(prefix="vllm-testbed-model-"), "dense"
        )
    return _DEFAULT_MODEL_DIR


@contextlib.contextmanager
def _inprocess_model_inspection(enabled: bool = True):
    """Inspect the model class in this process instead of a subprocess.

    On a cold ``$VLLM_CACHE_ROOT/modelinfos`` cache, ModelConfig's first use
    of an architecture calls ``registry._run_in_subprocess``, which starts a
    fresh Python that re-imports vllm and torch (15-40 s on 2 busy cores).
    Importing the model module here instead costs ~3 s and fills the same
    cache.  vLLM uses a subprocess only to keep CUDA uninitialised in the
    parent; this test bed never touches CUDA.  Any failure falls back to
    vLLM's own behaviour.
    """
    registry = None
    original = None
    if enabled:
        try:
            from vllm.model_executor.models import registry as _registry

            if callable(getattr(_registry, "_run_in_subprocess", None)):
                registry, original = _registry, _registry._run_in_subprocess
                registry._run_in_subprocess = lambda fn: fn()
        except Exception:  # pragma: no cover
            registry = None
    try:
        yield
    finally:
        if registry is not None:
            registry._run_in_subprocess = original


def _attach_kv_event_log(scheduler: Scheduler) -> None:
    """Keep every KVEventBatch that update_from_output publishes.

    The "null" publisher drops the batches; wrapping the instance's
    ``publish`` keeps them in ``scheduler.testbed_kv_event_batches`` so that
    ``BlockRemoved`` events (vLLM's own eviction signal, emitted inside
    ``BlockPool._maybe_evict_cached_block``) can be counted.
    """
    log: list[Any] = []
    publisher = scheduler.kv_event_publisher
    original = publisher.publish

    def publish(batch: Any) -> None:
        log.append(batch)
        original(batch)

    publisher.publish = publish  # type: ignore[method-assign]
    scheduler.testbed_kv_event_batches = log  # type: ignore[attr-defined]


def make_scheduler(
    model_dir: str | None = None,
    num_blocks: int = 1024,
    block_size: int = 16,
    max_num_seqs: int = 16,
    max_num_batched_tokens: int = 512,
    max_model_len: int = 2048,
    enable_prefix_caching: bool = True,
    enable_chunked_prefill: bool = True,
    long_prefill_token_threshold: int = 0,
    *,
    kv_events: bool = True,
    kv_cache_metrics: bool = False,
    use_v2_model_runner: bool | None = None,
    scheduler_overrides: Mapping[str, Any] | None = None,
    inprocess_model_inspection: bool = True,
) -> Scheduler:
    """Build a real ``vllm.v1.core.sched.scheduler.Scheduler`` on the CPU.

    ``num_blocks`` is the size of the KV block pool *including* block 0, the
    null block, which is never handed out: ``num_blocks - 1`` blocks are
    usable.  The KV cache is one full-attention group (``FullAttentionSpec``,
    1 head x 1 dim, float32: only the bookkeeping matters), exactly like
    vLLM's ``tests/v1/core/utils.py``.

    Always ``log_stats=True`` and ``async_scheduling=False`` (plain
    ``Scheduler``, not ``AsyncScheduler``; left at None, 0.33's VllmConfig
    resolves async scheduling to True).  ``max_model_len`` must not exceed
    the model's 4096 ``max_position_embeddings``; vLLM itself rejects
    ``max_num_batched_tokens < max_model_len`` without chunked prefill.

    Keyword-only extras:

    * ``kv_events`` (default True): enable KV cache events with the "null"
      publisher and log every published ``KVEventBatch`` in
      ``scheduler.testbed_kv_event_batches`` (``run`` counts ``BlockRemoved``
      events from it as vLLM's own eviction count).
    * ``kv_cache_metrics``: turn on vLLM's ``KVCacheMetricsCollector`` with a
      sample rate of 1.0 (``SchedulerStats.kv_cache_eviction_events``).
    * ``use_v2_model_runner``: override what ``vllm_config.use_v2_model_runner``
      resolved to (0.33 resolves it to True here).  For this test bed it
      mainly changes the shape of ``SchedulerOutput``: with V2, resumed
      requests are sent as ``scheduled_new_reqs`` instead of
      ``scheduled_cached_reqs.resumed_req_ids``.
    * ``scheduler_overrides``: extra ``SchedulerConfig`` fields (only those
      this vLLM version accepts are passed), e.g. ``{"watermark": 0.05}``.
    * ``inprocess_model_inspection`` (default True): on a cold modelinfo
      cache, inspect the model class in-process (~3 s) rather than in vLLM's
      subprocess (15-40 s); see ``_inprocess_model_inspection``.
    """
    if model_dir is None:
        model_dir = _default_model_dir()

    with _inprocess_model_inspection(inprocess_model_inspection):
        model_config = ModelConfig(
            **_accepted_kwargs(
                ModelConfig,
                dict(
                    model=model_dir,
                    tokenizer=model_dir,
                    skip_tokenizer_init=True,
                    trust_remote_code=False,
                    dtype="float16",
                    seed=0,
                    max_model_len=max_model_len,
                ),
            )
        )

    sched_kwargs: dict[str, Any] = dict(
        max_num_seqs=max_num_seqs,
        max_num_batched_tokens=max_num_batched_tokens,
        max_model_len=max_model_len,  # InitVar since ~0.12, a field before
        is_encoder_decoder=False,  # InitVar in newer versions
        long_prefill_token_threshold=long_prefill_token_threshold,
        enable_chunked_prefill=enable_chunked_prefill,
        async_scheduling=False,
    )
    if scheduler_overrides:
        sched_kwargs.update(scheduler_overrides)
    scheduler_config = SchedulerConfig(**_accepted_kwargs(SchedulerConfig, sched_kwargs))

    cache_config = CacheConfig(
        **_accepted_kwargs(
            CacheConfig,
            dict(
                block_size=block_size,
                gpu_memory_utilization=0.9,
                swap_space=0,  # removed in newer versions; filtered out then
                cache_dtype="auto",
                enable_prefix_caching=enable_prefix_caching,
            ),
        )
    )

    vllm_kwargs: dict[str, Any] = dict(
        model_config=model_config,
        cache_config=cache_config,
        scheduler_config=scheduler_config,
        # On a CUDA wheel without a GPU current_platform is
        # UnspecifiedPlatform and DeviceConfig("auto") raises "Failed to infer
        # device type": name the device.
        device_config=DeviceConfig(device="cpu"),
        parallel_config=ParallelConfig(),
    )
    kv_events = kv_events and enable_prefix_caching  # no hashes, no events
    if kv_events and KVEventsConfig is not None:
        vllm_kwargs["kv_events_config"] = KVEventsConfig(
            enable_kv_cache_events=True, publisher="null"
        )
    if kv_cache_metrics and ObservabilityConfig is not None:
        obs = _accepted_kwargs(
            ObservabilityConfig,
            dict(kv_cache_metrics=True, kv_cache_metrics_sample=1.0),
        )
        if obs:
            vllm_kwargs["observability_config"] = ObservabilityConfig(**obs)
    with _inprocess_model_inspection(inprocess_model_inspection):
        vllm_config = VllmConfig(**_accepted_kwargs(VllmConfig, vllm_kwargs))
    # VllmConfig.__post_init__ may resolve async scheduling on its own; this
    # test bed drives the synchronous Scheduler only.
    if getattr(vllm_config.scheduler_config, "async_scheduling", False):
        vllm_config.scheduler_config.async_scheduling = False

    spec = FullAttentionSpec(
        **_accepted_kwargs(
            FullAttentionSpec,
            dict(
                block_size=block_size,
                num_kv_heads=1,
                head_size=1,
                dtype=torch.float32,
                use_mla=False,  # a field in older versions only
            ),
        )
    )
    kv_cache_config = KVCacheConfig(
        num_blocks=num_blocks,
        kv_cache_tensors=[],
        kv_cache_groups=[KVCacheGroupSpec(layer_names=["layer"], kv_cache_spec=spec)],
    )
    # The engine writes the profiled block count back into the cache config;
    # Scheduler.__init__ asserts it is set.
    vllm_config.cache_config.num_gpu_blocks = num_blocks

    if _register_all_kvcache_specs is not None:
        _register_all_kvcache_specs(vllm_config)

    scheduler_block_size, hash_block_size = block_size, block_size
    try:  # what EngineCore does in 0.33 (handles DCP / hybrid groups)
        from vllm.v1.core.kv_cache_utils import resolve_kv_cache_block_sizes

        scheduler_block_size, hash_block_size = resolve_kv_cache_block_sizes(
            kv_cache_config, vllm_config
        )
    except ImportError:
        pass

    scheduler = Scheduler(
        **_accepted_kwargs(
            Scheduler.__init__,
            dict(
                vllm_config=vllm_config,
                kv_cache_config=kv_cache_config,
                structured_output_manager=StructuredOutputManager(vllm_config),
                block_size=scheduler_block_size,
                hash_block_size=hash_block_size,
                log_stats=True,
            ),
        )
    )
    if use_v2_model_runner is not None and hasattr(scheduler, "use_v2_model_runner"):
        scheduler.use_v2_model_runner = use_v2_model_runner
    # What make_requests needs to build a matching block hasher.
    scheduler.testbed_hash_block_size = hash_block_size  # type: ignore[attr-defined]
    if kv_events:
        _attach_kv_event_log(scheduler)
    return scheduler


# --------------------------------------------------------------------------
# 3. Real Request objects with block hashers
# --------------------------------------------------------------------------

_NONE_HASH_READY = False


def _ensure_none_hash() -> None:
    """init_none_hash once per process, as EngineCore.__init__ does.

    Calling it again would change NONE_HASH and silently break prefix hits
    between requests hashed before and after.
    """
    global _NONE_HASH_READY
    if not _NONE_HASH_READY:
        init_none_hash(_sha256)
        _NONE_HASH_READY = True


def _unique_tokens(request_id: str, length: int) -> list[int]:
    rng = random.Random(f"testbed:{request_id}")  # str seeds are stable
    hi = VOCAB_SIZE - 1
    return [rng.randint(_FIRST_FREE_TOKEN, hi) for _ in range(length)]


def make_requests(
    n: int,
    prompt_len: int | list[int],
    max_tokens: int | list[int],
    prefix: list[int] | None = None,
    start_id: int = 0,
    arrival_time: float | list[float] | None = None,
    *,
    block_size: int | None = None,
    scheduler: Scheduler | None = None,
    id_prefix: str = "req-",
    stop_token_ids: list[int] | None = None,
    priority: int = 0,
) -> list[Request]:
    """Build ``n`` real ``vllm.v1.request.Request`` objects.

    * ``prompt_len``: TOTAL prompt length (shared prefix included), an int or
      one per request.  Must be ``>= len(prefix)``.
    * ``max_tokens``: an int or one per request.
    * ``prefix``: token ids shared by every request (placed first); the rest of
      each prompt is a per-request pseudo-random sequence seeded by the request
      id, so distinct requests never share blocks by accident while the same
      id always yields the same tokens.  ``make_prefix(length, seed)``
      gives a reproducible prefix; any list of ints in ``[3, 32000)`` works.
    * ``start_id``: request ids are ``f"{id_prefix}{start_id + i}"``; ids
      must be unique within a scheduler (vLLM treats a repeated id as a
      streaming-input update).
    * ``arrival_time``: float or one per request (default ``time.time()``).
    * ``block_size`` / ``scheduler``: the hash block size of the block hasher;
      defaults to ``scheduler.testbed_hash_block_size`` or 16.  It must match
      the scheduler's hash block size or prefix caching never hits.

    Requests use ``SamplingParams(max_tokens=..., ignore_eos=False)`` with
    ``update_from_generation_config({}, EOS_TOKEN_ID)`` (0.33; older versions
    get ``eos_token_id=`` on ``Request``), so a sampled ``EOS_TOKEN_ID`` ends a
    request with ``FINISHED_STOPPED``/``stop``; otherwise it ends with
    ``FINISHED_LENGTH_CAPPED``/``length`` after ``max_tokens``.
    """
    _ensure_none_hash()
    if block_size is None:
        block_size = getattr(scheduler, "testbed_hash_block_size", None) or getattr(
            scheduler, "block_size", None
        ) or 16
    prefix = list(prefix or [])
    lens = prompt_len if isinstance(prompt_len, list) else [prompt_len] * n
    maxes = max_tokens if isinstance(max_tokens, list) else [max_tokens] * n
    if isinstance(arrival_time, list):
        arrivals: list[float | None] = list(arrival_time)
    else:
        arrivals = [arrival_time] * n
    if not (len(lens) == len(maxes) == len(arrivals) == n):
        raise ValueError("per-request lists must have n entries")

    block_hasher = get_request_block_hasher(block_size, _sha256)
    request_params = inspect.signature(Request.__init__).parameters

    requests: list[Request] = []
    for i in range(n):
        request_id = f"{id_prefix}{start_id + i}"
        total = lens[i]
        if total <= 0 or total < len(prefix):
            raise ValueError(f"prompt_len {total} must be > 0 and >= "
                             f"len(prefix) {len(prefix)}")
        prompt = prefix + _unique_tokens(request_id, total - len(prefix))
        sp = SamplingParams(
            max_tokens=maxes[i], ignore_eos=False, stop_token_ids=stop_token_ids
        )
        if hasattr(sp, "update_from_generation_config"):
            sp.update_from_generation_config({}, EOS_TOKEN_ID)
        kwargs: dict[str, Any] = dict(
            request_id=request_id,
            prompt_token_ids=prompt,
            sampling_params=sp,
            pooling_params=None,
            block_hasher=block_hasher,
            arrival_time=arrivals[i],
            priority=priority,
        )
        if "eos_token_id" in request_params:  # older V1 (<= ~0.11)
            kwargs["eos_token_id"] = EOS_TOKEN_ID
        if "mm_features" in request_params:
            kwargs["mm_features"] = None
        elif "multi_modal_inputs" in request_params:  # pragma: no cover
            kwargs.update(multi_modal_inputs=None, multi_modal_hashes=None,
                          multi_modal_placeholders=None)
        requests.append(Request(**{k: v for k, v in kwargs.items()
                                   if k in request_params}))
    return requests


def make_prefix(length: int, seed: int = 0) -> list[int]:
    """A reproducible token list to use as a shared ``prefix``."""
    rng = random.Random(7_777_777 + seed)
    return [rng.randint(_FIRST_FREE_TOKEN, VOCAB_SIZE - 1) for _ in range(length)]


# --------------------------------------------------------------------------
# 4. A fake model: ModelRunnerOutput for what was scheduled
# --------------------------------------------------------------------------

# Prompt lengths seen in NewRequestData, for callers that do not pass the
# scheduler to fake_model_output (the real model runner keeps the same state).
_PROMPT_LEN_SEEN: dict[str, int] = {}


def _samples_this_step(so: Any, req_id: str, n_sched: int,
                       scheduler: Scheduler | None) -> tuple[bool, int]:
    """(does the request sample a token this step, outputs it has so far)."""
    if scheduler is not None:
        req = scheduler.requests.get(req_id)
        if req is not None:
            # schedule() already advanced num_computed_tokens
            # (_update_after_schedule) and set is_prefill_chunk.
            done = req.num_computed_tokens >= req.num_tokens
            if hasattr(req, "is_prefill_chunk"):
                done = not req.is_prefill_chunk
            return done, req.num_output_tokens
    # Stateless fallback from the SchedulerOutput alone.
    for nrd in so.scheduled_new_reqs:
        if nrd.req_id == req_id:
            prompt = len(nrd.prompt_token_ids or [])
            _PROMPT_LEN_SEEN[req_id] = prompt
            tokens = getattr(nrd, "prefill_token_ids", None)
            total = len(tokens) if tokens else prompt
            return nrd.num_computed_tokens + n_sched >= total, total - prompt
    cached = so.scheduled_cached_reqs
    i = cached.req_ids.index(req_id)
    num_out = cached.num_output_tokens[i] if hasattr(cached, "num_output_tokens") else 0
    all_ids = getattr(cached, "all_token_ids", None) or {}
    if req_id in all_ids:
        total = len(all_ids[req_id])
    else:
        total = _PROMPT_LEN_SEEN.get(req_id, 0) + num_out
    return cached.num_computed_tokens[i] + n_sched >= total, num_out


def _fake_token(req_id: str, output_index: int) -> int:
    # Deterministic across processes (no hash()), never EOS, in the vocabulary.
    crc = zlib.crc32(f"{req_id}:{output_index}".encode())
    return _FIRST_FREE_TOKEN + crc % (VOCAB_SIZE - _FIRST_FREE_TOKEN)


def _wants_eos(eos_for: Any, req_id: str, output_index: int) -> bool:
    """output_index: 0-based index of the token being sampled now."""
    if eos_for is None:
        return False
    if callable(eos_for):
        return bool(eos_for(req_id, output_index))
    if isinstance(eos_for, Mapping):
        n = eos_for.get(req_id)
        return n is not None and output_index + 1 >= n
    return req_id in eos_for


def fake_model_output(
    scheduler_output: Any,
    eos_for: Any = None,
    *,
    scheduler: Scheduler | None = None,
) -> ModelRunnerOutput:
    """Build a real ``ModelRunnerOutput`` for ``scheduler_output``.

    For every scheduled request: one sampled token if this step completes its
    (re)prefill or it is decoding, ``[]`` for a partial prefill chunk.

    ``eos_for`` decides which requests sample ``EOS_TOKEN_ID`` (they then
    finish with ``stop``):

    * a collection of request ids: EOS at their next sampled token;
    * a mapping ``{req_id: n}``: EOS as their n-th output token (1-based);
    * a callable ``(req_id, output_index) -> bool`` (0-based index).

    Pass ``scheduler=`` for exact prefill/decode classification from the
    Request objects (``is_prefill_chunk``).  Without it the state is derived
    from the SchedulerOutput plus prompt lengths remembered from earlier
    ``NewRequestData`` (like a real model runner does).

    The ``ModelRunnerOutput`` is built with keyword arguments only:
    ``req_ids``, ``req_id_to_index``, ``sampled_token_ids``, ``logprobs=None``,
    ``prompt_logprobs_dict={}``, ``pooler_output=[]`` (each only if this
    version has the field); everything newer (``kv_connector_output``,
    ``num_nans_in_logits``, ``cudagraph_stats``, ...) keeps its default.
    """
    for gone in getattr(scheduler_output, "finished_req_ids", None) or ():
        _PROMPT_LEN_SEEN.pop(gone, None)
    req_ids = list(scheduler_output.num_scheduled_tokens)
    sampled: list[list[int]] = []
    for req_id in req_ids:
        n_sched = scheduler_output.num_scheduled_tokens[req_id]
        samples, num_out = _samples_this_step(
            scheduler_output, req_id, n_sched, scheduler
        )
        if not samples:
            sampled.append([])
        elif _wants_eos(eos_for, req_id, num_out):
            sampled.append([EOS_TOKEN_ID])
        else:
            sampled.append([_fake_token(req_id, num_out)])

    kwargs: dict[str, Any] = dict(
        req_ids=req_ids,
        req_id_to_index={r: i for i, r in enumerate(req_ids)},
        sampled_token_ids=sampled,
        logprobs=None,
        prompt_logprobs_dict={},
        pooler_output=[],
        # 0.9-era fields; filtered out when absent.
        spec_token_ids=None,
    )
    return ModelRunnerOutput(**_accepted_kwargs(ModelRunnerOutput, kwargs))


# --------------------------------------------------------------------------
# 5. The loop
# --------------------------------------------------------------------------


def cached_block_pairs(scheduler: Scheduler) -> set[tuple[Any, int]]:
    """Snapshot of the prefix-cache map as ``{(block_hash_key, block_id)}``.

    0.33: ``BlockPool.cached_block_hash_to_block`` is a ``BlockHashToBlockMap``
    whose ``_cache`` maps ``BlockHashWithGroupId`` to a ``KVCacheBlock`` or a
    ``{block_id: KVCacheBlock}`` dict.  Older versions used a plain
    ``dict[hash, dict[block_id, KVCacheBlock]]``.  Both are handled.
    """
    pool = scheduler.kv_cache_manager.block_pool
    m = pool.cached_block_hash_to_block
    raw = getattr(m, "_cache", m)
    pairs: set[tuple[Any, int]] = set()
    for key, val in raw.items():
        if isinstance(val, dict):
            for bid in val:
                pairs.add((key, bid))
        else:
            pairs.add((key, val.block_id))
    return pairs


@dataclass
class StepInfo:
    """What one schedule()/update_from_output() round did."""

    step: int
    num_scheduled_tokens: int
    num_scheduled_reqs: int
    new_req_ids: list[str]
    resumed_req_ids: list[str]
    prefill_chunk_req_ids: list[str]  # partial prefill (no token sampled)
    prefill_done_req_ids: list[str]  # prefill (or re-prefill) finished this step
    decode_req_ids: list[str]  # 1-token decode steps
    preempted_req_ids: list[str]  # SchedulerOutput.preempted_req_ids
    finished: dict[str, str]  # req_id -> finish reason (from EngineCoreOutputs)
    num_running: int
    num_waiting: int
    kv_usage: float  # scheduler.kv_cache_manager.usage after schedule()
    num_free_blocks: int  # block_pool.get_num_free_blocks() after schedule()
    kv_usage_after: float  # usage after update_from_output() (finished freed)
    cached_blocks_before: int  # (hash, block_id) pairs in the map before schedule()
    cached_blocks_after: int  # ... after update_from_output()
    evicted_pairs: int  # (hash, block_id) pairs gone from the map this step
    evicted_block_ids: list[int]  # their block ids (sorted)
    kv_removed_events: int  # BlockRemoved events published this step
    prefix_queries: int  # SchedulerStats.prefix_cache_stats (this step)
    prefix_hits: int
    preempted_prefix_hits: int
    preempted_events: int  # EngineCoreEvent PREEMPTED delivered this step
    stats: Any = None  # the SchedulerStats object of this step
    # tokens vLLM scheduled this step for each request in prefill (prompt or recomputation)
    prefill_tokens: dict[str, int] = field(default_factory=dict)

    @property
    def is_mixed(self) -> bool:
        """A partial prefill chunk and at least one decode in the same step."""
        return bool(self.prefill_chunk_req_ids) and bool(self.decode_req_ids)


@dataclass
class RunResult:
    steps: list[StepInfo] = field(default_factory=list)
    finished: dict[str, str] = field(default_factory=dict)  # id -> reason
    finished_requests: list[Request] = field(default_factory=list)
    num_preemptions: int = 0  # sum(Request.num_preemptions)
    preempted_events: int = 0  # EngineCoreEventType.PREEMPTED events seen
    preempted_step_ids: int = 0  # sum(len(SchedulerOutput.preempted_req_ids))
    prefix_requests: int = 0
    prefix_queries: int = 0
    prefix_hits: int = 0
    preempted_requests: int = 0
    preempted_queries: int = 0
    preempted_hits: int = 0
    evicted_pairs: int = 0  # from diffing cached_block_hash_to_block
    kv_removed_events: int = 0  # BlockRemoved events (vLLM's own)
    kv_eviction_metric_events: int = 0  # SchedulerStats.kv_cache_eviction_events
    max_cached_blocks: int = 0
    max_kv_usage: float = 0.0
    mixed_steps: int = 0
    max_prefill_steps_per_request: int = 0
    wall_s: float = 0.0
    unfinished: list[str] = field(default_factory=list)

    @property
    def num_steps(self) -> int:
        return len(self.steps)

    def summary(self) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        for r in self.finished.values():
            reasons[r] = reasons.get(r, 0) + 1
        return {
            "steps": self.num_steps,
            "wall_s": round(self.wall_s, 3),
            "finished": len(self.finished),
            "finish_reasons": reasons,
            "unfinished": len(self.unfinished),
            "preemptions(Request.num_preemptions)": self.num_preemptions,
            "preemptions(PREEMPTED events)": self.preempted_events,
            "preemptions(SchedulerOutput.preempted_req_ids)": self.preempted_step_ids,
            "prefix_cache(requests/queries/hits)": (
                self.prefix_requests, self.prefix_queries, self.prefix_hits),
            "prefix_cache_preempted(requests/queries/hits)": (
                self.preempted_requests, self.preempted_queries,
                self.preempted_hits),
            "evictions(map diff)": self.evicted_pairs,
            "evictions(BlockRemoved events)": self.kv_removed_events,
            "max_cached_blocks": self.max_cached_blocks,
            "max_kv_usage": round(self.max_kv_usage, 3),
            "mixed_prefill_decode_steps": self.mixed_steps,
            "max_prefill_steps_per_request": self.max_prefill_steps_per_request,
        }


def _normalize_add_at(add_at: Any) -> dict[int, list[Request]]:
    out: dict[int, list[Request]] = {}
    if not add_at:
        return out
    items: Iterable[tuple[int, Any]]
    items = add_at.items() if isinstance(add_at, Mapping) else add_at
    for step, reqs in items:
        if isinstance(reqs, Request):
            reqs = [reqs]
        out.setdefault(int(step), []).extend(reqs)
    return out


def _count_removed(batches: list[Any]) -> int:
    n = 0
    for batch in batches:
        for ev in getattr(batch, "events", ()):
            if type(ev).__name__ == "BlockRemoved":
                n += len(getattr(ev, "block_hashes", ()) or ()) or 1
    return n


def run(
    scheduler: Scheduler,
    requests: list[Request],
    max_steps: int = 10_000,
    on_step: Callable[[StepInfo, Scheduler], Any] | None = None,
    add_at: Mapping[int, list[Request]] | Iterable[tuple[int, Any]] | None = None,
    *,
    eos_for: Any = None,
) -> RunResult:
    """Drive the scheduler until every request finished (or ``max_steps``).

    ``requests`` are added before step 0; ``add_at`` maps a step number to
    requests added just before that step's ``schedule()`` (a dict, or
    ``(step, request_or_list)`` pairs).  When nothing is left to run before
    the next arrival the idle steps are skipped, not scheduled (EngineCore
    does not step an idle scheduler), so ``StepInfo.step`` can jump.  Each
    step is::

        so = scheduler.schedule()
        out = fake_model_output(so, eos_for, scheduler=scheduler)
        eco = scheduler.update_from_output(so, out)

    Finish reasons come from ``EngineCoreOutput.finish_reason`` of the
    ``EngineCoreOutputs`` that ``update_from_output`` returns; prefix cache
    counts from the per-step ``SchedulerStats`` (``make_stats`` is called by
    ``update_from_output`` and resets the counters each step); preemptions
    from the ``PREEMPTED`` events, ``SchedulerOutput.preempted_req_ids`` and
    ``Request.num_preemptions``; evictions from diffing
    ``block_pool.cached_block_hash_to_block`` around each step and from
    ``BlockRemoved`` KV events.  ``on_step(info, scheduler)`` is called after
    each step.
    """
    t0 = time.perf_counter()
    pending = _normalize_add_at(add_at)
    all_requests: dict[str, Request] = {}
    for req in requests:
        scheduler.add_request(req)
        all_requests[req.request_id] = req
    res = RunResult()
    kv_log: list[Any] | None = getattr(scheduler, "testbed_kv_event_batches", None)
    # req_id -> prefill steps (chunks, and re-prefills after preemption)
    prefill_passes: dict[str, int] = {}
    in_prefill: set[str] = set()

    step = 0
    while step < max_steps:
        for req in pending.pop(step, []):
            scheduler.add_request(req)
            all_requests[req.request_id] = req
        if not scheduler.has_unfinished_requests():
            if not pending:
                break
            # Nothing to run until the next arrival: EngineCore does not step
            # an idle scheduler, so neither do we (step numbers keep counting).
            step = min(pending)
            continue

        before = cached_block_pairs(scheduler)
        kv_mark = len(kv_log) if kv_log is not None else 0

        so = scheduler.schedule()
        kv_usage = scheduler.kv_cache_manager.usage
        num_free = scheduler.kv_cache_manager.block_pool.get_num_free_blocks()
        out = fake_model_output(so, eos_for, scheduler=scheduler)

        new_ids = [r.req_id for r in so.scheduled_new_reqs]
        cached = so.scheduled_cached_reqs
        resumed = getattr(cached, "resumed_req_ids", None)
        if resumed is None:  # older: resumed_from_preemption: list[bool]
            flags = getattr(cached, "resumed_from_preemption", [])
            resumed = {r for r, f in zip(cached.req_ids, flags) if f}
        resumed_ids = sorted(resumed)
        # In MRV2 mode resumed requests are sent as "new" requests.
        resumed_ids += [r for r in new_ids
                        if all_requests[r].num_preemptions > 0]
        new_ids = [r for r in new_ids if all_requests[r].num_preemptions == 0]

        # A request is "in prefill" from its (re)admission until it samples.
        in_prefill.update(new_ids)
        in_prefill.update(resumed_ids)
        prefill_chunk, prefill_done, decode = [], [], []
        for i, rid in enumerate(out.req_ids):
            if rid in in_prefill:
                prefill_passes[rid] = prefill_passes.get(rid, 0) + 1
            if not out.sampled_token_ids[i]:
                prefill_chunk.append(rid)
                in_prefill.add(rid)
            elif rid in in_prefill:
                prefill_done.append(rid)
                in_prefill.discard(rid)
            else:
                decode.append(rid)

        eco = scheduler.update_from_output(so, out)

        after = cached_block_pairs(scheduler)
        gone = before - after
        evicted = len(gone)
        kv_usage_after = scheduler.kv_cache_manager.usage

        finished: dict[str, str] = {}
        preempted_events = 0
        stats = None
        for outs in eco.values():
            if getattr(outs, "scheduler_stats", None) is not None:
                stats = outs.scheduler_stats
            for o in outs.outputs:
                for ev in o.events or ():
                    if ev.type == EngineCoreEventType.PREEMPTED:
                        preempted_events += 1
                if o.finish_reason is not None:
                    finished[o.request_id] = _reason_name(o.finish_reason)
        pcs = getattr(stats, "prefix_cache_stats", None)
        removed = _count_removed(kv_log[kv_mark:]) if kv_log is not None else 0
        num_running, num_waiting = (
            scheduler.get_request_counts()
            if hasattr(scheduler, "get_request_counts")
            else (len(scheduler.running), len(scheduler.waiting))
        )
        preempted_ids = sorted(so.preempted_req_ids or ())
        info = StepInfo(
            step=step,
            num_scheduled_tokens=so.total_num_scheduled_tokens,
            num_scheduled_reqs=len(so.num_scheduled_tokens),
            new_req_ids=new_ids,
            resumed_req_ids=resumed_ids,
            prefill_chunk_req_ids=prefill_chunk,
            prefill_done_req_ids=prefill_done,
            decode_req_ids=decode,
            preempted_req_ids=preempted_ids,
            finished=finished,
            num_running=num_running,
            num_waiting=num_waiting,
            kv_usage=kv_usage,
            num_free_blocks=num_free,
            kv_usage_after=kv_usage_after,
            cached_blocks_before=len(before),
            cached_blocks_after=len(after),
            evicted_pairs=evicted,
            evicted_block_ids=sorted(bid for _, bid in gone),
            kv_removed_events=removed,
            prefix_queries=getattr(pcs, "queries", 0),
            prefix_hits=getattr(pcs, "hits", 0),
            preempted_prefix_hits=getattr(pcs, "preempted_hits", 0),
            preempted_events=preempted_events,
            stats=stats,
            prefill_tokens={rid: so.num_scheduled_tokens[rid] for rid in prefill_chunk + prefill_done},
        )
        res.steps.append(info)
        res.finished.update(finished)
        res.preempted_events += preempted_events
        res.preempted_step_ids += len(preempted_ids)
        if pcs is not None:
            res.prefix_requests += pcs.requests
            res.prefix_queries += pcs.queries
            res.prefix_hits += pcs.hits
            res.preempted_requests += getattr(pcs, "preempted_requests", 0)
            res.preempted_queries += getattr(pcs, "preempted_queries", 0)
            res.preempted_hits += getattr(pcs, "preempted_hits", 0)
        res.kv_eviction_metric_events += len(
            getattr(stats, "kv_cache_eviction_events", None) or ()
        )
        res.evicted_pairs += evicted
        res.kv_removed_events += removed
        res.max_cached_blocks = max(res.max_cached_blocks, len(after), len(before))
        res.max_kv_usage = max(res.max_kv_usage, kv_usage)
        res.mixed_steps += info.is_mixed
        if on_step is not None:
            on_step(info, scheduler)
        step += 1

    res.finished_requests = [all_requests[r] for r in res.finished]
    res.num_preemptions = sum(r.num_preemptions for r in all_requests.values())
    res.unfinished = [r for r, q in all_requests.items() if not q.is_finished()]
    res.unfinished += [q.request_id for reqs in pending.values() for q in reqs]
    res.max_prefill_steps_per_request = max(prefill_passes.values(), default=0)
    res.wall_s = time.perf_counter() - t0
    return res


# --------------------------------------------------------------------------
# 6. Workloads
# --------------------------------------------------------------------------


def overflow_workload(model_dir: str | None = None):
    """A KV cache too small for the running set: preemption and resume.

    39 usable blocks of 16 tokens; 8 requests of 64-token prompts (4 blocks
    each, so all 8 are admitted: ``scheduler_reserve_full_isl`` only checks
    the prompt) that each want 96 more tokens (10 blocks at the end).  Decode
    growth runs the pool dry, ``allocate_slots`` returns None and FCFS
    preempts the newest running request (``Scheduler._preempt_request``);
    preempted requests are re-admitted later (``scheduled_resumed_reqs``),
    partly re-using their own still-cached blocks (``preempted_hits``).
    Returns ``(scheduler, requests, add_at)``.
    """
    sched = make_scheduler(
        model_dir,
        num_blocks=40,
        block_size=16,
        max_num_seqs=8,
        max_num_batched_tokens=512,
        max_model_len=1024,
    )
    reqs = make_requests(8, 64, 96, scheduler=sched, id_prefix="ovf-")
    return sched, reqs, {}


def shared_prefix_workload(model_dir: str | None = None):
    """Shared prefixes: prefix-cache hits, then evictions of cached blocks.

    Three 96-token system prompts (6 blocks each), four requests per prompt
    with a 16-token unique tail and 8 output tokens.  Group A arrives at step
    0, group B at step 12, group C at step 24 and group A again at step 36.
    Within a group the first request computes the prefix and the others hit
    it (blocks are cached at allocation time, so even same-step hits count).
    A group needs 14 blocks at once (6 shared + 4 x (tail + decode block))
    and leaves 10 cached blocks behind (6 prefix + 4 tails; the partial
    decode block is never cached).  The pool has 28 usable blocks, so from
    group C on, new allocations pop freed-but-cached blocks of earlier groups
    off the free queue (LRU; a request's tail blocks are freed first so they
    are evicted first): ``BlockPool.get_new_blocks`` ->
    ``_maybe_evict_cached_block`` drops their hashes and
    ``cached_block_hash_to_block`` shrinks.  When group A returns, only the
    first 4 blocks of its prefix survive (a partial cross-group hit).
    Returns ``(scheduler, requests, add_at)``.
    """
    sched = make_scheduler(
        model_dir,
        num_blocks=29,
        block_size=16,
        max_num_seqs=8,
        max_num_batched_tokens=512,
        max_model_len=1024,
        kv_cache_metrics=True,  # vLLM's own block lifetimes: ground truth for eviction ages
    )
    prefixes = [make_prefix(96, seed=s) for s in range(3)]

    def group(g: int, start: int, tag: str) -> list[Request]:
        return make_requests(4, 96 + 16, 8, prefix=prefixes[g], start_id=start,
                             scheduler=sched, id_prefix=f"pfx{tag}-")

    reqs = group(0, 0, "A")
    add_at = {12: group(1, 100, "B"), 24: group(2, 200, "C"),
              36: group(0, 300, "A2")}
    return sched, reqs, add_at


def chunked_prefill_workload(model_dir: str | None = None):
    """Long prompts split into prefill chunks, mixed with decodes.

    ``max_num_batched_tokens=64``: four short requests (16-token prompts, 48
    output tokens) start decoding; a 301-token and a 300-token prompt arrive at
    steps 2 and 12.  Running (decoding) requests are scheduled first, one token
    each; the rest of the 64-token budget goes to the long prompt, whose prefill
    is split over ~5 steps (``is_prefill_chunk``; the fake model samples nothing
    for those chunks).  The first one's last chunk is a single token, in a step
    where every other request decodes one token: one token per request, yet not
    a pure decode step.  Returns ``(scheduler, requests, add_at)``.
    """
    sched = make_scheduler(
        model_dir,
        num_blocks=256,
        block_size=16,
        max_num_seqs=8,
        max_num_batched_tokens=64,
        max_model_len=1024,
    )
    short = make_requests(4, 16, 48, scheduler=sched, id_prefix="chk-s")
    long = make_requests(2, [301, 300], 8, start_id=10, scheduler=sched, id_prefix="chk-l")
    return sched, short, {2: [long[0]], 12: [long[1]]}


# --------------------------------------------------------------------------
# Self-check
# --------------------------------------------------------------------------


def _fmt_step(i: StepInfo) -> str:
    parts = [f"step {i.step:3d}: {i.num_scheduled_tokens:3d} tok"]
    if i.new_req_ids:
        parts.append(f"new={len(i.new_req_ids)}")
    if i.resumed_req_ids:
        parts.append(f"resumed={i.resumed_req_ids}")
    if i.prefill_chunk_req_ids:
        parts.append(f"partial-prefill={i.prefill_chunk_req_ids}")
    if i.prefill_done_req_ids:
        parts.append(f"prefill-done={len(i.prefill_done_req_ids)}")
    if i.decode_req_ids:
        parts.append(f"decodes={len(i.decode_req_ids)}")
    if i.preempted_req_ids:
        parts.append(f"PREEMPTED={i.preempted_req_ids}")
    if i.prefix_queries:
        parts.append(f"prefix hits={i.prefix_hits}/{i.prefix_queries}")
    if i.preempted_prefix_hits:
        parts.append(f"preempted-req hits={i.preempted_prefix_hits}")
    parts.append(f"cached {i.cached_blocks_before}->{i.cached_blocks_after}")
    if i.evicted_pairs:
        parts.append(f"evicted={i.evicted_pairs}")
    parts.append(f"usage={i.kv_usage:.2f}")
    if i.finished:
        parts.append(f"finished={i.finished}")
    return "  " + ", ".join(parts)


def _self_check() -> int:
    print(f"vllm {VLLM_VERSION}, torch {torch.__version__}, "
          f"cuda available: {torch.cuda.is_available()}")
    model_dir = make_model_dir(tempfile.mkdtemp(prefix="vllm-testbed-"), "dense")
    moe_dir = make_model_dir(tempfile.mkdtemp(prefix="vllm-testbed-moe-"), "moe")
    t = time.perf_counter()
    moe = make_scheduler(moe_dir, num_blocks=32)
    mc = moe.vllm_config.model_config
    n_exp = mc.get_num_experts() if hasattr(mc, "get_num_experts") else "?"
    print(f"moe model dir: {getattr(mc, 'architecture', '')}, experts={n_exp}, "
          f"Scheduler built in {time.perf_counter() - t:.2f}s "
          "(the first build in a process pays for lazy vLLM imports)")

    failures: list[str] = []

    def check(cond: bool, what: str) -> None:
        if not cond:
            failures.append(what)
            print(f"  FAIL: {what}")

    workloads: list[tuple[str, Callable[..., Any], Any, Callable[[StepInfo], bool]]] = [
        ("overflow", overflow_workload, None,
         lambda i: bool(i.preempted_req_ids or i.resumed_req_ids)),
        ("shared_prefix", shared_prefix_workload, {"pfxB-101": 3},
         lambda i: bool(i.new_req_ids or i.evicted_pairs)),
        ("chunked_prefill", chunked_prefill_workload, {"chk-s3": 10},
         lambda i: bool(i.prefill_chunk_req_ids or i.prefill_done_req_ids)),
    ]
    for name, factory, eos_for, interesting in workloads:
        t = time.perf_counter()
        sched, reqs, add_at = factory(model_dir)
        build_s = time.perf_counter() - t
        n_total = len(reqs) + sum(len(v) for v in add_at.values())
        res = run(sched, reqs, max_steps=2000, add_at=add_at, eos_for=eos_for)
        print(f"\n== {name}: {type(sched).__module__}.{type(sched).__name__} "
              f"(built in {build_s:.2f}s, ran in {res.wall_s:.2f}s; "
              f"eos_for={eos_for})")
        for k, v in res.summary().items():
            print(f"  {k}: {v}")
        shrink = [i.step for i in res.steps
                  if i.cached_blocks_after < i.cached_blocks_before]
        print(f"  steps where the cached-block map shrank: {shrink[:12]}"
              f"{' ...' if len(shrink) > 12 else ''}")
        print("  timeline (selected steps):")
        for i in [i for i in res.steps if interesting(i)][:12]:
            print(_fmt_step(i))

        check(len(res.finished) == n_total and not res.unfinished,
              f"{name}: all {n_total} requests finish")
        check(res.wall_s < 5.0, f"{name}: runs in a couple of seconds")
        if sched.kv_cache_manager.enable_caching and hasattr(
                sched, "testbed_kv_event_batches"):
            check(res.evicted_pairs == res.kv_removed_events,
                  f"{name}: map-diff evictions == BlockRemoved events")
        if eos_for:
            check(all(res.finished.get(r) == "stop" for r in eos_for),
                  f"{name}: eos_for requests finish with 'stop'")
        if name == "overflow":
            check(res.num_preemptions > 0, "overflow: preemptions > 0")
            check(res.num_preemptions == res.preempted_events
                  == res.preempted_step_ids,
                  "overflow: preemption counters agree")
            check(any(i.resumed_req_ids for i in res.steps),
                  "overflow: preempted requests resumed")
            check(res.preempted_requests > 0,
                  "overflow: PrefixCacheStats.preempted_requests > 0")
        elif name == "shared_prefix":
            check(res.prefix_hits > 0, "shared_prefix: prefix hits > 0")
            check(res.evicted_pairs > 0, "shared_prefix: evictions > 0")
            check(bool(shrink), "shared_prefix: cached map shrinks")
        else:
            check(res.max_prefill_steps_per_request >= 3,
                  "chunked_prefill: a prompt split into >= 3 chunks")
            check(res.mixed_steps > 0,
                  "chunked_prefill: prefill chunks mixed with decodes")
    print()
    if failures:
        print(f"SELF-CHECK FAILED: {len(failures)} problem(s)")
        return 1
    print("SELF-CHECK OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(_self_check())
