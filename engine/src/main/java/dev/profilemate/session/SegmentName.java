package dev.profilemate.session;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A spool file's name read as a process's stream: {@code <role>-<pid>.<n>.pmspool} is segment n of
 * the stream {@code <role>-<pid>} (spool minor 6, SPEC "Segments and the disk budget"); any other
 * {@code <name>.pmspool} is a whole stream on its own (segment -1), as every spool was before.
 */
record SegmentName(String stem, int segment) {
  private static final Pattern SEGMENT = Pattern.compile("(.+)\\.(\\d{1,9})\\.pmspool");

  static SegmentName of(String fileName) {
    Matcher m = SEGMENT.matcher(fileName);
    if (m.matches()) {
      return new SegmentName(m.group(1), Integer.parseInt(m.group(2)));
    }
    return new SegmentName(fileName.substring(0, fileName.length() - SessionReader.SPOOL_SUFFIX.length()), -1);
  }

  boolean segmented() {
    return segment >= 0;
  }

  /** The stream's name in the session files: the same whether or not it was rotated. */
  String streamFileName() {
    return stem + SessionReader.SPOOL_SUFFIX;
  }
}
