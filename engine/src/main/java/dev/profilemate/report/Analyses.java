package dev.profilemate.report;

import dev.profilemate.common.GpuCatalogue;
import java.nio.file.Path;

/** Every analysis of one session, each an immutable record built from the session files. */
record Analyses(
    KvCacheAnalysis kv,
    CudaGraphAnalysis graphs,
    StepTimeAnalysis steps,
    StragglerAnalysis stragglers,
    EfficiencyAnalysis efficiency,
    CpuAnalysis cpu,
    BatchAnalysis batch,
    DataParallelAnalysis dataParallel,
    PreemptionAnalysis preemption,
    SlowRequests slowRequests,
    MoeAnalysis moe,
    ExpertParallelAnalysis expertParallel,
    EncoderDecoderAnalysis encoderDecoder,
    KernelAnalysis kernels,
    CaptureAnalysis captures,
    LatencyAnswer latency,
    ChangeAnswer change,
    PrefixCacheTable prefixCache) {

  static Analyses of(SessionData s, String gpuOption, KernelRuns kernels) {
    return of(s, gpuOption, GpuCatalogue.bundled(), kernels, null);
  }

  /** baseline: a session to compare this one with (report --baseline), or null. */
  static Analyses of(SessionData s, String gpuOption, GpuCatalogue gpus, KernelRuns kernels, Path baseline) {
    return new Analyses(
        KvCacheAnalysis.of(s),
        CudaGraphAnalysis.of(s),
        StepTimeAnalysis.of(s),
        StragglerAnalysis.of(s),
        EfficiencyAnalysis.of(s, gpuOption, gpus),
        CpuAnalysis.of(s),
        BatchAnalysis.of(s),
        DataParallelAnalysis.of(s),
        PreemptionAnalysis.of(s),
        SlowRequests.of(s),
        MoeAnalysis.of(s),
        ExpertParallelAnalysis.of(s, SectionStatus.of(s, Profiler.MOE)),
        EncoderDecoderAnalysis.of(s),
        KernelAnalysis.of(kernels),
        CaptureAnalysis.of(s),
        LatencyAnswer.of(s),
        ChangeAnswer.of(s, baseline),
        PrefixCacheTable.of(s));
  }
}
