package dev.profilemate.cli;

import dev.profilemate.query.Query;
import dev.profilemate.query.QueryOutput;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "query",
    description = {"Run SQL (DuckDB) over sessions and Parquet datasets (docs/fleet.md).",
        "Each session file is a view named after it (batch_utilization, request_lifecycle, forward_pass_timing, …) "
            + "with the CSV's columns and types, then session and rank; sessions has one row per session."})
final class QueryCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SQL",
      description = "the query, e.g. \"SELECT phase, count(*) FROM batch_utilization GROUP BY phase\"")
  String sql;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "SESSION",
      description = "exported session_* folders, folders holding them, or Parquet datasets")
  List<Path> inputs;

  @ArgGroup(exclusive = true)
  Format format = new Format();

  static final class Format {
    @Option(names = "--csv", description = "print CSV (RFC 4180, NULL as an empty cell) instead of a table")
    boolean csv;

    @Option(names = "--json", description = "print a JSON array of rows instead of a table")
    boolean json;
  }

  @Override
  public Integer call() {
    QueryOutput out = format.csv ? QueryOutput.CSV : format.json ? QueryOutput.JSON : QueryOutput.TABLE;
    try {
      Query.run(sql, inputs, out, System.out, p -> System.err.println("query: " + p));
    } catch (Query.BadSql e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "SQL: " + e.getMessage(), e);
    }
    System.out.flush();
    return ExitCodes.OK;
  }
}
