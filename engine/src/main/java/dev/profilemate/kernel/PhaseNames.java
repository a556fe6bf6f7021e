package dev.profilemate.kernel;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Phase names from range or annotation names. The probe names its ranges {@code
 * profilemate:prefill}, {@code profilemate:decode} and {@code profilemate:mixed} (anything may
 * follow, e.g. a step number); other names are used as they are, less a trailing step number
 * ({@code decode_eager_1} → {@code decode_eager}), so that per-step ranges group together.
 */
public final class PhaseNames {
  private static final Pattern PROBE = Pattern.compile("^profilemate:(prefill|decode|mixed)\\b", Pattern.CASE_INSENSITIVE);
  private static final Pattern STEP_SUFFIX = Pattern.compile("^(.*?[^\\d_#:\\s-])[_#:\\s-]*\\d+$");

  private PhaseNames() {}

  /** {@code prefill}, {@code decode} or {@code mixed} for a probe range name, else null. */
  public static String probePhase(String name) {
    Matcher m = PROBE.matcher(name);
    return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
  }

  public static String withoutStepNumber(String name) {
    Matcher m = STEP_SUFFIX.matcher(name);
    return m.matches() ? m.group(1) : name;
  }
}
