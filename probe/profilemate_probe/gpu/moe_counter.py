"""ExpertCounter: MoE routing statistics accumulated on the GPU, safe under CUDA graphs.

    counter = ExpertCounter(num_layers=48, num_experts=128, top_k=8, device="cuda:0")
    counter.record(layer_idx, topk_ids, topk_weights)      # in the router hook, every layer
    snap = counter.read_and_reset()                        # every N steps, off the hot path

All statistics live in ONE fixed int64 device buffer, viewed as
    counts      [L, E]        tokens routed to each expert
    coselection [L, E, E]     token picked both experts (stored one-sided, symmetrised on read)
    weight_hist [L, E, BINS]  routing weight histogram over weight_range (default [0, 1])
    calls       [L]           record() launches that ran on the device per layer
    samples     [L, S, 1+2K]  routing weights of up to S tokens of the layer's last launch with real rows: the
                              token's row, its K expert ids, its K weights (float32 bits)
    sampled     [L]           how many of those S rows hold a sample (0: none since the reset)
    tokens      [L]           real rows (tokens) each layer routed: its shared experts' tokens, and
                              sum(counts) == tokens * top_k when every id is a routed expert
so a read is one device-to-host copy and a reset one zero_(). The S sampled rows are spread
evenly over the launch's real rows (sample_rows); a launch without weights samples nothing.

record() is graph-safe: no host synchronisation, no .item(), no allocation on the triton
path, fixed shapes and fixed buffer addresses. On CUDA with triton it is ONE fused kernel
launch (counts + co-selection pairs + weight histogram, integer atomics, so results are exact
and deterministic). Inside a torch.cuda.graph capture the launch is recorded and then runs on
every replay; under torch.compile record() goes through the opaque custom op
`torch.ops.profilemate.moe_record` (mutates_args=("buf",)), so Dynamo does not trace into it.
Without triton (or with backend="torch", or on the CPU) the same statistics come from a few
in-place torch ops (index_add_), equally graph-safe but several kernels.

Padding rows (CUDA-graph padding) can be excluded with num_valid_tokens: a device int tensor
of one element holding the number of real tokens, read on the device (so it may change
between graph replays; fill it before the step, e.g. tensor.fill_(n)).

sample_every=N > 1 records one launch in N per layer (the 1st, N+1th, ...), decided on the
device from the per-layer launch counter, so sampling also holds inside graph replays.
"""
import contextlib
import time

_monotonic_ns = time.monotonic_ns

OP_NAME = "profilemate::moe_record"
BACKENDS = ("auto", "triton", "torch")
_TRITON_STATE = {"kernel": None, "error": None}   # kernel: None untried, False unavailable
_OP_STATE = {"op": None, "error": None}
SAMPLED_PROGRAMS = 32       # fixed grid in sampled mode: launch index = ticket // SAMPLED_PROGRAMS
MAX_PROGRAMS = 256
# layers one step launch takes: its arguments (two pointers and an int a layer) stay well inside
# CUDA's 4 KB of kernel parameters; a model with more MoE layers takes two launches a step
MAX_STEP_LAYERS = 128
# the largest step whose layers are kept for one launch: holding every layer's top-k tensors until
# the last layer raises peak activation memory (which vLLM's profile run charges to the KV cache) by
# layers x tokens x top_k x 8 bytes; a bigger step (prefill) launches per layer, where one launch
# more per layer is nothing beside its compute. 1,024 is above vLLM's largest CUDA-graph size (512)
KEEP_MAX_TOKENS = 1024


def _next_pow2(n):
    p = 1
    while p < n:
        p *= 2
    return p


# --------------------------------------------------------------------------------------
# triton kernel (defined on first use)
# --------------------------------------------------------------------------------------
def triton_kernel():
    """The fused kernel, or None when triton cannot be imported."""
    if _TRITON_STATE["kernel"] is None:
        try:
            _TRITON_STATE["kernel"] = _define_kernel()
        except Exception as exc:   # no triton, or a triton without what we use
            _TRITON_STATE["kernel"] = False
            _TRITON_STATE["error"] = "%s: %s" % (type(exc).__name__, exc)
    return _TRITON_STATE["kernel"] or None


def _define_kernel():
    from . import moe_kernels
    return moe_kernels._moe_record_kernel


_STEP_KERNELS = {}


