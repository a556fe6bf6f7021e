package dev.profilemate.report;

import java.util.ArrayList;
import java.util.List;

/**
 * One finding with the numbers behind it and what to change. Verdicts: {@code act} (change a
 * setting), {@code watch} (borderline), {@code ok}, {@code info}.
 */
public record Recommendation(String topic, String verdict, String finding, String action, List<Evidence> evidence) {

  public record Evidence(String label, String value) {}

  static Builder on(String topic) {
    return new Builder(topic);
  }

  static final class Builder {
    private final String topic;
    private final List<Evidence> evidence = new ArrayList<>();

    private Builder(String topic) {
      this.topic = topic;
    }

    Builder evidence(String label, String value) {
      evidence.add(new Evidence(label, value));
      return this;
    }

    Recommendation verdict(String verdict, String finding, String action) {
      return new Recommendation(topic, verdict, finding, action, List.copyOf(evidence));
    }
  }
}
