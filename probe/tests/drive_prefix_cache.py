"""The prefix-cache explainer's workload on the real vLLM scheduler (under the probe), each miss
constructed on purpose; writes {request id: the miss reason it was built to have} as JSON.
Usage: drive_prefix_cache.py OUT.json [off]"""
import json
import sys

import vllm_testbed as tb

BS = 16


def caching_off(out):
    """vLLM with prefix caching off: every lookup is skipped, whatever the requests share."""
    sched = tb.make_scheduler(num_blocks=40, block_size=BS, enable_prefix_caching=False)
    shared = tb.make_prefix(64, seed=2)
    waves = [tb.make_requests(1, 100, 2, prefix=shared, scheduler=sched, id_prefix="off%d-" % i) for i in range(2)]
    for wave in waves:
        tb.run(sched, wave)
    with open(out, "w") as f:
        json.dump({"expected": {w[0].request_id: "caching_off" for w in waves}, "block_size": BS,
                   "vllm_hit_tokens": 0}, f)


def main(out):
    # 40 blocks (39 usable): a burst of unique prompts later evicts every cached block
    sched = tb.make_scheduler(num_blocks=40, block_size=BS, max_num_seqs=4, max_num_batched_tokens=256)
    sys_a = tb.make_prefix(100, seed=1)   # 6 full blocks and 4 tokens: the next block is shared in part
    sys_b = tb.make_prefix(64, seed=2)    # exactly 4 blocks
    expected = {}
    waves = []

    def req(rid, prefix, total, reason, salt=None, lora=None, skip=False):
        r = tb.make_requests(1, total, 2, prefix=prefix, scheduler=sched, id_prefix=rid)[0]
        if salt or lora:
            r.cache_salt = salt
            r.lora_request = lora
            r.block_hashes = []
            r.update_block_hashes()  # as Request.__init__ would have hashed them
        if skip:
            r.skip_reading_prefix_cache = True  # as for a request that wants prompt logprobs
        expected[r.request_id] = reason
        return r

    from vllm.lora.request import LoRARequest
    waves.append([req("a0-", sys_a, 140, "never_seen"), req("b0-", sys_b, 100, "never_seen")])
    waves.append([req("a1-", sys_a, 140, "misaligned"), req("b1-", sys_b, 100, "never_seen")])
    # the same tokens as b0's first block, with a cache salt / a LoRA adapter: not found
    waves.append([req("s0-", sys_b, 100, "salt_mismatch", salt="tenant-7")])
    waves.append([req("l0-", sys_b, 100, "lora_mismatch", lora=LoRARequest("adapter", 1, "/nonexistent/adapter"))])
    waves.append([req("k0-", sys_a, 140, "caching_off", skip=True)])
    waves.append([req("a2-", sys_a, 140, "misaligned")])  # like a1: its shared prefix ends in block 7
    b0 = waves[0][1]
    waves.append([req("h0-", list(b0.prompt_token_ids), 100, "hit")])  # b0's prompt again: 6 blocks found
    # a burst of unique prompts that takes every block: each cached block is evicted
    waves.append([req("u%d-" % i, None, 150, "never_seen") for i in range(4)])
    waves.append([req("a3-", sys_a, 140, "evicted")])
    hit_tokens = 0  # vLLM's own count: PrefixCacheStats hits of the requests it scheduled
    for wave in waves:
        for step in tb.run(sched, wave).steps:
            hit_tokens += step.prefix_hits + step.preempted_prefix_hits
    expected.update(_direct_lookups(sched))
    with open(out, "w") as f:
        json.dump({"expected": expected, "block_size": BS, "vllm_hit_tokens": hit_tokens}, f)


def _direct_lookups(sched):
    """Multimodal and prompt-embeds requests, looked up in the real KVCacheManager directly: the test
    bed's model is text-only, so its scheduler would not run them. vLLM hashes their blocks with the
    image's identifier / the embeddings' digest as extra keys; the same tokens with another image
    (or other embeddings) is then not found."""
    import torch
    from vllm.multimodal.inputs import MultiModalFeatureSpec, PlaceholderRange
    from vllm.sampling_params import SamplingParams
    from vllm.v1.core.kv_cache_utils import get_request_block_hasher
    from vllm.v1.request import Request
    hasher = get_request_block_hasher(BS, tb._sha256)
    tokens = tb.make_prefix(80, seed=3)
    manager = sched.kv_cache_manager
    expected = {}

    def lookup(rid, reason, image=None, embeds=None):
        mm = [MultiModalFeatureSpec(data=None, modality="image", identifier=image,
                                    mm_position=PlaceholderRange(offset=20, length=32))] if image else None
        r = Request(request_id=rid, prompt_token_ids=None if embeds is not None else list(tokens),
                    prompt_embeds=embeds, sampling_params=SamplingParams(max_tokens=2), pooling_params=None,
                    block_hasher=hasher, mm_features=mm)
        manager.get_computed_blocks(r)
        expected[rid] = reason
        return r

    m0 = lookup("m0-0", "never_seen", image="image-one")
    manager.allocate_slots(m0, m0.num_tokens)  # as if computed: its 5 full blocks are cached
    # the same tokens and image position, another image: blocks 1-3 (tokens 16-63) carry it, block 0 is found
    lookup("m1-0", "mm_mismatch", image="image-two")
    manager.free(m0)
    gen = torch.Generator().manual_seed(0)
    lookup("e0-0", "never_seen", embeds=torch.randn(80, 4, generator=gen))
    lookup("e1-0", "prompt_embeds_mismatch", embeds=torch.randn(80, 4, generator=gen))
    return expected


if __name__ == "__main__":
    (caching_off if sys.argv[2:] == ["off"] else main)(sys.argv[1])
