"""Host time of CPU phases outside the scheduler: front-end output processing (API server),
input preparation and sampling in the worker. Scheduling itself is timed in scheduler.py."""
from ..hooks import after
from ..patching import PatchTarget

PROFILER = "cpu_timing"


def _op(name):
    def record(prof, args, kwargs, result, t0, t1):
        prof.emit("cpu_operation", t0, t1 - t0, name, "")
    return after(record)


def _output_processing(prof, args, kwargs, result, t0, t1):
    outs = args[1] if len(args) > 1 else kwargs.get("engine_core_outputs", ())
    prof.emit("cpu_operation", t0, t1 - t0, "output_processing", "outputs=%d" % len(outs))


TARGETS = [
    PatchTarget(PROFILER, "vllm.v1.engine.output_processor", "OutputProcessor.process_outputs", ">=0.11",
                after(_output_processing)),
    PatchTarget(PROFILER, "vllm.v1.worker.gpu_model_runner", "GPUModelRunner._prepare_inputs", ">=0.11",
                _op("batch_preparation"), optional=True, note="V1 model runner"),
    PatchTarget(PROFILER, "vllm.v1.worker.gpu.model_runner", "GPUModelRunner.prepare_inputs", ">=0.14",
                _op("batch_preparation"), optional=True, note="model runner V2"),
    PatchTarget(PROFILER, "vllm.v1.sample.sampler", "Sampler.forward", ">=0.11", _op("sampling"), optional=True),
]
