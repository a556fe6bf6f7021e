package dev.profilemate.aggregate;

import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Encoder, decoder and cross-attention time of encoder-decoder and multimodal models. */
public final class EncoderDecoder implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field DURATION_NS = Field.of("duration_ns");
  private static final Field COMPONENT = Field.of("component");
  private static final Field CONTEXT = Field.of("context");

  private final SessionClock clock;
  private final Consumer<Timing> sink;
  private final Map<String, Percentiles> byComponent = new TreeMap<>();
  private final Percentiles decoder = new Percentiles();

  public EncoderDecoder(SessionClock clock, Consumer<Timing> sink) {
    this.clock = clock;
    this.sink = sink;
  }

  public record Timing(double timestampSec, String component, double durationMs, String context, int process) {}

  public record Summary(Map<String, Percentiles.Snapshot> components, Map<String, Double> sharePct) {}

  /** The types accept() reads (its cases): the rest are never handed to it. */
  private static final java.util.Set<String> RECORDS = java.util.Set.of("forward_pass", "encoder_decoder");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    if (r.name().equals("forward_pass")) {
      decoder.add(r.getLong(DURATION_NS)); // the decoder side: the language model's forward
      return;
    }
    if (!r.name().equals("encoder_decoder")) {
      return;
    }
    String c = r.getString(COMPONENT);
    byComponent.computeIfAbsent(c, k -> new Percentiles()).add(r.getLong(DURATION_NS));
    sink.accept(new Timing(clock.sec(r.tNs()), c, SessionClock.millis(r.getLong(DURATION_NS)), r.getString(CONTEXT),
        r.process()));
  }

  public Summary summary() {
    Map<String, Percentiles.Snapshot> m = new TreeMap<>();
    double total = 0;
    for (Map.Entry<String, Percentiles> e : byComponent.entrySet()) {
      m.put(e.getKey(), e.getValue().snapshot());
      total += m.get(e.getKey()).totalMs();
    }
    if (!m.isEmpty() && !m.containsKey("decoder") && decoder.count() > 0) {
      m.put("decoder", decoder.snapshot());
      total += m.get("decoder").totalMs();
    }
    Map<String, Double> share = new TreeMap<>();
    for (Map.Entry<String, Percentiles.Snapshot> e : m.entrySet()) {
      share.put(e.getKey(), total > 0 ? 100.0 * e.getValue().totalMs() / total : 0);
    }
    return new Summary(m, share);
  }
}
