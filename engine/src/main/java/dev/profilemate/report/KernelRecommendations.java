package dev.profilemate.report;

import java.util.ArrayList;
import java.util.List;

/** The recommendations that follow from the kernel traces: per GPU timeline, then from Nsight Compute. */
final class KernelRecommendations {
  private KernelRecommendations() {}

  static List<Recommendation> of(Analyses a, SessionMetadata m) {
    List<Recommendation> out = new ArrayList<>();
    for (KernelTimeline t : a.kernels().timelines()) {
      out.addAll(TimelineRecommendations.of(t, a, m));
    }
    if (a.kernels().roofline().status().recorded()) {
      out.addAll(NcuRecommendations.of(a.kernels().roofline(), a, m));
    }
    return out;
  }

  static String orUnknown(String s) {
    return s == null || s.isEmpty() ? "not recorded" : s;
  }
}
