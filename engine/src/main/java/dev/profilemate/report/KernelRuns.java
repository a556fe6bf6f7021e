package dev.profilemate.report;

import dev.profilemate.common.CsvTable;
import dev.profilemate.common.GpuCatalogue;
import dev.profilemate.common.UserDataException;
import dev.profilemate.kernel.category.CategoryRules;
import dev.profilemate.kernel.kineto.KinetoAnalyzer;
import dev.profilemate.kernel.kineto.TraceReport;
import dev.profilemate.kernel.ncu.NcuAnalyzer;
import dev.profilemate.kernel.ncu.NcuReport;
import dev.profilemate.kernel.nsys.NsysAnalyzer;
import dev.profilemate.kernel.nsys.NsysRepExporter;
import dev.profilemate.kernel.nsys.NsysReport;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Runs the kernel analyzers of {@code profilemate nsys|ncu|trace} in-process on the report's
 * inputs, with the built-in category rules. A result is null where its input was not given. Bad
 * input ends as one line that names the option and the file.
 */
record KernelRuns(NsysReport nsys, TraceReport trace, NcuReport ncu) {
  static final KernelRuns NONE = new KernelRuns(null, null, null);
  /** Largest idle gaps kept per GPU (the report shows the first five). */
  static final int LARGEST_GAPS = 10;

  static KernelRuns of(KernelInputs in, String gpu) {
    return of(in, gpu, GpuCatalogue.bundled());
  }

  static KernelRuns of(KernelInputs in, String gpu, GpuCatalogue gpus) {
    if (in == null || !in.any()) {
      return NONE;
    }
    CategoryRules rules = CategoryRules.defaults();
    NsysReport nsys = run("--nsys", in.nsys(), f -> new NsysAnalyzer(rules, LARGEST_GAPS).analyze(sqlite(f)).report());
    TraceReport trace = run("--trace", in.trace(), f -> new KinetoAnalyzer(rules, LARGEST_GAPS).analyze(f));
    NcuReport ncu = run("--ncu", in.ncu(), f -> new NcuAnalyzer(rules, gpus, blankToNull(gpu)).analyze(f));
    return new KernelRuns(nsys, trace, ncu);
  }

  private static Path sqlite(Path f) {
    return NsysRepExporter.isReport(f) ? new NsysRepExporter(System.getenv("PATH")).export(f) : f;
  }

  private static <T> T run(String option, Path file, Function<Path, T> analyze) {
    if (file == null) {
      return null;
    }
    try {
      return analyze.apply(file);
    } catch (UserDataException e) {
      // the analyzers' messages start with the file: "FILE: problem"
      throw new UserDataException(option + " " + e.getMessage(), e);
    } catch (RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : CsvTable.firstLine(e.getMessage());
      throw new UserDataException(option + " " + file + ": cannot analyse (" + why + ")", e);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
