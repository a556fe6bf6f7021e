package dev.profilemate.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * ProfileMate's versions, from the one file that declares them: probe/profilemate_probe/
 * versions.properties, packed into the jar as {@value #RESOURCE} (engine/pom.xml).
 */
public final class Versions {
  public static final String RESOURCE = "/profilemate/versions.properties";

  private static final Properties VALUES = load();

  /** The release of the engine, the probe and the wheel (they ship together). */
  public static final String RELEASE = VALUES.getProperty("release");

  /** The spool format the probe writes: the engine reads this major, every minor of it. */
  public static final int SPOOL_MAJOR = part(VALUES.getProperty("spool"), 0);

  public static final int SPOOL_MINOR = part(VALUES.getProperty("spool"), 1);

  /** The oldest minor of {@link #SPOOL_MAJOR} this engine reads. */
  public static final int SPOOL_OLDEST_MINOR = part(VALUES.getProperty("spool.oldest"), 1);

  private Versions() {}

  /** The spool versions this engine reads, as one phrase: "1.0 to 1.5 (and later 1.x minors)". */
  public static String spoolRange() {
    return SPOOL_MAJOR + "." + SPOOL_OLDEST_MINOR + " to " + SPOOL_MAJOR + "." + SPOOL_MINOR
        + " (and later " + SPOOL_MAJOR + ".x minors)";
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = Versions.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the jar (engine/pom.xml packs it)");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  private static int part(String majorMinor, int index) {
    return Integer.parseInt(majorMinor.trim().split("\\.")[index]);
  }
}
