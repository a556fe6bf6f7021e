"""The triton kernels of gpu.moe_counter (imported on first use: importing the probe must not
import triton). Module level, because triton resolves the names a kernel calls in its globals."""
import linecache

import triton
import triton.language as tl

CONSTEXPRS = ("L", "E", "K", "KP", "BINS", "W_LO", "W_SCALE", "HAS_W", "HAS_NVALID", "COSEL", "SAMPLE_EVERY",
              "BLOCK_T", "SAMPLES")


@triton.jit
def _record_body(ids_ptr, w_ptr, nvalid_ptr, buf_ptr, T, layer, pid, nprog,
                 L: tl.constexpr, E: tl.constexpr, K: tl.constexpr, KP: tl.constexpr,
                 BINS: tl.constexpr, W_LO: tl.constexpr, W_SCALE: tl.constexpr,
                 HAS_W: tl.constexpr, HAS_NVALID: tl.constexpr, COSEL: tl.constexpr,
                 SAMPLE_EVERY: tl.constexpr, BLOCK_T: tl.constexpr, SAMPLES: tl.constexpr):
    # one layer's launch: programs pid of nprog share its rows
    # buffer layout (int64): counts [L,E] | cosel [L,E,E] | hist [L,E,BINS] | calls [L]
    #                        | samples [L,SAMPLES,1+2K] | sampled [L] | tokens [L]
    COSEL_OFF: tl.constexpr = L * E
    HIST_OFF: tl.constexpr = L * E + L * E * E
    CALLS_OFF: tl.constexpr = L * E + L * E * E + L * E * BINS
    SAMPLES_OFF: tl.constexpr = CALLS_OFF + L
    ROW: tl.constexpr = 1 + 2 * K
    SAMPLED_OFF: tl.constexpr = SAMPLES_OFF + L * SAMPLES * ROW
    TOKENS_OFF: tl.constexpr = SAMPLED_OFF + L
    lay = layer.to(tl.int64)
    n = T
    if HAS_NVALID:
        n = tl.minimum(tl.load(nvalid_ptr).to(tl.int32), T)
    if SAMPLE_EVERY > 1:
        # every program takes a ticket; launches on one stream run one after another,
        # so ticket // nprog is this launch's index for this layer
        ticket = tl.atomic_add(buf_ptr + CALLS_OFF + lay, 1, sem="relaxed")
        keep = ((ticket // nprog) % SAMPLE_EVERY) == 0
        n = tl.where(keep, n, 0)
    else:
        if pid == 0:
            tl.atomic_add(buf_ptr + CALLS_OFF + lay, 1, sem="relaxed")
    if pid == 0:
        tl.atomic_add(buf_ptr + TOKENS_OFF + lay, n.to(tl.int64), sem="relaxed")
    offs_k = tl.arange(0, KP)
    kmask = offs_k < K
    if SAMPLES > 0:
        if HAS_W:
            if pid == 0:
                # a launch with real rows replaces the layer's sample: rows spread over [0, n)
                offs_s = tl.arange(0, SAMPLES)
                m = tl.minimum(n, SAMPLES)
                rows = tl.where(n > SAMPLES, (offs_s * n) // SAMPLES, offs_s)
                smask = offs_s < m
                base = buf_ptr + SAMPLES_OFF + lay * (SAMPLES * ROW)
                tl.store(base + offs_s * ROW, rows.to(tl.int64), mask=smask)
                sm2 = smask[:, None] & kmask[None, :]
                src = rows[:, None] * K + offs_k[None, :]
                sids = tl.load(ids_ptr + src, mask=sm2, other=-1).to(tl.int64)
                tl.store(base + offs_s[:, None] * ROW + 1 + offs_k[None, :], sids, mask=sm2)
                sw = tl.load(w_ptr + src, mask=sm2, other=0.0).to(tl.float32)
                tl.store(base + offs_s[:, None] * ROW + 1 + K + offs_k[None, :],
                         sw.to(tl.int32, bitcast=True).to(tl.int64), mask=sm2)
                tl.store(buf_ptr + SAMPLED_OFF + lay, m.to(tl.int64), mask=m > 0)
    for start in range(pid * BLOCK_T, n, nprog * BLOCK_T):
        offs_t = start + tl.arange(0, BLOCK_T)
        tmask = offs_t < n
        m2 = tmask[:, None] & kmask[None, :]
        ids = tl.load(ids_ptr + offs_t[:, None] * K + offs_k[None, :], mask=m2, other=-1).to(tl.int64)
        valid = m2 & (ids >= 0) & (ids < E)
        idc = tl.where(valid, ids, 0)
        one2 = tl.full([BLOCK_T, KP], 1, tl.int64)
        tl.atomic_add(buf_ptr + lay * E + idc, one2, mask=valid, sem="relaxed")
        if HAS_W:
            w = tl.load(w_ptr + offs_t[:, None] * K + offs_k[None, :], mask=m2, other=0.0).to(tl.float32)
            b = (w - W_LO) * W_SCALE
            b = tl.where(b == b, b, 0.0)
            b = tl.minimum(tl.maximum(b, 0.0), BINS - 1.0)
            bi = b.to(tl.int64)
            tl.atomic_add(buf_ptr + HIST_OFF + (lay * E + idc) * BINS + bi, one2, mask=valid,
                          sem="relaxed")
        if COSEL:
            # pairs (i, j) with i < j of one token: [BLOCK_T, KP, KP]
            a = idc[:, :, None]
            c = idc[:, None, :]
            pmask = valid[:, :, None] & valid[:, None, :] & (offs_k[:, None] < offs_k[None, :])[None, :, :]
            one3 = tl.full([BLOCK_T, KP, KP], 1, tl.int64)
            tl.atomic_add(buf_ptr + COSEL_OFF + (lay * E + a) * E + c, one3, mask=pmask, sem="relaxed")


@triton.jit(do_not_specialize=["T", "layer"])
def _moe_record_kernel(ids_ptr, w_ptr, nvalid_ptr, buf_ptr, T, layer,
                       L: tl.constexpr, E: tl.constexpr, K: tl.constexpr, KP: tl.constexpr,
                       BINS: tl.constexpr, W_LO: tl.constexpr, W_SCALE: tl.constexpr,
                       HAS_W: tl.constexpr, HAS_NVALID: tl.constexpr, COSEL: tl.constexpr,
                       SAMPLE_EVERY: tl.constexpr, BLOCK_T: tl.constexpr, SAMPLES: tl.constexpr):
    _record_body(ids_ptr, w_ptr, nvalid_ptr, buf_ptr, T, layer, tl.program_id(0), tl.num_programs(0),
                 L, E, K, KP, BINS, W_LO, W_SCALE, HAS_W, HAS_NVALID, COSEL, SAMPLE_EVERY, BLOCK_T, SAMPLES)


def step_kernel(n):
    """The kernel that counts n layers in one launch (see moe_counter.step_kernel)."""
    slots = range(n)
    params = ", ".join("ids%d, w%d" % (i, i) for i in slots)
    layers = ", ".join("layer%d" % i for i in slots)
    choose = "".join("    if slot == %d:\n        ids_ptr = ids%d\n        w_ptr = w%d\n        layer = layer%d\n"
                     % (i, i, i, i) for i in range(1, n))
    consts = ", ".join("%s: tl.constexpr" % c for c in CONSTEXPRS)
    src = ("def moe_record_step_%d(%s, nvalid_ptr, buf_ptr, T, %s, %s):\n"
           "    slot = tl.program_id(1)\n"
           "    ids_ptr = ids0\n    w_ptr = w0\n    layer = layer0\n%s"
           "    _record_body(ids_ptr, w_ptr, nvalid_ptr, buf_ptr, T, layer, tl.program_id(0), tl.num_programs(0), %s)\n"
           % (n, params, layers, consts, choose, ", ".join(CONSTEXPRS)))
    # triton reads a kernel's source with inspect: give the generated text a file name linecache knows
    name = "<profilemate moe_record_step_%d>" % n
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    scope = {"tl": tl, "_record_body": _record_body}
    exec(compile(src, name, "exec"), scope)
    fn = scope["moe_record_step_%d" % n]
    return triton.jit(fn, do_not_specialize=["T"] + ["layer%d" % i for i in slots])
