package dev.profilemate.compare;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A sweep: N sessions that differ in one engine setting (max_num_seqs, max_num_batched_tokens, a
 * capture size list...), ordered by it, each compared with the first. The setting is read from
 * metadata.json's engine section, so the sessions say themselves what was swept.
 */
final class Sweep {
  private Sweep() {}

  /** The setting's value in a session, as text ("" when the session does not record it). */
  static String value(SessionSamples s, String key) {
    JsonNode v = s.metadata().path("engine").path(key);
    return v.isMissingNode() || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString();
  }

  /** The sessions in the setting's order: numeric where every value is a number, else as given. */
  static List<SessionSamples> order(List<SessionSamples> sessions, String key) {
    List<String> missing = sessions.stream().filter(s -> value(s, key).isEmpty()).map(SessionSamples::name).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("--sweep " + key + ": metadata.json of " + String.join(", ", missing)
          + " has no engine." + key);
    }
    List<SessionSamples> sorted = new ArrayList<>(sessions);
    if (sessions.stream().allMatch(s -> isNumber(value(s, key)))) {
      sorted.sort(Comparator.comparingDouble(s -> Double.parseDouble(value(s, key))));
    }
    return sorted;
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
