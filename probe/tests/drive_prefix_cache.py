"""The prefix-cache explainer's workload on the real vLLM scheduler (under the probe), each miss
constructed on purpose; writes {request id: the miss reason it was built to have} as JSON.
Usage: drive_prefix_cache.py OUT.json"""
import json
import sys

import vllm_testbed as tb

BS = 16


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
    for wave in waves:
        tb.run(sched, wave)
    with open(out, "w") as f:
        json.dump({"expected": expected, "block_size": BS}, f)


if __name__ == "__main__":
    main(sys.argv[1])