def step_kernel(n):
    """The kernel that records n layers' routing in ONE launch (grid axis 1 = the layer's slot):
    the layers' tensors are its arguments (ids_i, w_i, layer_i), so a CUDA graph that captures the
    launch replays it with the same addresses, and no pointer table has to reach the device.
    Generated per n because a kernel's arguments are fixed; None without triton."""
    if triton_kernel() is None:
        return None
    kernel = _STEP_KERNELS.get(n)
    if kernel is None:
        kernel = _STEP_KERNELS[n] = _define_step_kernel(n)
    return kernel


def _define_step_kernel(n):
    from . import moe_kernels
    return moe_kernels.step_kernel(n)


# --------------------------------------------------------------------------------------
# implementations (shared by the direct path and the custom op)
# --------------------------------------------------------------------------------------
def _block_t(kp, cosel):
    per_token = kp * kp if cosel else kp
    return max(16, min(128, 4096 // per_token))


def _launch_triton(kernel, buf, ids, w, nvalid, layer, L, E, K, bins, w_lo, w_scale, sample_every, cosel, samples):
    T = ids.shape[0]
    if T == 0:
        return
    kp = _next_pow2(max(K, 2))
    bt = _block_t(kp, cosel and K > 1)
    if sample_every > 1:
        grid = (SAMPLED_PROGRAMS,)
    else:
        grid = (min(MAX_PROGRAMS, (T + bt - 1) // bt),)
    kernel[grid](ids, ids if w is None else w, ids if nvalid is None else nvalid, buf, T, layer,
                 L=L, E=E, K=K, KP=kp, BINS=bins, W_LO=w_lo, W_SCALE=w_scale,
                 HAS_W=w is not None, HAS_NVALID=nvalid is not None, COSEL=bool(cosel and K > 1),
                 SAMPLE_EVERY=sample_every, BLOCK_T=bt, SAMPLES=samples, num_warps=4)


def sample_rows(n, samples):
    """Which of a launch's n real rows are sampled: all when n <= samples, else `samples` rows
    spread evenly over them."""
    if n <= samples:
        return list(range(n))
    return [(s * n) // samples for s in range(samples)]


def _record_torch(buf, ids, w, nvalid, layer, L, E, K, bins, w_lo, w_scale, sample_every, cosel, pairs, samples):
    import torch
    counts, cos, hist, calls = _views(buf, L, E, bins)
    T = ids.shape[0]
    call = calls.narrow(0, layer, 1)
    call.add_(1)
    if T == 0:
        return
    ids = ids.long()
    valid = (ids >= 0) & (ids < E)
    n = torch.full((1,), T, dtype=torch.long, device=ids.device)
    if nvalid is not None:
        n = torch.minimum(n, nvalid.reshape(-1)[:1].to(torch.long))
        rows = torch.arange(T, device=ids.device)
        valid = valid & (rows < n)[:, None]
    if sample_every > 1:
        keep = (call - 1) % sample_every == 0
        valid = valid & keep
        n = n * keep
    _tokens_view(buf, L, E, bins, K, samples).narrow(0, layer, 1).add_(n)
    if samples and w is not None:
        _sample_torch(buf, ids, w, n, layer, L, E, K, bins, samples)
    idc = torch.where(valid, ids, torch.zeros_like(ids))
    one = valid.to(torch.long)
    counts[layer].index_add_(0, idc.reshape(-1), one.reshape(-1))
    if w is not None:
        b = (w.to(torch.float32) - w_lo) * w_scale
        b = torch.where(b == b, b, torch.zeros_like(b)).clamp(0.0, bins - 1.0).to(torch.long)
        hist[layer].view(-1).index_add_(0, (idc * bins + b).reshape(-1), one.reshape(-1))
    if cosel and K > 1:
        pi, pj = pairs
        pv = (valid.index_select(1, pi) & valid.index_select(1, pj)).to(torch.long)
        flat = idc.index_select(1, pi) * E + idc.index_select(1, pj)
        cos[layer].view(-1).index_add_(0, flat.reshape(-1), pv.reshape(-1))


def _sample_torch(buf, ids, w, n, layer, L, E, K, bins, samples):
    """The kernel's sample, in torch ops on the device (no host sync): n is a [1] device tensor."""
    import torch
    rows_v, sampled = _sample_views(buf, L, E, bins, K, samples)
    offs = torch.arange(samples, device=ids.device)
    m = torch.clamp(n, max=samples)
    rows = torch.where(n > samples, (offs * n) // samples, offs).clamp(max=ids.shape[0] - 1)
    bits = w.to(torch.float32).contiguous().view(torch.int32).to(torch.long)
    new = torch.cat([rows[:, None], ids.index_select(0, rows), bits.index_select(0, rows)], 1)
    mine = rows_v[layer]
    mine.copy_(torch.where((offs < m)[:, None], new, mine))
    slot = sampled.narrow(0, layer, 1)
    slot.copy_(torch.where(m > 0, m, slot))


def _layout(L, E, K, bins, samples):
    """Where each statistic starts in the buffer (the kernel's *_OFF): coselection, weight_hist,
    calls, samples, sampled, tokens; and the buffer's size."""
    cos = L * E
    hist = cos + L * E * E
    calls = hist + L * E * bins
    smp = calls + L
    sampled = smp + L * samples * (1 + 2 * K)
    tokens = sampled + L
    return cos, hist, calls, smp, sampled, tokens, tokens + L


def _views(buf, L, E, bins):
    a, b, c = _layout(L, E, 1, bins, 0)[:3]
    return (buf[:a].view(L, E), buf[a:b].view(L, E, E), buf[b:c].view(L, E, bins), buf[c:c + L])


def _sample_views(buf, L, E, bins, K, samples):
    """samples [L, S, 1+2K] and sampled [L], after calls in the buffer."""
    a, b, end = _layout(L, E, K, bins, samples)[3:6]
    return buf[a:b].view(L, samples, 1 + 2 * K), buf[b:end]


def _tokens_view(buf, L, E, bins, K, samples):
    """tokens [L], the buffer's last statistic."""
    a, end = _layout(L, E, K, bins, samples)[5:]
    return buf[a:end]


def _pairs(K, device):
    import torch
    pi = [i for i in range(K) for j in range(i + 1, K)]
    pj = [j for i in range(K) for j in range(i + 1, K)]
    return (torch.tensor(pi, dtype=torch.long, device=device), torch.tensor(pj, dtype=torch.long, device=device))


_PAIRS_CACHE = {}


def _record_any(buf, ids, w, nvalid, layer, L, E, K, bins, w_lo, w_scale, sample_every, cosel, use_triton,
                samples):
    if use_triton:
        kernel = triton_kernel()
        if kernel is not None:
            _launch_triton(kernel, buf, ids, w, nvalid, layer, L, E, K, bins, w_lo, w_scale, sample_every, cosel,
                           samples)
            return
    key = (K, str(buf.device))
    pairs = _PAIRS_CACHE.get(key)
    if pairs is None:
        pairs = _PAIRS_CACHE[key] = _pairs(K, buf.device)
    _record_torch(buf, ids, w, nvalid, layer, L, E, K, bins, w_lo, w_scale, sample_every, cosel, pairs, samples)


def custom_op():
    """Registers (once) and returns torch.ops.profilemate.moe_record, or None if impossible."""
    if _OP_STATE["op"] is None:
        try:
            _OP_STATE["op"] = _register_op()
        except Exception as exc:
            _OP_STATE["op"] = False
            _OP_STATE["error"] = "%s: %s" % (type(exc).__name__, exc)
    return _OP_STATE["op"] or None


def _register_op():
    import torch
    from typing import Optional

    ns, name = OP_NAME.split("::")
    try:
        return getattr(getattr(torch.ops, ns), name)     # registered earlier in this process
    except (AttributeError, RuntimeError):
        pass

    def moe_record(buf: torch.Tensor, topk_ids: torch.Tensor, topk_weights: Optional[torch.Tensor],
                   num_valid: Optional[torch.Tensor], layer: int, num_layers: int, num_experts: int,
                   top_k: int, bins: int, w_lo: float, w_scale: float, sample_every: int,
                   coselection: bool, use_triton: bool, samples: int) -> None:
        _record_any(buf, topk_ids, topk_weights, num_valid, layer, num_layers, num_experts, top_k, bins,
                    w_lo, w_scale, sample_every, coselection, use_triton, samples)

    op = torch.library.custom_op(OP_NAME, moe_record, mutates_args=("buf",))

    @op.register_fake
    def _fake(buf, topk_ids, topk_weights, num_valid, layer, num_layers, num_experts, top_k, bins,
              w_lo, w_scale, sample_every, coselection, use_triton, samples):
        return None

    return getattr(getattr(torch.ops, ns), name)


def _direct(kernel, args, kw, grid):
    """(run, function, packed metadata, constexpr tail) of the kernel compiled for these arguments:
    what a direct launcher passes to run() itself, skipping triton's per-call argument binding."""
    compiled = kernel.warmup(*args, grid=grid, **kw)
    compiled._init_handles()
    tail = tuple(kw[name] for name in list(kernel.arg_names)[len(args):])
    return compiled.run, compiled.function, compiled.packed_metadata, tail


def _is_compiling_fn():
    import torch
    fn = getattr(getattr(torch, "compiler", None), "is_compiling", None)
    if fn is None:
        fn = getattr(getattr(torch, "_dynamo", None), "is_compiling", None)
    return fn or (lambda: False)


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------
class ExpertSnapshot:
    """Host copy of the statistics (CPU int64 tensors). coselection is symmetric, diagonal 0."""
    __slots__ = ("counts", "coselection", "weight_hist", "calls", "t_ns", "sample_every", "top_k", "samples",
                 "token_rows")

    def __init__(self, counts, coselection, weight_hist, calls, t_ns, sample_every, top_k, samples=(),
                 token_rows=None):
        self.counts = counts
        self.coselection = coselection
        self.weight_hist = weight_hist
        self.calls = calls
        self.t_ns = t_ns
        self.sample_every = sample_every
        self.top_k = top_k
        self.samples = samples   # (layer, token row, expert, weight) of each layer's last launch
        self.token_rows = token_rows  # [L] real rows each layer routed, counted on the device

    def tokens(self):
        """Routed tokens per layer: the rows counted on the device (counts summed over experts /
        top_k where a snapshot has none)."""
        if self.token_rows is not None:
            return self.token_rows
        return self.counts.sum(dim=1) // max(1, self.top_k)

    def as_lists(self):
        return {"counts": self.counts.tolist(), "coselection": self.coselection.tolist(),
                "weight_hist": self.weight_hist.tolist(), "calls": self.calls.tolist(), "t_ns": self.t_ns}


class PendingRead:
    """An in-flight device-to-host copy of the counter (see ExpertCounter.start_read)."""

    def __init__(self, counter, host, event, t_ns):
        self._counter = counter
        self._host = host
        self._event = event
        self._t_ns = t_ns
        self._snap = None

    def ready(self):
        return self._snap is not None or self._event is None or self._event.query()

    def result(self):
        """The snapshot; waits for this copy only (event.synchronize), never the whole device."""
        if self._snap is None:
            if self._event is not None:
                self._event.synchronize()
            self._snap = self._counter._snapshot(self._host, self._t_ns)
            self._counter._release_host(self._host)
            self._host = None
        return self._snap


class ExpertCounter:
    """Per-layer MoE expert statistics in fixed device buffers; see the module docstring.

    ExpertCounter(num_layers, num_experts, top_k, device, weight_bins=20, sample_every=1,
                  weight_range=(0.0, 1.0), coselection=True, backend="auto", fast_launch=True,
                  weight_samples=8, per_step=True)
    weight_samples: tokens whose routing weights each layer keeps from its last launch (a power
    of two, at most 64; 0 keeps none)
    per_step: with the triton kernel, record() keeps each layer's tensors and ONE launch counts
    all the layers of a step (see _keep); False launches once per layer. A counter is fed by one
    thread at a time (vLLM's model runner; its dual-batch-overlap threads take strict turns).
    """

    def __init__(self, num_layers, num_experts, top_k, device, weight_bins=20, sample_every=1,
                 weight_range=(0.0, 1.0), coselection=True, backend="auto", fast_launch=True,
                 weight_samples=8, per_step=True):
        import torch
        if backend not in BACKENDS:
            raise ValueError("backend must be one of %s" % (BACKENDS,))
        self.num_layers = L = int(num_layers)
        self.num_experts = E = int(num_experts)
        self.top_k = K = int(top_k)
        self.weight_bins = B = int(weight_bins)
        self.sample_every = max(1, int(sample_every))
        lo, hi = float(weight_range[0]), float(weight_range[1])
        self.weight_samples = S = int(weight_samples)
        if not (L > 0 and E > 0 and K > 0 and B > 0 and hi > lo):
            raise ValueError("bad ExpertCounter shape")
        if S < 0 or S > 64 or S & (S - 1):
            raise ValueError("weight_samples must be 0 or a power of two up to 64")
        self.weight_range = (lo, hi)
        self._w_lo, self._w_scale = lo, B / (hi - lo)
        self.coselection_enabled = bool(coselection)
        self.device = torch.device(device)
        if self.device.type == "cuda" and self.device.index is None:
            self.device = torch.device("cuda", torch.cuda.current_device())
        self.buf = torch.zeros(_layout(L, E, K, B, S)[-1], dtype=torch.int64, device=self.device)
        self.counts, self.coselection, self.weight_hist, self.calls = _views(self.buf, L, E, B)
        self._pairs = _pairs(K, self.device)
        _PAIRS_CACHE[(K, str(self.buf.device))] = self._pairs
        self._torch = torch
        self._is_compiling = _is_compiling_fn()
        self._capturing = (torch.cuda.is_current_stream_capturing if self.device.type == "cuda"
                           else (lambda: False))
        want_triton = backend == "triton" or (backend == "auto" and self.device.type == "cuda")
        self._kernel = triton_kernel() if want_triton else None
        if backend == "triton" and self._kernel is None:
            raise RuntimeError("triton backend unavailable: %s" % _TRITON_STATE["error"])
        self.backend = "triton" if self._kernel is not None else "torch"
        self._use_triton = self._kernel is not None
        self._hosts = []            # free pinned host buffers (reused)
        self._kp = _next_pow2(max(K, 2))
        self._bt = _block_t(self._kp, self.coselection_enabled and K > 1)
        self._cosel_kernel = bool(self.coselection_enabled and K > 1)
        # registered now, not while Dynamo traces record() (it cannot trace the registration)
        self._op = custom_op()
        self.fast_launch_error = None
        use_fast = fast_launch and self._kernel is not None and self.device.type == "cuda"
        self._fast = {} if use_fast else None
        # one launch per step: the layers' (layer, ids, weights) since the last launch, and what
        # they must share to go in one launch (rows, dtypes, the padding mask, stream, capture)
        self.per_step = bool(per_step) and self._kernel is not None
        self.per_step_error = None
        self.last_layer = L - 1
        self._stash = []
        self._stash_key = None
        self._stash_layer = -1
        self._stash_nv = None
        self._stream = (self._torch._C._cuda_getCurrentRawStream if self.device.type == "cuda"
                        else (lambda dev: 0))
        self.launches = 0          # record launches so far (per layer, or per step)
        self.keep_max_tokens = KEEP_MAX_TOKENS
        self._warm = False

    # -- hot path ----------------------------------------------------------------------
    def record(self, layer_idx, topk_ids, topk_weights=None, num_valid_tokens=None, keep=True):
        """Accumulates one layer's routing: topk_ids [T, top_k] (any int dtype; ids outside
        [0, E) are ignored), topk_weights [T, top_k] (float) or None, num_valid_tokens a
        one-element device int tensor or None. Graph-safe; no host sync. keep=False counts now
        even in per-step mode: for tensors the caller changes in place afterwards."""
        K = self.top_k
        if topk_ids.shape[-1] != K:
            raise ValueError("topk_ids last dim %d != top_k %d" % (topk_ids.shape[-1], K))
        if not 0 <= layer_idx < self.num_layers:
            raise IndexError("layer_idx %r out of range" % (layer_idx,))
        if topk_ids.dim() != 2 or not topk_ids.is_contiguous():
            topk_ids = topk_ids.reshape(-1, K).contiguous()
        if topk_weights is not None and (topk_weights.dim() != 2 or not topk_weights.is_contiguous()):
            topk_weights = topk_weights.reshape(-1, K).contiguous()
        op = self._op
        if op is not None and self._is_compiling():
            op(self.buf, topk_ids, topk_weights, num_valid_tokens, int(layer_idx), self.num_layers,
               self.num_experts, K, self.weight_bins, self._w_lo, self._w_scale, self.sample_every,
               self.coselection_enabled, self._use_triton, self.weight_samples)
            return
        if self._kernel is not None:
            T = topk_ids.shape[0]
            if T == 0:
                return
            if self.per_step and keep and T <= self.keep_max_tokens:
                self._keep(layer_idx, topk_ids, topk_weights, num_valid_tokens, T)
            else:
                self._launch(layer_idx, topk_ids, topk_weights, num_valid_tokens, T, None)
            return
        _record_torch(self.buf, topk_ids, topk_weights, num_valid_tokens, layer_idx, self.num_layers,
                      self.num_experts, K, self.weight_bins, self._w_lo, self._w_scale, self.sample_every,
                      self.coselection_enabled, self._pairs, self.weight_samples)

    def _launch(self, layer_idx, topk_ids, topk_weights, num_valid_tokens, T, stream):
        """One layer's kernel launch, on `stream` (a raw CUDA stream) or the current one (None)."""
        kernel = self._kernel
        self.launches += 1
        grid0 = self._programs(T)
        w = topk_ids if topk_weights is None else topk_weights
        nv = topk_ids if num_valid_tokens is None else num_valid_tokens
        fast = self._fast
        if fast is not None:
            key = (topk_ids.dtype, w.dtype, nv.dtype, topk_weights is None, num_valid_tokens is None)
            launch = fast.get(key)
            if launch is not None and not (topk_ids.data_ptr() | w.data_ptr() | nv.data_ptr()) & 15:
                launch(grid0, topk_ids, w, nv, self.buf, T, layer_idx, stream)
                return
        with self._on_stream(stream):
            kernel[(grid0,)](topk_ids, w, nv, self.buf, T, layer_idx, **self._constexprs(topk_weights, num_valid_tokens))
        if fast is not None and key not in fast:
            self._make_fast(key, (topk_ids, w, nv, self.buf, T, layer_idx), topk_weights, num_valid_tokens, grid0)

    def _programs(self, T):
        """Programs per layer of a launch over T rows (fixed in sampled mode: see SAMPLED_PROGRAMS)."""
        if self.sample_every > 1:
            return SAMPLED_PROGRAMS
        return min(MAX_PROGRAMS, (T + self._bt - 1) // self._bt)

    def _on_stream(self, stream):
        """A context that makes `stream` current for a triton JIT launch (nothing when it already is)."""
        torch = self._torch
        if stream is None or self.device.type != "cuda" or stream == self._stream(self.device.index):
            return contextlib.nullcontext()
        return torch.cuda.stream(torch.cuda.ExternalStream(stream, device=self.device))

    def _keep(self, layer, ids, w, nv, T):
        """Per-step mode: holds the layer's tensors (so the allocator cannot hand their memory to a
        later layer, also inside a graph capture) until the step's last layer, then one launch
        reads them all. A layer that does not follow the last one, other rows, dtypes, padding
        mask, stream or capture state first launches what is kept, so every record is counted
        once, in stream order, inside the capture that produced it."""
        capturing = self._capturing()
        # the mask tensor by identity: comparing tensors with == would run a kernel and sync
        key = (T, ids.dtype, None if w is None else w.dtype, id(nv), self._stream(self.device.index), capturing)
        stash = self._stash
        if stash and (layer <= self._stash_layer or key != self._stash_key):
            if layer <= self._stash_layer and key == self._stash_key:
                # the step ended below last_layer (a drafter's MoE layers counted in: DeepSeek MTP):
                # end the next steps where this one ended
                self.last_layer = min(self.last_layer, self._stash_layer)
            if capturing != self._stash_key[5]:
                # a capture began or ended inside a step with no flush() at its edge (the probe
                # flushes there): what is kept can be launched neither in nor out of it
                self._give_up_per_step("a CUDA graph capture began or ended between two layers of a step")
                self._stash = []
            else:
                self.flush()
            stash = self._stash
        if not self.per_step:
            self._launch(layer, ids, w, nv, T, None)
            return
        if not stash:
            self._stash_key = key
            self._stash_nv = nv
        stash.append((layer, ids, w))
        self._stash_layer = layer
        if layer >= self.last_layer or len(stash) >= MAX_STEP_LAYERS:
            self.flush()

    def flush(self):
        """Launches the kept layers now (per-step mode): the probe calls it when a CUDA graph
        capture begins or ends, before a step, a read or a reset, and at exit. No-op when nothing
        is kept. Kept on a side stream: launched there and the current stream waits for it, except
        inside a capture, where the capture stream has joined the side stream already."""
        stash = self._stash
        if not stash:
            return
        self._stash = []
        self._stash_layer = -1
        key, nv = self._stash_key, self._stash_nv
        self._stash_nv = None
        capturing = self._capturing()
        if capturing != key[5]:
            # kept inside a capture whose end was not seen (or the reverse): their memory holds no
            # routing now, so they cannot be counted; said, and no more keeping
            self._give_up_per_step("%d layers kept across a CUDA graph capture edge were dropped" % len(stash))
            return
        stream = key[4]
        current = self._stream(self.device.index)
        side = stream != current and self.device.type == "cuda"
        if side and capturing:
            stream = current
        launched = [False]
        try:
            self._launch_step(stash, nv, key[0], stream, launched)
        except Exception as exc:
            self._give_up_per_step("%s: %s" % (type(exc).__name__, exc))
            if not launched[0]:
                for layer, ids, w in stash:
                    self._launch(layer, ids, w, nv, key[0], stream)
        if side and not capturing:
            torch = self._torch
            torch.cuda.current_stream(self.device).wait_stream(torch.cuda.ExternalStream(stream, device=self.device))

    def _give_up_per_step(self, why):
        self.per_step = False
        self.per_step_error = why

    def _launch_step(self, stash, nv, T, stream, launched):
        n = len(stash)
        if n == 1:
            layer, ids, w = stash[0]
            launched[0] = True   # _launch counts it or raises before its launch
            self._launch(layer, ids, w, nv, T, stream)
            return
        kernel = step_kernel(n)
        grid0 = self._programs(T)
        ids0, w0 = stash[0][1], stash[0][2]
        has_w = w0 is not None
        args = []
        for _, ids, w in stash:
            args.append(ids)
            args.append(ids if w is None else w)
        nvt = ids0 if nv is None else nv
        args += [nvt, self.buf, T]
        args += [layer for layer, _, _ in stash]
        self.launches += 1
        fast = self._fast
        if fast is not None:
            key = ("step", n, ids0.dtype, args[1].dtype, nvt.dtype, not has_w, nv is None)
            launch = fast.get(key)
            aligned = not any(a.data_ptr() & 15 for a in args[:2 * n + 2])
            if launch is not None and aligned:
                launch(grid0, n, stream, args)
                launched[0] = True
                return
        kw = self._constexprs(w0, nv)
        if not self._warm and not self._capturing():
            self._warm_single(stash[0], nv, T, kw)
        with self._on_stream(stream):
            kernel[(grid0, n)](*args, **kw)
        launched[0] = True
        if fast is not None and key not in fast and aligned:
            self._make_fast_step(key, kernel, args, kw, grid0, n)

    def _warm_single(self, first, nv, T, kw):
        """Compiles the per-layer kernel at the first eager step launch, as a launch per layer did:
        a piecewise graph (one MoE layer each) launches it first inside its capture otherwise."""
        self._warm = True
        layer, ids, w = first
        try:
            self._kernel.warmup(ids, ids if w is None else w, ids if nv is None else nv, self.buf, T, layer,
                                grid=(1,), **kw)
        except Exception:
            pass   # compiled at its first launch instead

    def _make_fast_step(self, key, kernel, args, kw, grid0, n):
        """The direct launcher of a step kernel (as _make_fast), on an explicit stream."""
        try:
            run, function, packed, tail = _direct(kernel, args, kw, (grid0, n))

            def launch(g0, g1, stream, a):
                run(g0, g1, 1, stream, function, packed, None, None, None, *a, *tail)
            self._fast[key] = launch
        except Exception as exc:
            self._fast = None
            self.fast_launch_error = "%s: %s" % (type(exc).__name__, exc)

    def _constexprs(self, topk_weights, num_valid_tokens):
        return dict(L=self.num_layers, E=self.num_experts, K=self.top_k, KP=self._kp, BINS=self.weight_bins,
                    W_LO=self._w_lo, W_SCALE=self._w_scale, HAS_W=topk_weights is not None,
                    HAS_NVALID=num_valid_tokens is not None, COSEL=self._cosel_kernel,
                    SAMPLE_EVERY=self.sample_every, BLOCK_T=self._bt, SAMPLES=self.weight_samples, num_warps=4)

    def _make_fast(self, key, args, topk_weights, num_valid_tokens, grid0):
        """Direct launcher for one compiled specialisation: skips triton's per-call argument
        binding (most of a JIT launch's host cost). Only used for 16-byte-aligned inputs (the
        specialisation triton picked for them); any surprise disables it for good."""
        try:
            if any(a.data_ptr() & 15 for a in args[:4]):
                return
            run, function, packed, tail = _direct(self._kernel, args, self._constexprs(topk_weights, num_valid_tokens),
                                                  (grid0,))
            raw_stream = self._torch._C._cuda_getCurrentRawStream
            dev = self.device.index

            def launch(g0, ids, w, nv, buf, T, layer, stream):
                run(g0, 1, 1, raw_stream(dev) if stream is None else stream, function, packed, None, None, None,
                    ids, w, nv, buf, T, layer, *tail)
            self._fast[key] = launch
        except Exception as exc:
            self._fast = None
            self.fast_launch_error = "%s: %s" % (type(exc).__name__, exc)

    def capture_fn(self, layer_idx):
        """A callable(topk_ids) for vLLM's BaseRouter.set_capture_fn (ids only, no weights)."""
        record = self.record

        def capture(topk_ids):
            record(layer_idx, topk_ids)
        return capture

    # -- off the hot path --------------------------------------------------------------
    def reset(self):
        self.flush()   # kept layers belong before the reset
        self.buf.zero_()

    def start_read(self, reset=True):
        """Starts a non-blocking copy of the buffers into pinned host memory (then zero_()
        when reset), both ordered on the current stream. Returns a PendingRead, or None while
        the current stream is capturing a CUDA graph."""
        torch = self._torch
        if self._capturing():
            return None
        self.flush()
        t_ns = _monotonic_ns()
        host = self._take_host()
        if self.device.type == "cuda":
            host.copy_(self.buf, non_blocking=True)
            if reset:
                self.buf.zero_()
            event = torch.cuda.Event()
            event.record()
        else:
            host.copy_(self.buf)
            if reset:
                self.buf.zero_()
            event = None
        return PendingRead(self, host, event, t_ns)

    def read_and_reset(self):
        """Copies the statistics to the host and zeroes them; waits for that copy only."""
        pending = self.start_read(reset=True)
        return None if pending is None else pending.result()

    def read(self):
        """Like read_and_reset() without the reset."""
        pending = self.start_read(reset=False)
        return None if pending is None else pending.result()

    # -- internals ---------------------------------------------------------------------
    def _take_host(self):
        if self._hosts:
            return self._hosts.pop()
        pin = self.device.type == "cuda"
        # taken inside vLLM's inference mode and refilled in place outside it (the read at
        # exit): an inference tensor would refuse that, a normal one works in both
        with self._torch.inference_mode(False):
            return self._torch.empty(self.buf.numel(), dtype=self._torch.int64, pin_memory=pin)

    def _release_host(self, host):
        if len(self._hosts) < 2:
            self._hosts.append(host)

    def _snapshot(self, host, t_ns):
        L, E, B = self.num_layers, self.num_experts, self.weight_bins
        flat = host.clone()
        counts, cos, hist, calls = _views(flat, L, E, B)
        cos = cos + cos.transpose(1, 2)
        if self.backend == "triton" and self.sample_every > 1:
            calls = calls // SAMPLED_PROGRAMS
        token_rows = _tokens_view(flat, L, E, B, self.top_k, self.weight_samples)
        return ExpertSnapshot(counts, cos, hist, calls, t_ns, self.sample_every, self.top_k, self._samples(flat),
                              token_rows)

    def _samples(self, flat):
        S, K, E = self.weight_samples, self.top_k, self.num_experts
        if not S:
            return ()
        rows_v, sampled = _sample_views(flat, self.num_layers, E, self.weight_bins, K, S)
        weights = rows_v[:, :, 1 + K:].to(self._torch.int32).view(self._torch.float32).tolist()
        rows = rows_v[:, :, :1 + K].tolist()
        out = []
        for layer, m in enumerate(sampled.tolist()):
            for s in range(min(m, S)):
                row = rows[layer][s]
                for k in range(K):
                    if 0 <= row[1 + k] < E:
                        out.append((layer, row[0], row[1 + k], weights[layer][s][k]))
        return tuple(out)

    def info(self):
        return {"backend": self.backend, "num_layers": self.num_layers, "num_experts": self.num_experts,
                "top_k": self.top_k, "weight_bins": self.weight_bins, "sample_every": self.sample_every,
                "weight_range": list(self.weight_range), "coselection": self.coselection_enabled,
                "weight_samples": self.weight_samples, "buffer_bytes": self.buf.numel() * 8, "device": str(self.device),
                "triton_error": _TRITON_STATE["error"], "fast_launch": self._fast is not None,
                "fast_launch_error": self.fast_launch_error, "per_step": self.per_step,
                "per_step_error": self.per_step_error, "launches": self.launches}


def reference_stats(num_layers, num_experts, top_k, weight_bins, steps, weight_range=(0.0, 1.0)):
    """Pure-Python reference: steps = iterable of (layer, ids rows, weight rows or None).
    Returns (counts, coselection (symmetric), weight_hist) as nested lists. Used by the tests
    and the H200 validation as the independent eager reference."""
    L, E, K, B = num_layers, num_experts, top_k, weight_bins
    lo, hi = weight_range
    scale = B / (hi - lo)
    counts = [[0] * E for _ in range(L)]
    cos = [[[0] * E for _ in range(E)] for _ in range(L)]
    hist = [[[0] * B for _ in range(E)] for _ in range(L)]
    import struct

    def f32(x):
        return struct.unpack("f", struct.pack("f", x))[0]

    for layer, ids_rows, w_rows in steps:
        for r, row in enumerate(ids_rows):
            ok = [0 <= e < E for e in row]
            for k, e in enumerate(row):
                if not ok[k]:
                    continue
                counts[layer][e] += 1
                if w_rows is not None:
                    b = f32(f32(f32(w_rows[r][k]) - f32(lo)) * f32(scale))
                    if b != b:
                        b = 0.0
                    b = int(min(max(b, 0.0), B - 1.0))
                    hist[layer][e][b] += 1
            for i in range(K):
                for j in range(i + 1, K):
                    if ok[i] and ok[j]:
                        cos[layer][row[i]][row[j]] += 1
                        cos[layer][row[j]][row[i]] += 1
    return counts, cos, hist
