package dev.profilemate.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernel part of the report: one timeline per GPU trace given ({@code --nsys}, {@code --trace})
 * and the Nsight Compute view ({@code --ncu}). Without them the sections say how to add them.
 */
record KernelAnalysis(SectionStatus status, List<KernelTimeline> timelines, RooflineAnalysis roofline) {

  static final String HOW = "Pass --nsys FILE.sqlite (an nsys export --type sqlite, or the .nsys-rep with nsys on "
      + "PATH) or --trace FILE.json.gz (a PyTorch profiler trace) to profilemate report.";

  static KernelAnalysis of(KernelRuns runs) {
    List<KernelTimeline> timelines = new ArrayList<>();
    if (runs.nsys() != null) {
      timelines.add(KernelTimeline.of(runs.nsys()));
    }
    if (runs.trace() != null) {
      timelines.add(KernelTimeline.of(runs.trace()));
    }
    SectionStatus status = !timelines.isEmpty() ? SectionStatus.RECORDED
        : SectionStatus.notRecorded((runs.ncu() != null ? "Only --ncu was given: time per category, phases, CUDA-graph "
            + "coverage and idle gaps need a whole timeline. " : "") + HOW);
    return new KernelAnalysis(status, List.copyOf(timelines), RooflineAnalysis.of(runs.ncu()));
  }
}
