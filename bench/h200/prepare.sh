#!/bin/bash
# Prepare, on the dev machine (no device time), everything the H200 run needs:
#   vLLM 0.26.0 (torch 2.11.0, CUDA 13 wheel) + the Python deps the H200 image lacks, unpacked
#   into one site folder, trimmed, packed as tar.xz and split into parts that fit one device call beside the working tree
#   (one device call carries at most 64 MiB), plus the device-side scripts.
# Output: REPO/.h200x/{p0,p1,...,bin/} where REPO is the checkout the device tool sends
# (ignored: .gitignore has /.h200x/). Caches: ~/.cache/profilemate/h200-{wheels,deps}.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${1:-$(cd "$HERE/../.." && pwd)}
VLLM=0.26.0
C=~/.cache/profilemate; WH=$C/h200-wheels; DEPS=$C/h200-deps; mkdir -p $WH $DEPS
# pip >= 25.3 for --uploaded-prior-to (dependency versions as of the vLLM release)
PY=python3
for c in python3.12 /root/.pyenv/versions/3.12*/bin/python3 python3.13 python3.11; do
  if "$c" -c pass 2>/dev/null; then PY=$c; break; fi; done
[ -x /tmp/pm-dlvenv/bin/pip ] || { "$PY" -m venv /tmp/pm-dlvenv && /tmp/pm-dlvenv/bin/pip install -q -U pip; }
PIP=/tmp/pm-dlvenv/bin/pip
P="--only-binary=:all: --python-version 3.12 --implementation cp --abi cp312 --abi abi3 --abi none
   --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64
   --platform manylinux2014_x86_64 --platform manylinux_2_24_x86_64 --platform manylinux_2_31_x86_64
   --platform manylinux_2_34_x86_64 --platform manylinux_2_35_x86_64 --platform manylinux_2_5_x86_64
   --platform manylinux1_x86_64 --platform any --uploaded-prior-to 2026-07-26T00:00:00Z"
ls $WH/vllm-$VLLM-*.whl >/dev/null 2>&1 || $PIP download -q --no-deps $P -d $WH vllm==$VLLM
W=$(ls $WH/vllm-$VLLM-*.whl)
# Everything vLLM's METADATA requires that the image lacks and that `vllm serve` imports,
# at vLLM's pins; the GPU-kernel packages (flashinfer, tilelang, cutlass-dsl, quack, ...) stay behind.
$PIP download -q $P -d $DEPS 'fastapi>=0.133.0,<0.137.0' 'starlette>=1.0.1' uvicorn 'openai>=2.0.0' \
  'anthropic>=0.71.0' 'pydantic>=2.12.0' 'prometheus-fastapi-instrumentator>=8.0.0' 'lark==1.2.2' \
  partial-json-parser 'jsonschema>=4.23.0' 'pyzmq>=25.0.0' msgspec 'mistral_common[image]>=1.11.5' \
  'depyf==0.20.0' watchfiles python-json-logger pybase64 cbor2 ijson setproctitle 'openai-harmony>=0.0.3' \
  'model-hosting-container-standards>=0.1.14,<1.0.0' 'opentelemetry-sdk>=1.27.0' 'opentelemetry-api>=1.27.0' \
  'opentelemetry-semantic-conventions-ai>=0.4.1' cachetools blake3 'llguidance>=1.7.0,<1.8.0' \
  'outlines_core==0.2.14' interegular 'nvtx==0.2.15' python-multipart httptools
# xgrammar: imported at class-definition time by vllm/v1/structured_output/backend_xgrammar.py;
# it needs apache-tvm-ffi (vLLM pins 0.1.10). Both were missing in the first run (see README).
$PIP download -q --no-deps $P -d $DEPS xgrammar 'compressed-tensors==0.17.0' 'lm-format-enforcer==0.11.3' \
  'apache-tvm-ffi==0.1.10'
S=$(mktemp -d); mkdir $S/site
python3 - "$DEPS" "$HERE/image_packages.txt" > $S/new.txt <<'PY'
import os, re, sys
norm = lambda s: re.sub(r'[-_.]+', '-', s).lower().strip()
img = {norm(l) for l in open(sys.argv[2]) if l.strip() and not l.startswith('#')}
for f in sorted(os.listdir(sys.argv[1])):
    if f.endswith('.whl') and norm(f.split('-')[0]) not in img:
        print(f)
PY
(cd $S/site && for w in $(cat $S/new.txt); do unzip -qo $DEPS/$w; done && unzip -qo $W)
# Trim what a Hopper run does not load: FA2 (FA3 is used on SM90; FA2 import is try/except),
# the optional Rust frontend binary, and JIT headers for DeepGEMM / SM100 FMHA.
(cd $S/site && rm -f vllm/vllm_flash_attn/_vllm_fa2_C.abi3.so vllm/vllm-rs &&
  rm -rf vllm/third_party/deep_gemm vllm/third_party/fmha_sm100 &&
  find . -name __pycache__ -prune -exec rm -rf {} +)
du -sh $S/site
mkdir -p $REPO/.h200x/bin; rm -f $REPO/.h200x/p[0-9]*
. "$HERE/part_size.sh"
(cd $S && tar -cf - site | xz -T0 -6 > site.tar.xz && sha256sum site.tar.xz > $REPO/.h200x/bin/site.sha &&
  split -b $part -d -a 1 site.tar.xz $REPO/.h200x/p && ls -la site.tar.xz)
cp "$HERE"/{device_run.sh,serve_bench.py,engine_bench.py,make_models.py} $REPO/.h200x/bin/
rm -rf $S
ls -la $REPO/.h200x $REPO/.h200x/bin
