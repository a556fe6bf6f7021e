package dev.profilemate.aggregate;

import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Graph captures and replays keyed by their full BatchDescriptor and runtime mode. */
public final class CudaGraphs implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field RUNTIME_MODE = Field.of("runtime_mode");
  private static final Field NUM_TOKENS = Field.of("num_tokens");
  private static final Field NUM_REQS = Field.of("num_reqs");
  private static final Field UNIFORM = Field.of("uniform");
  private static final Field HAS_LORA = Field.of("has_lora");
  private static final Field DURATION_NS = Field.of("duration_ns");

  private final SessionClock clock;
  private final Consumer<Replay> timeline;
  private final Map<Descriptor, double[]> captures = new TreeMap<>(Descriptor.ORDER);
  private final Map<Descriptor, long[]> replays = new TreeMap<>(Descriptor.ORDER);

  public CudaGraphs(SessionClock clock, Consumer<Replay> timeline) {
    this.clock = clock;
    this.timeline = timeline;
  }

  /** numReqs is -1 when vLLM left it unset (written as None, as vLLM prints it). */
  public record Descriptor(String runtimeMode, int numTokens, int numReqs, boolean uniform, boolean hasLora)
      implements java.io.Serializable {
    static final Comparator<Descriptor> ORDER = (Comparator<Descriptor> & java.io.Serializable) Descriptor::compare;

    private static int compare(Descriptor x, Descriptor y) {
      int c = x.runtimeMode.compareTo(y.runtimeMode);
      c = c != 0 ? c : Integer.compare(x.numTokens, y.numTokens);
      c = c != 0 ? c : Integer.compare(x.numReqs, y.numReqs);
      c = c != 0 ? c : Boolean.compare(x.uniform, y.uniform);
      return c != 0 ? c : Boolean.compare(x.hasLora, y.hasLora);
    }

    public String numReqsText() {
      return numReqs < 0 ? "None" : Integer.toString(numReqs);
    }

    public String label() {
      return runtimeMode + " num_tokens=" + numTokens + " num_reqs=" + numReqsText()
          + " uniform=" + (uniform ? "True" : "False") + " has_lora=" + (hasLora ? "True" : "False");
    }
  }

  public record Capture(Descriptor descriptor, double captureTimeSec) {}

  public record Usage(Descriptor descriptor, long replayCount) {}

  public record Replay(double timestampSec, Descriptor descriptor, double durationMs, int process)
      implements java.io.Serializable {}

  private static Descriptor descriptor(SpoolRecord r) {
    return new Descriptor(
        r.getString(RUNTIME_MODE),
        r.getInt(NUM_TOKENS),
        r.getInt(NUM_REQS),
        r.getLong(UNIFORM) != 0,
        r.getLong(HAS_LORA) != 0);
  }

  /** The types accept() reads (its cases): the rest are never handed to it. */
  private static final java.util.Set<String> RECORDS = java.util.Set.of("cuda_graph_capture", "cuda_graph_reset", "cuda_graph_replay");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    switch (r.name()) {
      case "cuda_graph_capture" ->
          captures.computeIfAbsent(descriptor(r), k -> new double[1])[0] +=
              SessionClock.seconds(r.getLong(DURATION_NS));
      case "cuda_graph_reset" -> captures.clear();
      case "cuda_graph_replay" -> {
        Descriptor d = descriptor(r);
        replays.computeIfAbsent(d, k -> new long[1])[0]++;
        timeline.accept(new Replay(clock.sec(r.tNs()), d, SessionClock.millis(r.getLong(DURATION_NS)), r.process()));
      }
      default -> {}
    }
  }

  public List<Capture> captures() {
    List<Capture> out = new ArrayList<>();
    captures.forEach((d, t) -> out.add(new Capture(d, t[0])));
    return out;
  }

  /** Every captured or replayed graph; captured graphs that never replayed show 0. */
  public List<Usage> usage() {
    Map<Descriptor, Long> all = new TreeMap<>(Descriptor.ORDER);
    captures.keySet().forEach(d -> all.put(d, 0L));
    replays.forEach((d, n) -> all.put(d, n[0]));
    List<Usage> out = new ArrayList<>();
    all.forEach((d, n) -> out.add(new Usage(d, n)));
    return out;
  }
}
