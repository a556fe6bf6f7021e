package dev.profilemate.cli;

import dev.profilemate.query.Datasets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "merge",
    description = {"Combine sessions from several nodes into one Parquet dataset (docs/fleet.md).",
        "Each session keeps its id as its session=… partition; two different sessions with one id get the later's "
            + "host appended (said on stderr). Inputs: exported session folders, folders of them, or datasets."})
final class MergeCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "OUT",
      description = "the dataset folder to write (new, empty, or a dataset to add to)")
  Path out;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "SESSION",
      description = "exported session_* folders, folders holding them, or Parquet datasets")
  List<Path> inputs;

  @Option(names = "--quiet", description = "no summary line")
  boolean quiet;

  @Override
  public Integer call() {
    Datasets.Summary s = Datasets.write(out, inputs, n -> System.err.println("merge: " + n),
        p -> System.err.println("merge: " + p));
    if (!quiet) {
      System.out.printf("merged %d sessions (%d rows) into %s%n", s.sessions(), s.rows(), s.dataset());
    }
    return ExitCodes.OK;
  }
}
