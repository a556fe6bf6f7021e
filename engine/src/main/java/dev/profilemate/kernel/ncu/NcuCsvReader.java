package dev.profilemate.kernel.ncu;

import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import dev.profilemate.common.UserDataException;
import dev.profilemate.kernel.Inputs;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipException;

/**
 * Reads {@code ncu --csv} output: the {@code raw} page (one row per kernel, one column per metric,
 * row 2 = units) or the {@code details} page (one row per kernel × section × metric, ragged rule
 * rows), with auto or base units, plain or gzip, and live stdout where the program's own output
 * and {@code ==PROF==}/{@code ==WARNING==} lines come before (or after) the CSV. Everything before
 * the first line that starts with {@code "ID",} is skipped.
 */
final class NcuCsvReader {
  /** Raw metric names the analysis uses. */
  static final Set<String> WANTED = Set.of(
      "gpu__time_duration.sum",
      "dram__bytes.sum",
      "dram__bytes_read.sum",
      "dram__bytes_write.sum",
      "dram__bytes.sum.per_second",
      "dram__bytes.sum.peak_sustained",
      "dram__cycles_elapsed.avg.per_second",
      "dram__throughput.avg.pct_of_peak_sustained_elapsed",
      "gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed",
      "sm__throughput.avg.pct_of_peak_sustained_elapsed",
      "sm__cycles_elapsed.avg.per_second",
      "sm__inst_executed_pipe_tensor.sum",
      "sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_elapsed",
      "sm__warps_active.avg.pct_of_peak_sustained_active",
      "sm__sass_thread_inst_executed_op_fadd_pred_on.sum",
      "sm__sass_thread_inst_executed_op_fmul_pred_on.sum",
      "sm__sass_thread_inst_executed_op_ffma_pred_on.sum",
      "sm__sass_thread_inst_executed_op_hadd_pred_on.sum",
      "sm__sass_thread_inst_executed_op_hmul_pred_on.sum",
      "sm__sass_thread_inst_executed_op_hfma_pred_on.sum",
      "sm__sass_thread_inst_executed_op_dadd_pred_on.sum",
      "sm__sass_thread_inst_executed_op_dmul_pred_on.sum",
      "sm__sass_thread_inst_executed_op_dfma_pred_on.sum",
      "device__attribute_multiprocessor_count");

  /** Details-page display names (section, metric) and the raw metric each one shows. */
  static final Map<String, String> DISPLAY = Map.of(
      "GPU Speed Of Light Throughput|Duration", "gpu__time_duration.sum",
      "GPU Speed Of Light Throughput|DRAM Throughput", "dram__throughput.avg.pct_of_peak_sustained_elapsed",
      "GPU Speed Of Light Throughput|Memory Throughput", "gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed",
      "GPU Speed Of Light Throughput|Compute (SM) Throughput", "sm__throughput.avg.pct_of_peak_sustained_elapsed",
      "GPU Speed Of Light Throughput|DRAM Frequency", "dram__cycles_elapsed.avg.per_second",
      "GPU Speed Of Light Throughput|SM Frequency", "sm__cycles_elapsed.avg.per_second",
      "Occupancy|Achieved Occupancy", "sm__warps_active.avg.pct_of_peak_sustained_active",
      "Launch Statistics|# SMs", "device__attribute_multiprocessor_count");

  /** What was read. */
  record Result(String page, int skippedLines, List<NcuLaunch> launches) {}

  private NcuCsvReader() {}

