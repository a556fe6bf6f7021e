package dev.profilemate.aggregate;

import dev.profilemate.session.ParallelIdentity;
import dev.profilemate.session.ProcessInfo;
import dev.profilemate.spool.SpoolRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The rank cells of every per-step row (node, dp_rank, pp_rank, tp_rank, ep_rank), by process:
 * formatted once per process, when its parallel_identity record arrives, and copied into each row
 * as bytes, so the export's per-record cost does not grow with them (issue 25). The node is the
 * spool metadata's host until the identity says otherwise; a rank the process does not have (an
 * EngineCore's TP rank, or any rank before its identity) is an empty cell.
 *
 * <p>Fed in the lane whose rows it serves (an export feeds some aggregators on a second thread):
 * each lane has its own, so a row takes the identity its process had at the row's record, the same
 * whatever the threads' timing.
 */
public final class Ranks implements RecordConsumer, java.io.Serializable {
  private static final long serialVersionUID = 1L;
  /** The column names, in order (docs: export.SessionFile). */
  public static final List<String> COLUMNS = List.of("node", "dp_rank", "pp_rank", "tp_rank", "ep_rank");
  private static final byte[] NONE = ",,,,".getBytes(StandardCharsets.US_ASCII);

  private byte[][] cells = new byte[0][];
  private String[] hosts = new String[0];
  private boolean[] identified = new boolean[0];
  /** The latest identity of each process (null: none yet), for what groups processes by rank (MoeTotals). */
  private ParallelIdentity[] identities = new ParallelIdentity[0];

  /** The processes' hosts (spool metadata), the node until an identity names one; call as processes appear. */
  public void hosts(List<ProcessInfo> processes) {
    for (ProcessInfo p : processes) {
      grow(p.index());
      hosts[p.index()] = p.metadata().path("host").asText("");
      if (!identified[p.index()]) {
        cells[p.index()] = join(hosts[p.index()], -1, -1, -1, -1);
      }
    }
  }

  @Override
  public boolean wants(String recordName) {
    return recordName.equals(ParallelIdentity.RECORD);
  }

  @Override
  public void accept(SpoolRecord r) {
    ParallelIdentity id = ParallelIdentity.of(r);
    int p = r.process();
    grow(p);
    identified[p] = true;
    identities[p] = id;
    String node = id.node().isEmpty() && hosts[p] != null ? hosts[p] : id.node();
    cells[p] = join(node, id.dpRank(), id.ppRank(), id.tpRank(), id.epRank());
  }

  /** The process's cells, comma-joined: node,dp_rank,pp_rank,tp_rank,ep_rank. */
  public byte[] cells(int process) {
    byte[] c = process >= 0 && process < cells.length ? cells[process] : null;
    return c == null ? NONE : c;
  }

  /** The process's latest parallel identity, or null where it recorded none (yet). */
  public ParallelIdentity identity(int process) {
    return process >= 0 && process < identities.length ? identities[process] : null;
  }

  private void grow(int p) {
    if (p >= cells.length) {
      int n = Math.max(p + 1, cells.length * 2);
      cells = Arrays.copyOf(cells, n);
      hosts = Arrays.copyOf(hosts, n);
      identified = Arrays.copyOf(identified, n);
      identities = Arrays.copyOf(identities, n);
    }
  }

  private static byte[] join(String node, int dp, int pp, int tp, int ep) {
    StringBuilder b = new StringBuilder();
    b.append(csv(node));
    for (int v : new int[] {dp, pp, tp, ep}) {
      b.append(',');
      if (v >= 0) {
        b.append(v);
      }
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A host name as one CSV cell (quoted if it ever holds a comma or quote). */
  private static String csv(String s) {
    boolean quote = s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
    return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
  }
}
