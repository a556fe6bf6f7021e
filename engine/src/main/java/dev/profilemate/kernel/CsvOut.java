package dev.profilemate.kernel;

import de.siegmar.fastcsv.writer.CsvWriter;
import de.siegmar.fastcsv.writer.LineDelimiter;
import dev.profilemate.common.PrivateFiles;
import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Writes lists of flat records as CSV files (one column per scalar record component, in
 * declaration order; list components are left out), LF line ends, numbers in Locale.ROOT form.
 */
public final class CsvOut {
  private CsvOut() {}

  private static Object value(RecordComponent c, Record r) {
    try {
      return c.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  public static <R extends Record> void write(Path dir, String fileName, Class<R> type, List<R> rows) {
    RecordComponent[] all = type.getRecordComponents();
    List<RecordComponent> cols = new ArrayList<>();
    for (RecordComponent c : all) {
      if (!Collection.class.isAssignableFrom(c.getType()) && !Map.class.isAssignableFrom(c.getType())
          && !Record.class.isAssignableFrom(c.getType())) {
        cols.add(c);
      }
    }
    Path out = dir.resolve(fileName);
    try {
      PrivateFiles.write(out, os -> {
        try (CsvWriter w = CsvWriter.builder().lineDelimiter(LineDelimiter.LF)
            .build(new OutputStreamWriter(os, StandardCharsets.UTF_8))) {
          w.writeRecord(cols.stream().map(RecordComponent::getName).toList());
          for (R r : rows) {
            List<String> vals = new ArrayList<>(cols.size());
            for (RecordComponent c : cols) {
              Object v = value(c, r);
              vals.add(v == null ? "" : v.toString());
            }
            w.writeRecord(vals);
          }
        }
      });
    } catch (IOException e) {
      throw new UserDataException(out + ": cannot write (" + e.getMessage() + ")");
    }
  }
}
