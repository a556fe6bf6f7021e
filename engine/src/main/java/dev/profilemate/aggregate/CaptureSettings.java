package dev.profilemate.aggregate;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which triggered-capture rules are on, their thresholds, and the seconds kept before and after a
 * firing (docs/triggered-capture.md). Built from the {@code --trigger} values of export and collect:
 * {@code off} (every rule off), {@code RULE:off}, {@code RULE:on}, {@code RULE:key=value,...} (also
 * turns the rule on), {@code capture:before=S,after=S}; later values override earlier ones.
 */
public record CaptureSettings(Map<CaptureSettings.Rule, Map<String, Double>> rules, double beforeSec, double afterSec)
    implements java.io.Serializable {

  /** The rules, by the name the flag and capture_windows.csv use; defaults are an operator's alarm levels. */
  public enum Rule {
    /** p99 of the engine step time over `window` s above `factor` × its p99 over the `baseline` s before. */
    STEP_TIME("step_time", "ms", params("window", 30, "baseline", 600, "factor", 2, "min_steps", 100,
        "min_baseline_steps", 1000)),
    /** An EngineCore's KV cache usage reaches `threshold` %; fires again only after it fell below `rearm` %. */
    KV_USAGE("kv_usage", "%", params("threshold", 95, "rearm", 90)),
    /** At least `count` preemptions within `window` s. */
    PREEMPTION_BURST("preemption_burst", "preemptions", params("count", 10, "window", 10)),
    /** p99 time to first token over `window` s above `factor` × its p99 over the `baseline` s before. */
    TTFT("ttft", "ms", params("window", 30, "baseline", 600, "factor", 2, "min_requests", 20,
        "min_baseline_requests", 100));

    public final String flag;
    public final String unit;
    final Map<String, Double> defaults;

    Rule(String flag, String unit, Map<String, Double> defaults) {
      this.flag = flag;
      this.unit = unit;
      this.defaults = defaults;
    }

    public Map<String, Double> defaults() {
      return defaults;
    }

    static Rule byFlag(String name) {
      for (Rule r : values()) {
        if (r.flag.equals(name)) {
          return r;
        }
      }
      return null;
    }
  }

  public static final double DEFAULT_BEFORE_SEC = 30;
  public static final double DEFAULT_AFTER_SEC = 30;
  private static final String CAPTURE = "capture";

  public static CaptureSettings defaults() {
    Map<Rule, Map<String, Double>> m = new EnumMap<>(Rule.class);
    for (Rule r : Rule.values()) {
      m.put(r, r.defaults);
    }
    return new CaptureSettings(m, DEFAULT_BEFORE_SEC, DEFAULT_AFTER_SEC);
  }

  public CaptureSettings {
    rules = java.util.Collections.unmodifiableMap(new EnumMap<>(rules.isEmpty() ? new EnumMap<>(Rule.class) : rules));
  }

  public boolean on(Rule r) {
    return rules.containsKey(r);
  }

  public double get(Rule r, String key) {
    return rules.get(r).get(key);
  }

  /**
   * The settings the flags describe, on top of the defaults. A bad value throws
   * IllegalArgumentException with the one line to show (the CLI makes it a usage error).
   */
  public static CaptureSettings parse(List<String> specs) {
    Map<Rule, Map<String, Double>> on = new EnumMap<>(Rule.class);
    Map<Rule, Map<String, Double>> values = new EnumMap<>(Rule.class);
    for (Rule r : Rule.values()) {
      on.put(r, r.defaults);
      values.put(r, new LinkedHashMap<>(r.defaults));
    }
    double before = DEFAULT_BEFORE_SEC;
    double after = DEFAULT_AFTER_SEC;
    for (String spec : specs) {
      String s = spec.strip();
      if (s.equals("off")) {
        on.clear();
        continue;
      }
      int colon = s.indexOf(':');
      String name = colon < 0 ? s : s.substring(0, colon);
      String rest = colon < 0 ? "" : s.substring(colon + 1);
      if (name.equals(CAPTURE)) {
        Map<String, Double> kv = keyValues(spec, CAPTURE, rest, Map.of("before", before, "after", after));
        before = kv.get("before");
        after = kv.get("after");
        continue;
      }
      Rule r = Rule.byFlag(name);
      if (r == null) {
        throw new IllegalArgumentException("--trigger " + spec + ": no rule '" + name + "' (rules: " + names()
            + "; or off, capture:before=S,after=S)");
      }
      if (rest.equals("off")) {
        on.remove(r);
      } else if (rest.equals("on") || rest.isEmpty()) {
        on.put(r, values.get(r));
      } else {
        values.get(r).putAll(keyValues(spec, r.flag, rest, values.get(r)));
        on.put(r, values.get(r));
      }
    }
    Map<Rule, Map<String, Double>> result = new EnumMap<>(Rule.class);
    on.forEach((r, m) -> result.put(r, Map.copyOf(values.get(r))));
    return new CaptureSettings(result, before, after);
  }

  private static Map<String, Double> keyValues(String spec, String what, String text, Map<String, Double> known) {
    Map<String, Double> out = new LinkedHashMap<>(known);
    for (String kv : text.split(",")) {
      int eq = kv.indexOf('=');
      String key = eq < 0 ? kv.strip() : kv.substring(0, eq).strip();
      if (!known.containsKey(key)) {
        throw new IllegalArgumentException("--trigger " + spec + ": " + what + " has no setting '" + key
            + "' (settings: " + String.join(", ", known.keySet()) + ")");
      }
      double v;
      try {
        v = eq < 0 ? Double.NaN : Double.parseDouble(kv.substring(eq + 1).strip());
      } catch (NumberFormatException e) {
        v = Double.NaN;
      }
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("--trigger " + spec + ": " + what + " " + key
            + " needs a number of 0 or more, as in " + what + ":" + key + "=" + fmt(known.get(key)));
      }
      out.put(key, v);
    }
    return out;
  }

  private static String names() {
    List<String> n = new ArrayList<>();
    for (Rule r : Rule.values()) {
      n.add(r.flag);
    }
    return String.join(", ", n);
  }

  private static Map<String, Double> params(Object... kv) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
  }

  /** "kv_usage:threshold=95,rearm=90; …; capture:before=30,after=30": what ran, for metadata and help. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    for (Rule r : Rule.values()) {
      if (!on(r)) {
        parts.add(r.flag + ":off");
        continue;
      }
      List<String> kv = new ArrayList<>();
      rules.get(r).forEach((k, v) -> kv.add(k + "=" + fmt(v)));
      // Map.copyOf loses the order: list the settings in the rule's declared order
      kv.sort(java.util.Comparator.comparingInt(s -> List.copyOf(r.defaults.keySet()).indexOf(s.substring(0, s.indexOf('=')))));
      parts.add(r.flag + ":" + String.join(",", kv));
    }
    parts.add(CAPTURE + ":before=" + fmt(beforeSec) + ",after=" + fmt(afterSec));
    return String.join("; ", parts);
  }
}
