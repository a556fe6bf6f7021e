package dev.profilemate.report;

import dev.profilemate.common.GpuCatalogue;

/** Every analysis of one session, each an immutable record built from the session files. */
record Analyses(
    KvCacheAnalysis kv,
    CudaGraphAnalysis graphs,
    StepTimeAnalysis steps,
    EfficiencyAnalysis efficiency,
    CpuAnalysis cpu,
    BatchAnalysis batch,
    PreemptionAnalysis preemption,
    SlowRequests slowRequests,
    MoeAnalysis moe,
    EncoderDecoderAnalysis encoderDecoder,
    KernelAnalysis kernels,
    CaptureAnalysis captures,
    LatencyAnswer latency,
    PrefixCacheTable prefixCache) {

  static Analyses of(SessionData s, String gpuOption, KernelRuns kernels) {
    return of(s, gpuOption, GpuCatalogue.bundled(), kernels);
  }

  static Analyses of(SessionData s, String gpuOption, GpuCatalogue gpus, KernelRuns kernels) {
    return new Analyses(
        KvCacheAnalysis.of(s),
        CudaGraphAnalysis.of(s),
        StepTimeAnalysis.of(s),
        EfficiencyAnalysis.of(s, gpuOption, gpus),
        CpuAnalysis.of(s),
        BatchAnalysis.of(s),
        PreemptionAnalysis.of(s),
        SlowRequests.of(s),
        MoeAnalysis.of(s),
        EncoderDecoderAnalysis.of(s),
        KernelAnalysis.of(kernels),
        CaptureAnalysis.of(s),
        LatencyAnswer.of(s),
        PrefixCacheTable.of(s));
  }
}
