package dev.profilemate.report;

import dev.profilemate.common.CsvRows;
import dev.profilemate.report.SessionRows.PreemptionEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * preemption_events.csv streamed: preemptions by reason, and the events of the requests the report
 * explains (each request's in time order); a preemption storm can write millions of events.
 */
record PreemptionEvents(long preempted, SortedMap<String, Long> reasons, Map<String, List<PreemptionEvent>> ofRequests) {

  static final PreemptionEvents NONE = new PreemptionEvents(0, Collections.emptySortedMap(), Map.of());

  /** A request's events in time order; none when it had none or was not among those kept. */
  List<PreemptionEvent> of(String requestId) {
    return ofRequests.getOrDefault(requestId, List.of());
  }

  static final class Reader implements CsvRows.Sink {
    private final int t;
    private final int id;
    private final int event;
    private final int reason;
    private final int extra;
    private final Set<String> keep;
    private final SortedMap<String, Long> reasons = new TreeMap<>();
    private final Map<String, List<PreemptionEvent>> kept = new HashMap<>();
    private long preempted;

    /** {@code keep}: the request ids whose events are kept. */
    Reader(CsvRows.Header h, Set<String> keep) {
      t = h.index("timestamp_sec");
      id = h.index("request_id");
      event = h.index("event");
      reason = h.index("reason");
      extra = h.index("extra_info");
      this.keep = keep;
    }

    @Override
    public void row(CsvRows.Row r) {
      String e = r.label(event);
      if (e.equals("preempted")) {
        preempted++;
        String why = r.label(reason);
        reasons.merge(why.isEmpty() ? "unknown" : why, 1L, Long::sum);
      }
      String request = r.text(id);
      if (keep.contains(request)) {
        kept.computeIfAbsent(request, k -> new ArrayList<>()).add(new PreemptionEvent(r.number(t), request, e,
            r.label(reason), r.text(extra)));
      }
    }

    PreemptionEvents events() {
      Map<String, List<PreemptionEvent>> sorted = new HashMap<>();
      kept.forEach((k, v) -> sorted.put(k, v.stream().sorted(Comparator.comparingDouble(PreemptionEvent::timeSec))
          .toList()));
      return new PreemptionEvents(preempted, Collections.unmodifiableSortedMap(reasons), Map.copyOf(sorted));
    }
  }
}
