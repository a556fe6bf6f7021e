package dev.profilemate.timeline;

import dev.profilemate.session.ParallelIdentity;
import dev.profilemate.session.ProcessInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The trace's tracks: one group per profiled process, named by {@link #groupName} (the one place
 * that says what identifies a process, so rank identity records can extend it), and under it the
 * tracks of {@link Kind} (lanes where slices of one kind overlap). Tracks are made as they are
 * first used and declared, in a fixed order, by {@link #declare} once the records are read: a
 * process's role and rank may be learnt after it started (process_role records).
 */
final class TrackGroups {
  /** The tracks of a process's group, in the order they are shown; counters have no lanes. */
  enum Kind {
    STEPS("scheduler steps", false, "one slice per Scheduler.schedule() call, to the next one's start"
        + " (or the end of the update_from_output() between them); children: schedule(), update_from_output()"),
    KV_USAGE("KV cache usage", true, "KV blocks in use at each scheduler step, % of the usable blocks"),
    RUNNING("running requests", true, "length of the scheduler's running queue at each step"),
    WAITING("waiting requests", true, "length of the scheduler's waiting queue at each step"),
    FORWARD("forward passes", false, "one slice per model forward step, named by its phase; GPU time where"
        + " CUDA events timed it, placed at its host start"),
    GRAPHS("CUDA graph replays", false, "one slice per captured-graph replay: the graph's padded batch"),
    REQUESTS("requests", false, "one slice per request, arrival to finish: queued, prefill (its chunks as"
        + " instants), decode; preemptions as instants and the time they waited as slices");

    final String title;
    final boolean counter;
    final String description;

    Kind(String title, boolean counter, String description) {
      this.title = title;
      this.counter = counter;
      this.description = description;
    }
  }

  /**
   * What is known of a process: its spool's metadata, the role and rank it said later, and its place
   * in vLLM's parallel layout once its parallel_identity record came (else null).
   */
  record Identity(long pid, String role, int rank, String host, ParallelIdentity parallel) {}

  private final Map<Integer, Identity> processes = new TreeMap<>();
  private final Map<Long, int[]> used = new TreeMap<>(); // uuid -> {process, kind, lane}

  TrackGroups(List<ProcessInfo> infos) {
    for (ProcessInfo p : infos) {
      processes.put(p.index(), new Identity(p.pid(), p.role(), p.rank(), p.metadata().path("host").asText(""), null));
    }
  }

  /** A process_role record: the role and rank the process learnt after start. */
  void role(int process, String role, int rank) {
    Identity i = processes.get(process);
    if (i != null) {
      processes.put(process, new Identity(i.pid(), role.isEmpty() ? i.role() : role, rank, i.host(), i.parallel()));
    }
  }

  /** A parallel_identity record: the process's ranks and node (the latest wins, as in the export). */
  void parallel(int process, ParallelIdentity id) {
    Identity i = processes.get(process);
    if (i != null) {
      processes.put(process, new Identity(i.pid(), i.role(), i.rank(), i.host(), id));
    }
  }

  /**
   * A process's group name: its role and pid, then where it sits: its node and the DP, PP, TP and EP
   * ranks it has once its parallel_identity came ("worker 502 node-b dp0 tp1 ep1"), else the rank
   * it said ("worker 302 rank 0"), so the groups of a multi-GPU session read as vLLM lays it out.
   */
  static String groupName(Identity i) {
    String base = i.role() + " " + i.pid();
    ParallelIdentity p = i.parallel();
    if (p == null) {
      return base + (i.rank() >= 0 ? " rank " + i.rank() : "");
    }
    return base + ranks(p);
  }

  /** " node dpN ppN tpN epN", each only where the process has it (pp only past one stage). */
  private static String ranks(ParallelIdentity p) {
    StringBuilder b = new StringBuilder();
    if (!p.node().isEmpty()) {
      b.append(' ').append(p.node());
    }
    if (p.dpRank() >= 0) {
      b.append(" dp").append(p.dpRank());
    }
    if (p.ppRank() >= 0 && p.ppSize() > 1) {
      b.append(" pp").append(p.ppRank());
    }
    if (p.tpRank() >= 0) {
      b.append(" tp").append(p.tpRank());
    }
    if (p.epRank() >= 0) {
      b.append(" ep").append(p.epRank());
    }
    return b.toString();
  }

  /** The track of kind (lane 0 for counters) in process's group, made on first use. */
  long track(int process, Kind kind, int lane) {
    long uuid = ((long) (process + 1) << 32) | ((long) kind.ordinal() << 20) | lane;
    used.putIfAbsent(uuid, new int[] {process, kind.ordinal(), lane});
    return uuid;
  }

  private static long groupUuid(int process) {
    return (long) (process + 1) << 32 | 0xFFFFF;
  }

  /** Declares every group that has a track, and its tracks, ordered by kind and lane. */
  void declare(PerfettoTrace trace) throws IOException {
    List<Integer> groups = new ArrayList<>();
    used.values().forEach(u -> {
      if (!groups.contains(u[0])) {
        groups.add(u[0]);
      }
    });
    for (int p : groups) {
      Identity i = processes.get(p);
      List<String> labels = new ArrayList<>();
      labels.add("role " + i.role());
      if (i.rank() >= 0) {
        labels.add("rank " + i.rank());
      }
      if (!i.host().isEmpty()) {
        labels.add("host " + i.host());
      }
      if (i.parallel() != null) {
        labels.add("ranks" + ranks(i.parallel()));
      }
      trace.process(groupUuid(p), i.pid(), groupName(i), labels.toArray(String[]::new));
    }
    for (Map.Entry<Long, int[]> e : used.entrySet()) {
      int[] u = e.getValue();
      Kind k = Kind.values()[u[1]];
      int rank = u[1] * 100_000 + u[2];
      if (k.counter) {
        trace.counterTrack(e.getKey(), groupUuid(u[0]), k.title, rank, k == Kind.KV_USAGE ? "%" : "requests");
      } else {
        String name = u[2] == 0 ? k.title : k.title + " " + (u[2] + 1);
        trace.track(e.getKey(), groupUuid(u[0]), name, rank, u[2] == 0 ? k.description : null);
      }
    }
  }
}
