#!/bin/bash
# Runs on the GPU machine, from the repository root (the device tool's copy of the checkout).
# Stages (one per device call, on the same warm machine):
#   recvN         move carried part .h200x/pN to /tmp/pm (parts of one tar.xz: vllm + missing deps)
#   jrecvN, jre   optional (prepare_jre.sh): move carried part .h200x/jN, then unpack the Java runtime
#                 and the engine's jar into /tmp/jre; the probe then starts its collector in an arm
#                 given ARM_ENV="on:PROFILEMATE_SIDECAR=1,PROFILEMATE_JAVA=/tmp/jre/bin/java,PROFILEMATE_JAR=/tmp/jre/profilemate-all.jar"
#   info          versions of python, torch, triton, GPU
#   install       join the parts, check sha256, unpack into /tmp/site, import vllm, run the doctor
#   bench RUN...  RUN = dense_on | dense_off | moe_on | moe_off: serve, drive, stop, tar the session
#   pair_dense | pair_moe   probe-on and probe-off servers side by side, ROUNDS (6) ABBA rounds of
#                 REQUESTS (300) requests each; tar the probe-on session and both logs (~4 min each);
#                 AA=1: both servers without the probe (the A/A control)
#   pair_1b       the same with a 1B-class Llama (dummy weights): a step that is not mostly CPU
#   pair_8b       the same with Llama-3-8B shapes (dummy weights): a GPU-bound step
#   pair_moe2b    the same with a ~2B-parameter Mixtral (16 layers, 8 experts, top-2, dummy weights)
#                 BLOCKS=N: KV blocks per server (default 160, small enough to force preemptions;
#                 4096 gives every request room, so on and off servers do identical work)
#   together_moe | together_1b   the pair on two GPUs (nvidia-h200-x2), both driven at once in
#                 every round; GPU_ON=1 GPU_OFF=0 swaps the GPUs (run both ways)
#   engine_K[+K2] engine_bench.py: three offline engines (probe on, off, off again) on one GPU,
#                 the same deterministic passes in turn, as many rounds as fit in BUDGET_S (540);
#                 K on GPU 0 and K2 on GPU 1 at the same time (K: 8b, moe, moe2b, moe8l, qwen3moe, 1b, dense);
#                 TOGETHER=1: the three arms' passes at the same time; CAPTURE_MAX: largest CUDA graph;
#                 FIRST=off|on|aa|none: the arm that compiles first (none: each its own cache)
#   serve_K[+K2]  the same with each arm a real `vllm serve` (OpenAI API server), driven over HTTP
#                 ARMS=on,off,aa,on-X ARM_ENV="on-X:ENABLE_...=0 ...": probe-on variants as more arms
#                 GPU_MEM: each arm's gpu_memory_utilization (default 0.75 / number of arms)
set -u
export VLLM_USE_FLASHINFER_SAMPLER=0   # flashinfer is not carried; vLLM 0.26 imports it unguarded otherwise
B=.h200x/bin; SITE=/tmp/site; PM=/tmp/pm; mkdir -p $PM "$OUT"
T0=$(date +%s)
model_for() {  # sets m (folder under /tmp/models) and lf (load format) for a short model name
  m=tiny-llama; lf=dummy; [ $1 = moe ] && m=tiny-mixtral; [ $1 = 1b ] && m=llama-1b
  [ $1 = moe2b ] && m=mixtral-2b; [ $1 = 8b ] && m=llama-8b; [ $1 = moe8l ] && m=mixtral-8l
  [ $1 = qwen3moe ] && m=qwen3-moe-4l
  [ -d /tmp/models/$m ] || python3 $B/make_models.py /tmp/models >/dev/null
  # the MoE model with random weights of its own when make_models.py could write them
  [ $1 = moe ] && [ -f /tmp/models/tiny-mixtral-rw/model.safetensors ] && { m=tiny-mixtral-rw; lf=safetensors; }
  return 0
}
join_parts() {  # DIR PREFIX NAME: joins DIR/PREFIXn into DIR/NAME and shows its sha256 beside the expected one
  (cd $1 && cat $(ls $2[0-9]* | sort -V) > $3 && sha256sum $3) && cat $B/${3%.tar.xz}.sha
}
for stage in "$@"; do
  case $stage in
    recv*) n=${stage#recv}; mv -f .h200x/p$n $PM/ && ls -la $PM ;;
    jrecv*) n=${stage#jrecv}; mkdir -p /tmp/pmj && mv -f .h200x/j$n /tmp/pmj/ && ls -la /tmp/pmj ;;
    jre)
      join_parts /tmp/pmj j jre.tar.xz
      rm -rf /tmp/jre && tar -xJf /tmp/pmj/jre.tar.xz -C /tmp && rm -f /tmp/pmj/j* || exit 1
      /tmp/jre/bin/java -jar /tmp/jre/profilemate-all.jar --version || exit 1
      ;;
    info)
      python3 --version; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
      python3 -c "import torch,triton,transformers;print('torch',torch.__version__,'cuda',torch.version.cuda,'triton',triton.__version__,'transformers',transformers.__version__)"
      ;;
    install)
      join_parts $PM p site.tar.xz
      mkdir -p /tmp/x && tar -xJf $PM/site.tar.xz -C /tmp/x && rm -rf $SITE && mv /tmp/x/site $SITE && rm -f $PM/p* || exit 1
      du -sh $SITE
      PYTHONPATH=$SITE python3 -c "import vllm, vllm.entrypoints.openai.api_server as a; print('vllm', vllm.__version__, a.__file__)" > /tmp/imp.log 2>&1
      rc=$?; tail -5 /tmp/imp.log; [ $rc = 0 ] || { echo "vllm import failed: stop"; exit 2; }
      PYTHONPATH=probe:$SITE timeout 120 python3 -m profilemate_probe.doctor --json-out $OUT/doctor.json > $OUT/doctor.txt 2>&1; echo "doctor rc=$?"; tail -25 $OUT/doctor.txt
      python3 $B/make_models.py /tmp/models >/dev/null && ls /tmp/models
      ;;
    engine_*|serve_*)
      el=$(( $(date +%s) - T0 )); g=0; names=; kind=${stage%%_*}
      for k in $(echo ${stage#*_} | tr + ' '); do
        model_for $k; n=${TAG:+${TAG}_}${kind}_$k; names="$names $n"; mkdir -p /tmp/sessions
        PYTHONUNBUFFERED=1 python3 $B/engine_bench.py --name $n --gpu $g --model /tmp/models/$m --load-format $lf \
          --site $SITE --probe-dir $PWD/probe --sessions /tmp/sessions --out $OUT/results_$n.jsonl \
          --requests ${REQUESTS:-600} --blocks ${BLOCKS:-4096} --budget-s $(( ${BUDGET_S:-540} - el )) \
          --capture-max ${CAPTURE_MAX:-128} ${TOGETHER:+--together} --first ${FIRST:-off} $( [ $kind = serve ] && echo --serve --port $((8011 + 10 * g)) ) \
          ${ARMS:+--arms $ARMS} $(for e in ${ARM_ENV:-}; do echo --arm-env $e; done) ${GPU_MEM:+--gpu-memory-utilization $GPU_MEM} \
          > /tmp/sessions/$n.driver.log 2>&1 &
        g=$((g + 1))
      done
      wait
      for n in $names; do
        cat /tmp/sessions/$n.driver.log
        tar -czf $OUT/$n.tgz -C /tmp/sessions $(cd /tmp/sessions && ls -d ${n}_* ${n}.driver.log)
      done
      ;;
    pair_*|together_*)
      # a pair needs ~4 min: skip it when it can no longer end inside the 600 s of one device call
      el=$(( $(date +%s) - T0 )); if [ $el -gt ${BUDGET_S:-330} ]; then echo "skip $stage: $el s used"; continue; fi
      k=${stage#*_}; tog=; [ ${stage%%_*} = together ] && tog="--together --gpu-on ${GPU_ON:-0} --gpu-off ${GPU_OFF:-1}"
      model_for $k
      n=${AA:+aa_}${TAG:+${TAG}_}$stage  # the A/A control and tagged variants keep their own names
      PYTHONUNBUFFERED=1 python3 $B/serve_bench.py --pair $tog ${AA:+--aa} --name $n --model /tmp/models/$m --load-format $lf \
        --site $SITE --probe-dir $PWD/probe --sessions /tmp/sessions --out $OUT/results.jsonl \
        --rounds ${ROUNDS:-6} --requests ${REQUESTS:-300} --blocks ${BLOCKS:-160} --startup-limit ${STARTUP_S:-240}
      tar -czf $OUT/$n.tgz -C /tmp/sessions $( [ -z "${AA:-}" ] && echo ${n}_on ) ${n}_on.log ${n}_off.log
      ;;
    dense_*|moe_*)
      el=$(( $(date +%s) - T0 )); if [ $el -gt ${BUDGET_S:-420} ]; then echo "skip $stage: $el s used"; continue; fi
      m=tiny-llama; [ ${stage%_*} = moe ] && m=tiny-mixtral
      PYTHONUNBUFFERED=1 python3 $B/serve_bench.py --name $stage --model /tmp/models/$m --probe ${stage#*_} \
        --site $SITE --probe-dir $PWD/probe --sessions /tmp/sessions --out $OUT/results.jsonl \
        --log /tmp/sessions/$stage.log --startup-limit ${STARTUP_S:-240}
      mkdir -p /tmp/sessions/$stage; cp /tmp/sessions/$stage.log /tmp/sessions/$stage/server.log
      tar -czf $OUT/$stage.tgz -C /tmp/sessions $stage
      ;;
  esac
done
echo "stages done in $(( $(date +%s) - T0 )) s"
