package dev.profilemate.aggregate;

import dev.profilemate.aggregate.CaptureSettings.Rule;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The triggered-capture rules (docs/triggered-capture.md), fed the merged timeline in order: the
 * moments a rule fired, and the capture windows around them (firing − before … firing + after,
 * overlapping windows merged into one capture). The same engine runs in {@code export} (which
 * writes capture_windows.csv) and in {@code collect}, which also keeps the spool segments of each
 * window. A rule that fired stays quiet until its condition has cleared (re-armed), so a long
 * overload is one firing, not one per step.
 */
public final class CaptureRules implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field UPDATE_T_NS = Field.of("update_t_ns");
  private static final Field UPDATE_NS = Field.of("update_ns");
  private static final Field EVENT = Field.of("event");
  private static final Field REQUEST_ID = Field.of("request_id");

  /** At most this many firings are listed per capture (the first ones); the rest are counted. */
  public static final int MAX_FIRINGS_PER_CAPTURE = 100;
  /** Requests waiting for their first token that are followed at once; older ones are forgotten. */
  private static final int MAX_PENDING_ARRIVALS = 100_000;

  /** One rule firing: its measured value against the threshold it crossed, in the rule's unit. */
  public record Firing(Rule rule, double firedSec, double value, double threshold) implements java.io.Serializable {}

  /** One capture: the merged window of its firings, named by its first firing. */
  public record Capture(String id, double startSec, double endSec, List<Firing> firings, long firingsNotListed)
      implements java.io.Serializable {}

  private final CaptureSettings settings;
  private final SessionClock clock;
  private final RecordSchema schema;
  private final SchedulerSteps steps;
  private final List<Capture> captures = new ArrayList<>();

  private transient SpoolRecord current; // only while accept() runs
  // step_time: per EngineCore, the previous step's start and whether it scheduled anything
  private final Map<Integer, long[]> previousStep = new HashMap<>();
  private final WindowVsBaseline stepTime;
  private boolean stepTimeArmed = true;
  // kv_usage, per EngineCore
  private final Map<Integer, Boolean> kvArmed = new HashMap<>();
  // preemption_burst
  private final ArrayDeque<Double> preemptions = new ArrayDeque<>();
  private boolean burstArmed = true;
  // ttft
  private final Map<String, Long> arrivals = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> e) {
      return size() > MAX_PENDING_ARRIVALS;
    }
  };
  private final WindowVsBaseline ttft;
  private boolean ttftArmed = true;
  // the settings, read once: the per-record path does no map lookups
  private final boolean anyOn;
  private final boolean kvOn;
  private final double kvThreshold;
  private final double kvRearm;
  private final boolean burstOn;
  private final double burstWindow;
  private final double burstCount;

  public CaptureRules(CaptureSettings settings, SessionClock clock, RecordSchema schema) {
    this.settings = settings;
    this.clock = clock;
    this.schema = schema;
    // the step record's decoding (limits, v2/v3, KV usage) lives once, in SchedulerSteps
    this.steps = new SchedulerSteps(clock, (java.util.function.Consumer<SchedulerSteps.Step> & java.io.Serializable) this::onStep);
    this.stepTime = settings.on(Rule.STEP_TIME)
        ? new WindowVsBaseline(settings.get(Rule.STEP_TIME, "window"), settings.get(Rule.STEP_TIME, "baseline"))
        : null;
    this.ttft = settings.on(Rule.TTFT)
        ? new WindowVsBaseline(settings.get(Rule.TTFT, "window"), settings.get(Rule.TTFT, "baseline")) : null;
    this.anyOn = !settings.rules().isEmpty();
    this.kvOn = settings.on(Rule.KV_USAGE);
    this.kvThreshold = kvOn ? settings.get(Rule.KV_USAGE, "threshold") : 0;
    this.kvRearm = kvOn ? settings.get(Rule.KV_USAGE, "rearm") : 0;
    this.burstOn = settings.on(Rule.PREEMPTION_BURST);
    this.burstWindow = burstOn ? settings.get(Rule.PREEMPTION_BURST, "window") : 0;
    this.burstCount = burstOn ? settings.get(Rule.PREEMPTION_BURST, "count") : 0;
  }

  public CaptureSettings settings() {
    return settings;
  }

  @Override
  public boolean wants(String recordName) {
    return anyOn && (recordName.equals("request_event") || steps.wants(recordName));
  }

  @Override
  public void accept(SpoolRecord r) {
    if (!anyOn) {
      return; // --trigger off: nothing to decode
    }
    current = r;
    switch (r.name()) {
      case "scheduler_limits", "scheduler_step", "scheduler_step_v2", "scheduler_step_v3" -> steps.accept(r);
      case "request_event" -> requestEvent(r);
      default -> {}
    }
  }

  private void onStep(SchedulerSteps.Step s) {
    SpoolRecord r = current;
    if (kvOn) {
      kvUsage(r.process(), s);
    }
    if (stepTime != null && r.name().equals("scheduler_step_v3")) {
      long[] prev = previousStep.get(r.process());
      // the step before this one ran from its schedule() to the end of the update_from_output()
      // this record carries: the engine's step time, with the idle wait between requests left out
      long updateEnd = r.getLong(UPDATE_T_NS) + r.getLong(UPDATE_NS);
      if (prev != null && prev[1] == 1 && r.getLong(UPDATE_T_NS) > prev[0]) {
        check(Rule.STEP_TIME, stepTime.add(s.timestampSec(), updateEnd - prev[0]));
      } else {
        check(Rule.STEP_TIME, stepTime.advance(s.timestampSec()));
      }
      previousStep.put(r.process(), new long[] {r.tNs(), s.phase().equals("idle") ? 0 : 1});
    }
  }

  private void kvUsage(int process, SchedulerSteps.Step s) {
    boolean armed = kvArmed.getOrDefault(process, true);
    if (armed && s.kvTotalBlocks() > 0 && s.kvUsagePct() >= kvThreshold) {
      fire(new Firing(Rule.KV_USAGE, s.timestampSec(), s.kvUsagePct(), kvThreshold));
      kvArmed.put(process, false);
    } else if (!armed && s.kvUsagePct() < kvRearm) {
      kvArmed.put(process, true);
    }
  }

  private void requestEvent(SpoolRecord r) {
    String ev = schema.enumName("request_event.event", r.getLong(EVENT));
    double t = clock.sec(r.tNs());
    switch (ev) {
      case "arrived" -> {
        if (ttft != null) {
          arrivals.put(r.getString(REQUEST_ID), r.tNs());
        }
      }
      case "first_token" -> {
        Long arrived = ttft == null ? null : arrivals.remove(r.getString(REQUEST_ID));
        if (arrived != null) {
          check(Rule.TTFT, ttft.add(t, r.tNs() - arrived));
        }
      }
      case "finished" -> arrivals.remove(r.getString(REQUEST_ID));
      case "preempted" -> {
        if (burstOn) {
          preemption(t);
        }
      }
      default -> {}
    }
  }

  private void preemption(double t) {
    double window = burstWindow;
    double count = burstCount;
    while (!preemptions.isEmpty() && preemptions.peekFirst() <= t - window) {
      preemptions.pollFirst();
    }
    if (preemptions.size() < count) {
      burstArmed = true; // the last burst has passed
    }
    preemptions.addLast(t);
    if (burstArmed && preemptions.size() >= count) {
      fire(new Firing(Rule.PREEMPTION_BURST, t, preemptions.size(), count));
      burstArmed = false;
    }
  }

  /** A window-vs-baseline rule's check: fires above factor × baseline p99 with enough samples. */
  private void check(Rule rule, WindowVsBaseline.Check c) {
    if (c == null) {
      return;
    }
    String samples = rule == Rule.STEP_TIME ? "steps" : "requests";
    if (c.windowCount() < settings.get(rule, "min_" + samples)
        || c.baselineCount() < settings.get(rule, "min_baseline_" + samples)) {
      return; // too few to call a p99 a spike
    }
    double threshold = settings.get(rule, "factor") * c.baselineP99() / 1e6;
    double value = c.windowP99() / 1e6;
    boolean above = value > threshold;
    boolean armed = rule == Rule.STEP_TIME ? stepTimeArmed : ttftArmed;
    if (above && armed) {
      fire(new Firing(rule, c.atSec(), value, threshold));
    }
    if (rule == Rule.STEP_TIME) {
      stepTimeArmed = !above;
    } else {
      ttftArmed = !above;
    }
  }

  private void fire(Firing f) {
    double start = Math.max(0, f.firedSec() - settings.beforeSec());
    double end = f.firedSec() + settings.afterSec();
    if (!captures.isEmpty()) {
      Capture last = captures.getLast();
      if (start <= last.endSec()) {
        List<Firing> firings = last.firings();
        long notListed = last.firingsNotListed();
        if (firings.size() < MAX_FIRINGS_PER_CAPTURE) {
          firings = new ArrayList<>(firings);
          firings.add(f);
          firings = List.copyOf(firings);
        } else {
          notListed++;
        }
        captures.set(captures.size() - 1, new Capture(last.id(), Math.min(last.startSec(), start),
            Math.max(last.endSec(), end), firings, notListed));
        return;
      }
    }
    captures.add(new Capture(id(f), start, end, List.of(f), 0));
  }

  /** "kv_usage-63.512": the first firing's rule and time; stable while the session grows. */
  static String id(Firing f) {
    return f.rule().flag + "-" + String.format(java.util.Locale.ROOT, "%.3f", f.firedSec());
  }

  /** The captures so far, oldest first (complete after {@link #finish()}). */
  public List<Capture> captures() {
    return List.copyOf(captures);
  }
}
