package dev.profilemate.report;

import dev.profilemate.export.SessionFile;
import dev.profilemate.report.SessionRows.ForwardStep;
import dev.profilemate.report.SessionRows.Graph;
import dev.profilemate.report.SessionRows.SchedulerStep;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * CUDA graphs: which graphs were captured and replayed, how many forward steps they covered, and
 * which capture sizes the observed batch sizes call for.
 */
record CudaGraphAnalysis(
    SectionStatus status,
    List<GraphReplays> graphs,
    long totalReplays,
    long forwardSteps,
    double replayCoveragePct,
    List<String> neverReplayed,
    CaptureSizes captureSizes) {

  record GraphReplays(String label, String runtimeMode, long numTokens, long replayCount, boolean captured) {}

  /** The capture-size analysis; {@code observed} is [num_tokens, steps] pairs. */
  record CaptureSizes(
      String observedFrom,
      long observedSteps,
      List<long[]> observed,
      String currentFrom,
      List<Long> currentSizes,
      CaptureSizeAdvisor.Outcome current,
      CaptureSizeAdvisor.Plan recommended,
      long paddingTokensSaved,
      long eagerStepsAvoided) {}

  static CudaGraphAnalysis of(SessionData s) {
    Map<String, GraphReplays> graphs = new LinkedHashMap<>();
    for (Graph g : s.graphUsage()) {
      graphs.put(g.label(), new GraphReplays(g.label(), g.runtimeMode(), g.numTokens(), g.replayCount(), false));
    }
    TreeSet<String> captured = new TreeSet<>();
    for (Graph g : s.graphCaptures()) {
      captured.add(g.label());
      graphs.merge(g.label(), new GraphReplays(g.label(), g.runtimeMode(), g.numTokens(), 0, true),
          (a, b) -> new GraphReplays(a.label(), a.runtimeMode(), a.numTokens(), a.replayCount(), true));
    }
    List<GraphReplays> list = new ArrayList<>(graphs.values());
    list.sort(Comparator.comparing(GraphReplays::runtimeMode).thenComparingLong(GraphReplays::numTokens)
        .thenComparing(GraphReplays::label));
    long replays = list.stream().mapToLong(GraphReplays::replayCount).sum();
    long steps = s.forward().size();
    List<String> never = list.stream().filter(g -> g.replayCount() == 0).map(GraphReplays::label).toList();
    SectionStatus status = SectionStatus.of(s, Profiler.CUDA_GRAPHS);
    if (!status.recorded() && s.file(SessionFile.CUDA_GRAPH_CAPTURES).hasRows()) {
      status = SectionStatus.RECORDED;
    }
    // with graphs off there are no capture sizes to advise: no step could have run as a graph
    CaptureSizes sizes = !status.recorded() && SessionDevice.of(s.metadata()).graphsOff()
        ? new CaptureSizes("", 0, List.of(), "none known", List.of(), null, null, 0, 0) : captureSizes(s, list);
    return new CudaGraphAnalysis(status, list, replays, steps,
        steps > 0 ? Math.min(100, 100.0 * replays / steps) : Double.NaN, never, sizes);
  }

  static CaptureSizes captureSizes(SessionData s, List<GraphReplays> graphs) {
    SortedMap<Long, Long> observed = new TreeMap<>();
    String from = "forward_pass_timing.csv";
    for (ForwardStep f : s.forward()) {
      if (f.numTokens() > 0) {
        observed.merge(f.numTokens(), 1L, Long::sum);
      }
    }
    if (observed.isEmpty()) {
      from = "batch_utilization.csv";
      for (SchedulerStep st : s.steps()) {
        if (st.active()) {
          observed.merge(st.numTokens(), 1L, Long::sum);
        }
      }
    }
    List<Long> current = s.metadata().cudagraphCaptureSizes();
    String currentFrom = "metadata.json engine.cudagraph_capture_sizes";
    if (current.isEmpty()) {
      current = graphs.stream().filter(GraphReplays::captured).map(GraphReplays::numTokens).distinct().sorted()
          .toList();
      currentFrom = "cuda_graph_captures.csv";
    }
    if (current.isEmpty()) {
      current = graphs.stream().map(GraphReplays::numTokens).distinct().sorted().toList();
      currentFrom = current.isEmpty() ? "none known" : "cuda_graph_usage.csv";
    }
    current = current.stream().distinct().sorted().toList();
    long steps = observed.values().stream().mapToLong(Long::longValue).sum();
    if (observed.isEmpty()) {
      return new CaptureSizes(from, 0, List.of(), currentFrom, current, null, null, 0, 0);
    }
    long currentMax = current.isEmpty() ? 0 : current.get(current.size() - 1);
    Distribution d = new Distribution();
    observed.forEach((v, c) -> d.add(v, c));
    long p99 = (long) Math.ceil(d.percentile(99));
    long largest = Math.max(currentMax, Math.min(p99, Math.max(currentMax, CaptureSizeAdvisor.DEFAULT_MAX_CAPTURE)));
    long budget = current.isEmpty() ? Math.min(8, observed.size()) : current.size();
    CaptureSizeAdvisor.Outcome now = CaptureSizeAdvisor.evaluate(current, observed);
    CaptureSizeAdvisor.Plan plan = CaptureSizeAdvisor.recommend(observed, budget, largest);
    List<long[]> pairs = new ArrayList<>();
    observed.forEach((v, c) -> pairs.add(new long[] {v, c}));
    return new CaptureSizes(from, steps, pairs, currentFrom, current, now, plan,
        now.paddingTokens() - plan.outcome().paddingTokens(), now.eagerSteps() - plan.outcome().eagerSteps());
  }
}