  static Result read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new UserDataException(file + ": file not found");
    }
    try (LastCharReader tail = new LastCharReader(new InputStreamReader(Inputs.open(file), StandardCharsets.UTF_8));
        BufferedReader in = new BufferedReader(tail, 1 << 16)) {
      String header = null;
      int skipped = 0;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("\"ID\",")) {
          header = line;
          break;
        }
        skipped++;
      }
      if (header == null) {
        throw new UserDataException(file + ": no ncu CSV header (a line starting with \"ID\",); expected `ncu --csv --page raw|details` output");
      }
      Reader rest = new PrefixedReader(header + "\n", in);
      CsvReader<CsvRecord> csv = CsvReader.builder().allowExtraFields(true).allowMissingFields(true).skipEmptyLines(true)
          .ofCsvRecord(rest);
      java.util.Iterator<CsvRecord> it = csv.iterator();
      List<String> cols = it.next().getFields();
      boolean details = cols.contains("Metric Name") && cols.contains("Metric Value");
      Result r = details ? details(file, cols, it, skipped) : raw(file, cols, it, skipped);
      if (r.launches().isEmpty()) {
        throw new UserDataException(file + ": the ncu CSV has a header but no kernel rows");
      }
      if (!tail.endsWithLineEnd()) {
        throw new UserDataException(file + ": truncated: the file ends inside a line (ncu ends every CSV line)");
      }
      return r;
    } catch (UncheckedIOException e) {
      throw ioError(file, e.getCause());
    } catch (CsvParseException e) {
      throw new UserDataException(file + ": malformed CSV (" + firstLine(e.getMessage()) + ")");
    } catch (IOException e) {
      throw ioError(file, e);
    }
  }

  private static UserDataException ioError(Path file, IOException e) {
    if (e instanceof EOFException || e instanceof ZipException) {
      return new UserDataException(file + ": truncated or corrupt gzip data (" + firstLine(e.getMessage()) + ")");
    }
    return new UserDataException(file + ": cannot read (" + firstLine(e.getMessage()) + ")");
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static int require(Path file, List<String> cols, String name, String page) {
    int i = cols.indexOf(name);
    if (i < 0) {
      throw new UserDataException(file + ": ncu " + page + " CSV is missing the required column \"" + name + "\"");
    }
    return i;
  }

  private static String field(CsvRecord r, int i) {
    return i >= 0 && i < r.getFieldCount() ? r.getField(i) : "";
  }

  private static boolean isProfilerLine(CsvRecord r) {
    String f = r.getField(0);
    return f.startsWith("==") || f.isBlank() && r.getFieldCount() == 1;
  }

  private static Result raw(Path file, List<String> cols, java.util.Iterator<CsvRecord> it, int skipped) {
    int id = require(file, cols, "ID", "raw");
    int name = require(file, cols, "Kernel Name", "raw");
    require(file, cols, "gpu__time_duration.sum", "raw");
    int device = cols.indexOf("Device");
    int cc = cols.indexOf("CC");
    int grid = cols.indexOf("Grid Size");
    int block = cols.indexOf("Block Size");
    int display = cols.indexOf("device__attribute_display_name");
    Map<Integer, String> wanted = new LinkedHashMap<>();
    for (int i = 0; i < cols.size(); i++) {
      if (WANTED.contains(cols.get(i))) {
        wanted.put(i, cols.get(i));
      }
    }
    List<String> units = null;
    List<NcuLaunch> out = new ArrayList<>();
    while (it.hasNext()) {
      CsvRecord r = it.next();
      if (isProfilerLine(r)) {
        continue;
      }
      if (units == null && field(r, id).isEmpty()) {
        units = r.getFields();
        continue;
      }
      Integer launchId = parseId(field(r, id));
      if (launchId == null) {
        continue;
      }
      Map<String, Double> m = new HashMap<>();
      for (Map.Entry<Integer, String> w : wanted.entrySet()) {
        String unit = units != null && w.getKey() < units.size() ? units.get(w.getKey()) : "";
        Double v = NcuUnits.toBase(field(r, w.getKey()), unit);
        if (v != null) {
          m.put(w.getValue(), v);
        }
      }
      out.add(new NcuLaunch(launchId, field(r, name), field(r, device), field(r, cc), field(r, grid), field(r, block),
          display >= 0 ? field(r, display) : null, m));
    }
    return new Result("raw", skipped, out);
  }

  private static Result details(Path file, List<String> cols, java.util.Iterator<CsvRecord> it, int skipped) {
    int id = require(file, cols, "ID", "details");
    int name = require(file, cols, "Kernel Name", "details");
    int section = require(file, cols, "Section Name", "details");
    int metric = require(file, cols, "Metric Name", "details");
    int unit = require(file, cols, "Metric Unit", "details");
    int value = require(file, cols, "Metric Value", "details");
    int device = cols.indexOf("Device");
    int cc = cols.indexOf("CC");
    int grid = cols.indexOf("Grid Size");
    int block = cols.indexOf("Block Size");
    Map<Integer, String[]> ident = new LinkedHashMap<>();
    Map<Integer, Map<String, Double>> metrics = new HashMap<>();
    Map<Integer, Map<String, Double>> shown = new HashMap<>();
    while (it.hasNext()) {
      CsvRecord r = it.next();
      if (isProfilerLine(r)) {
        continue;
      }
      Integer launchId = parseId(field(r, id));
      if (launchId == null) {
        continue;
      }
      ident.computeIfAbsent(launchId, k -> new String[] {field(r, name), field(r, device), field(r, cc), field(r, grid), field(r, block)});
      String mName = field(r, metric);
      if (mName.isEmpty()) {
        continue; // a rule row
      }
      Double v = NcuUnits.toBase(field(r, value), field(r, unit));
      if (v == null) {
        continue;
      }
      if (WANTED.contains(mName)) {
        metrics.computeIfAbsent(launchId, k -> new HashMap<>()).put(mName, v);
      } else {
        String raw = DISPLAY.get(field(r, section) + "|" + mName);
        if (raw != null) {
          shown.computeIfAbsent(launchId, k -> new HashMap<>()).put(raw, v);
        }
      }
    }
    List<NcuLaunch> out = new ArrayList<>();
    for (Map.Entry<Integer, String[]> e : ident.entrySet()) {
      Map<String, Double> m = new HashMap<>(shown.getOrDefault(e.getKey(), Map.of()));
      m.putAll(metrics.getOrDefault(e.getKey(), Map.of())); // the raw metric, when collected, wins
      String[] s = e.getValue();
      out.add(new NcuLaunch(e.getKey(), s[0], s[1], s[2], s[3], s[4], null, m));
    }
    if (!out.isEmpty() && out.stream().noneMatch(l -> l.metric("gpu__time_duration.sum") != null)) {
      throw new UserDataException(file + ": ncu details CSV has no kernel duration (SpeedOfLight \"Duration\" or gpu__time_duration.sum)");
    }
    return new Result("details", skipped, out);
  }

  private static Integer parseId(String s) {
    try {
      return Integer.parseInt(s.strip().replace(",", ""));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A header line followed by the rest of a reader. */
  private static final class PrefixedReader extends Reader {
    private final String prefix;
    private int pos;
    private final Reader rest;

    PrefixedReader(String prefix, Reader rest) {
      this.prefix = prefix;
      this.rest = rest;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
      if (pos < prefix.length()) {
        int n = Math.min(len, prefix.length() - pos);
        prefix.getChars(pos, pos + n, buf, off);
        pos += n;
        return n;
      }
      return rest.read(buf, off, len);
    }

    @Override
    public void close() throws IOException {
      rest.close();
    }
  }
}
