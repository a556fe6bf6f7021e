package dev.profilemate.report;

import dev.profilemate.report.SessionRows.ForwardStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** CPU time per engine operation (scheduling, batch preparation, sampling, output processing). */
record CpuAnalysis(SectionStatus status, List<Operation> operations, double totalCpuMs, double totalForwardMs,
    double cpuPerForwardPct) {

  record Operation(String operation, Distribution.Summary durationMs, double sharePct) {}

  static CpuAnalysis of(SessionData s) {
    Map<String, Distribution.Summary> ops = s.cpuByOperation(); // by name
    double total = ops.values().stream().mapToDouble(Distribution.Summary::total).sum();
    List<Operation> out = new ArrayList<>();
    ops.forEach((name, d) -> out.add(new Operation(name, d, total > 0 ? 100 * d.total() / total : 0)));
    out.sort((a, b) -> Double.compare(b.durationMs().total(), a.durationMs().total()));
    double forward = s.forward().stream().mapToDouble(ForwardStep::forwardMs).filter(v -> !Double.isNaN(v)).sum();
    return new CpuAnalysis(SectionStatus.of(s, Profiler.CPU_TIMING), out, total, forward,
        forward > 0 && total > 0 ? 100 * total / forward : Double.NaN);
  }
}
