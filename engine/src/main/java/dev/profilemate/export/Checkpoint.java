package dev.profilemate.export;

import dev.profilemate.common.PrivateFiles;
import dev.profilemate.common.Versions;
import dev.profilemate.spool.RecordSchema;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * collect's checkpoint, {@value #FILE} in the session folder (0600, written whole: temp + rename):
 * a stamp line (engine release, record schema, capture rules), then the state after the last
 * refresh in Java serialization.
 *
 * <p>Why Java serialization: the state is the aggregators themselves (histograms, maps, requests in
 * flight, the capture rules' windows), and serializing them as they are keeps them untouched
 * (`implements Serializable`; the row sinks are serializable lambdas that look their CSV up when
 * called) where Jackson would need a mapping per class, kept up by everyone who adds a field. Its
 * two dangers are handled here: reading runs an allow-list filter (our classes, the java.util
 * collections, HdrHistogram, Jackson's JSON nodes; nothing else is even instantiated), and a state
 * written by another build fails to read (class changes alter the serial form; the stamp catches
 * a different release, schema or rule set), which costs one full re-read, never a wrong result.
 * The record schema is not written: it is the engine's own, put back on reading.
 *
 * <p>The serial form follows the aggregators' classes, so a checkpoint of an older build (for one,
 * before LatencyParts copied its requests field by field, issue 23) is not read: the collector
 * then reads the session once from its start, and writes the same files.
 */
final class Checkpoint {
  static final String FILE = ".collect-checkpoint";
  // 2: the pipeline holds rank tables and its rows their process (issue 25); a checkpoint of 1 would
  // thaw without them, so it is not read (the collector reads the session from the start).
  // 3: MoE counts per process and requests with their process (per-layer and per-request rank columns)
  private static final String MAGIC = "profilemate collect checkpoint 3";
  private static final ObjectInputFilter PATTERNS = ObjectInputFilter.Config.createFilter(
      "maxdepth=64;maxrefs=10000000;dev.profilemate.**;java.util.*;java.lang.*;java.lang.invoke.SerializedLambda;"
          + "org.HdrHistogram.*;com.fasterxml.jackson.databind.node.*;!*");

  /** Stands in for the record schema in the serial form. */
  private enum SchemaRef { SCHEMA }

  private Checkpoint() {}

  /** The stamp a checkpoint must carry to be read back by this engine with these rules. */
  static String stamp(RecordSchema schema, String rules) {
    return MAGIC + " engine=" + Versions.RELEASE + " schema=" + schema.version() + " rules=" + rules;
  }

  static byte[] freeze(Object state, RecordSchema schema) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes) {
      {
        enableReplaceObject(true);
      }

      @Override
      protected Object replaceObject(Object obj) {
        return obj == schema ? SchemaRef.SCHEMA : obj;
      }
    }) {
      out.writeObject(state);
    }
    return bytes.toByteArray();
  }

  static Object thaw(byte[] frozen, RecordSchema schema) throws IOException {
    String[] rejected = new String[1];
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(frozen)) {
      {
        enableResolveObject(true);
        setObjectInputFilter(info -> {
          ObjectInputFilter.Status st = PATTERNS.checkInput(info);
          if (st == ObjectInputFilter.Status.REJECTED && rejected[0] == null) {
            rejected[0] = String.valueOf(info.serialClass());
          }
          return st;
        });
      }

      @Override
      protected Object resolveObject(Object obj) {
        return obj == SchemaRef.SCHEMA ? schema : obj;
      }
    }) {
      return in.readObject();
    } catch (java.io.InvalidClassException e) {
      throw new IOException(rejected[0] != null ? "it holds a " + rejected[0] + ", which is not allowed" : e.toString(), e);
    } catch (ClassNotFoundException | ClassCastException e) {
      throw new IOException("checkpoint cannot be read: " + e, e);
    }
  }

  /** Writes the checkpoint whole (a reader sees the previous one or this one, never a mix). */
  static void write(Path session, String stamp, byte[] frozen) throws IOException {
    PrivateFiles.write(session.resolve(FILE), out -> {
      out.write((stamp + "\n").getBytes(StandardCharsets.UTF_8));
      out.write(frozen);
    });
  }

  /**
   * The frozen state of the checkpoint, or null when there is none; a checkpoint of another stamp
   * (engine, schema, rules) is null too, and why, in {@code why[0]}.
   */
  static byte[] read(Path session, String stamp, String[] why) throws IOException {
    Path f = session.resolve(FILE);
    byte[] all;
    try {
      if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
      try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
        all = in.readAllBytes();
      }
    } catch (NoSuchFileException e) {
      return null;
    }
    byte[] head = (stamp + "\n").getBytes(StandardCharsets.UTF_8);
    if (all.length < head.length || !Arrays.equals(all, 0, head.length, head, 0, head.length)) {
      int nl = indexOf(all, (byte) '\n');
      why[0] = FILE + " was written by another engine or with other settings ("
          + new String(all, 0, nl < 0 ? Math.min(all.length, 120) : Math.min(nl, 200), StandardCharsets.UTF_8) + ")";
      return null;
    }
    return Arrays.copyOfRange(all, head.length, all.length);
  }

  static void delete(Path session) throws IOException {
    Files.deleteIfExists(session.resolve(FILE));
  }

  private static int indexOf(byte[] b, byte x) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }
}
