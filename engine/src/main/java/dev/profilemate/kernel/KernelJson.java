package dev.profilemate.kernel;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.profilemate.common.PrivateFiles;
import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes analysis results as JSON: records in component order, map keys sorted, two-space
 * indent, {@code \n} line ends, numbers as Java writes them (locale-independent).
 */
public final class KernelJson {
  private static final ObjectWriter WRITER;

  static {
    ObjectMapper m = new ObjectMapper();
    m.enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
        .withObjectIndenter(new DefaultIndenter("  ", "\n"))
        .withArrayIndenter(new DefaultIndenter("  ", "\n"));
    WRITER = m.writer(pp);
  }

  private KernelJson() {}

  public static String toJson(Object value) {
    try {
      return WRITER.writeValueAsString(value) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void write(Path out, Object value) {
    try {
      PrivateFiles.writeString(out, toJson(value));
    } catch (IOException e) {
      throw new UserDataException(out + ": cannot write (" + e.getMessage() + ")");
    }
  }
}
