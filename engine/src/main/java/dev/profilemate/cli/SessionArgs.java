package dev.profilemate.cli;

import dev.profilemate.common.InputPaths;
import dev.profilemate.common.UserDataException;
import dev.profilemate.session.SessionReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Checks a SESSION argument before anything reads it. The usual slips: the profiling folder
 * instead of one session in it, a file, a session not exported yet; each gets a line that says
 * what to give instead.
 */
final class SessionArgs {
  private SessionArgs() {}

  static final String RAW_SESSION = "the session_* folder the probe wrote (it holds raw/)";
  static final String EXPORTED_SESSION = "a session_* folder that profilemate export wrote into";

  /** A session to export: a folder with raw/ (or spools directly in it). */
  static Path raw(Path p) {
    InputPaths.folder(p, RAW_SESSION);
    if (Files.isDirectory(p.resolve(SessionReader.RAW)) || hasSpools(p)) {
      return p;
    }
    throw new UserDataException(notASession(p, "no raw/ folder and no " + SessionReader.SPOOL_SUFFIX + " spools",
        RAW_SESSION + "; a vLLM run with VLLM_ENABLE_PROFILING=1 makes one"));
  }

  /** A session to report on: exported (metadata.json or the CSV files in it). */
  static Path exported(Path p) {
    InputPaths.folder(p, EXPORTED_SESSION);
    if (Files.exists(p.resolve("metadata.json")) || hasFile(p, ".csv")) {
      return p;
    }
    if (Files.isDirectory(p.resolve(SessionReader.RAW)) || hasSpools(p)) {
      throw new UserDataException(p + " is not exported yet (raw spools only); run 'profilemate export " + p + "' first");
    }
    throw new UserDataException(notASession(p, "no metadata.json and no session CSV files", EXPORTED_SESSION));
  }

  private static String notASession(Path p, String lacks, String give) {
    String many = InputPaths.holdsSessions(p);
    return many != null ? many : p + " is not a session folder (" + lacks + "); give " + give;
  }

  private static boolean hasSpools(Path p) {
    return hasFile(p, SessionReader.SPOOL_SUFFIX);
  }

  private static boolean hasFile(Path dir, String suffix) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(f -> f.getFileName().toString().endsWith(suffix));
    } catch (IOException e) {
      return false;
    }
  }
}
