package dev.profilemate.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.common.CsvColumns;
import dev.profilemate.common.CsvTable;
import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One exported session read for compare: the values each metric sums up (numeric columns only,
 * as primitive arrays) and what makes two sessions comparable. A finished request counts toward
 * TTFT/TPOT/E2E; one still running at the end counts toward none.
 *
 * @param spanSec first arrival to last finish: the time the throughputs are per
 */
record SessionSamples(Path dir, String name, Map<Sample, double[]> samples, double spanSec, JsonNode metadata) {
  private static final ObjectMapper JSON = new ObjectMapper();

  double[] of(Sample s) {
    return samples.getOrDefault(s, new double[0]);
  }

  static SessionSamples read(Path dir) {
    Map<Sample, double[]> m = new EnumMap<>(Sample.class);
    CsvColumns r = CsvColumns.read(dir.resolve("request_lifecycle.csv"), List.of("arrival_sec", "first_token_sec",
        "finished_sec", "num_prompt_tokens", "num_output_tokens", "num_preemptions", "queue_wait_sec"));
    double[] arrival = r.get("arrival_sec");
    double[] first = r.get("first_token_sec");
    double[] finished = r.get("finished_sec");
    double[] out = r.get("num_output_tokens");
    double[] queued = r.get("queue_wait_sec");
    double[] preemptions = r.get("num_preemptions");
    double[] prompts = r.get("num_prompt_tokens");
    Values ttft = new Values();
    Values tpot = new Values();
    Values e2e = new Values();
    Values queue = new Values();
    Values preempt = new Values();
    Values outTokens = new Values();
    Values prompt = new Values();
    double from = Double.POSITIVE_INFINITY;
    double to = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < r.rows(); i++) {
      if (Double.isNaN(finished[i])) {
        continue; // still running at the end: its latency is not known
      }
      ttft.add((first[i] - arrival[i]) * 1e3);
      if (out[i] > 1) {
        tpot.add((finished[i] - first[i]) * 1e3 / (out[i] - 1));
      }
      e2e.add((finished[i] - arrival[i]) * 1e3);
      queue.add(queued[i] * 1e3);
      preempt.add(preemptions[i]);
      outTokens.add(out[i]);
      prompt.add(prompts[i]);
      if (!Double.isNaN(arrival[i])) {
        from = Math.min(from, arrival[i]);
      }
      to = Math.max(to, finished[i]);
    }
    m.put(Sample.TTFT_MS, ttft.done());
    m.put(Sample.TPOT_MS, tpot.done());
    m.put(Sample.E2E_MS, e2e.done());
    m.put(Sample.QUEUE_MS, queue.done());
    m.put(Sample.PREEMPTIONS, preempt.done());
    m.put(Sample.OUTPUT_TOKENS, outTokens.done());
    m.put(Sample.PROMPT_TOKENS, prompt.done());
    CsvColumns steps = CsvColumns.read(dir.resolve("batch_utilization.csv"), List.of("seq_utilization_pct", "num_tokens"));
    m.put(Sample.BATCH_FILL_PCT, Values.finite(steps.get("seq_utilization_pct")));
    m.put(Sample.TOKENS_PER_STEP, Values.finite(steps.get("num_tokens")));
    m.put(Sample.KV_USAGE_PCT, Values.finite(CsvColumns.read(dir.resolve("kv_cache_usage.csv"), List.of("usage_pct"))
        .get("usage_pct")));
    CsvColumns parts = CsvColumns.read(dir.resolve("latency_parts.csv"), List.of("queue_wait_sec", "prefill_compute_sec",
        "between_chunks_sec", "preemption_ttft_sec", "decode_step_sec", "sat_out_sec", "preemption_itl_sec"));
    m.put(Sample.TTFT_QUEUE_MS, ms(parts, "queue_wait_sec"));
    m.put(Sample.TTFT_PREFILL_MS, ms(parts, "prefill_compute_sec"));
    m.put(Sample.TTFT_BETWEEN_CHUNKS_MS, ms(parts, "between_chunks_sec"));
    m.put(Sample.TTFT_PREEMPTION_MS, ms(parts, "preemption_ttft_sec"));
    m.put(Sample.ITL_DECODE_STEP_MS, ms(parts, "decode_step_sec"));
    m.put(Sample.ITL_SAT_OUT_MS, ms(parts, "sat_out_sec"));
    m.put(Sample.ITL_PREEMPTION_MS, ms(parts, "preemption_itl_sec"));
    CsvColumns fwd = CsvColumns.read(dir.resolve("forward_pass_timing.csv"), List.of("forward_time_ms"), List.of("phase"));
    m.put(Sample.DECODE_FORWARD_MS, phase(fwd, "decode"));
    m.put(Sample.PREFILL_FORWARD_MS, phase(fwd, "prefill"));
    return new SessionSamples(dir, name(dir), m, to > from ? to - from : Double.NaN, metadata(dir));
  }

  private static double[] ms(CsvColumns c, String column) {
    return java.util.Arrays.stream(c.get(column)).filter(Double::isFinite).map(v -> v * 1e3).toArray();
  }

  private static double[] phase(CsvColumns fwd, String phase) {
    int code = fwd.labels("phase").indexOf(phase);
    double[] p = fwd.get("phase");
    double[] t = fwd.get("forward_time_ms");
    Values v = new Values();
    for (int i = 0; i < fwd.rows(); i++) {
      if (p[i] == code) {
        v.add(t[i]);
      }
    }
    return v.done();
  }

  private static String name(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    return abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
  }

  private static JsonNode metadata(Path dir) {
    Path f = dir.resolve("metadata.json");
    if (!Files.isRegularFile(f)) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(f.toFile());
    } catch (IOException e) {
      throw new UserDataException(f + ": not readable JSON (" + CsvTable.firstLine(e.getMessage()) + ")", e);
    }
  }

  /** A growing array of the finite values added. */
  private static final class Values {
    private double[] v = new double[256];
    private int n;

    void add(double x) {
      if (Double.isFinite(x)) {
        if (n == v.length) {
          v = Arrays.copyOf(v, n * 2);
        }
        v[n++] = x;
      }
    }

    double[] done() {
      return Arrays.copyOf(v, n);
    }

    static double[] finite(double[] all) {
      return Arrays.stream(all).filter(Double::isFinite).toArray();
    }
  }
}
