package dev.profilemate.profile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Nsight Systems side of quick and full: the launcher command, {@code nsys export --type
 * sqlite}, then {@code profilemate nsys} on the export.
 */
final class NsysPass {
  private NsysPass() {}

  /** nsys profile --trace=cuda,nvtx --cuda-graph-trace=node ... -o OUT/trace SERVER... */
  static List<String> command(Path nsys, Path outDir, List<String> server) {
    List<String> cmd = new ArrayList<>(List.of(nsys.toString(), "profile",
        "--trace=cuda,nvtx", "--cuda-graph-trace=node", "--trace-fork-before-exec=true",
        "--sample=none", "--cpuctxsw=none", "--force-overwrite=true",
        "-o", outDir.resolve("trace").toString()));
    cmd.addAll(server);
    return cmd;
  }

  static Path report(Path outDir) {
    return outDir.resolve("trace.nsys-rep");
  }

  static Path sqlite(Path outDir) {
    return outDir.resolve("trace.sqlite");
  }

  /** Exports the report to SQLite; returns null on success, else what went wrong. */
  static String export(Path nsys, Path outDir, Map<String, String> env) {
    Path rep = report(outDir);
    if (!Files.isRegularFile(rep)) {
      boolean qdstrm = Files.isRegularFile(outDir.resolve("trace.qdstrm"));
      return "nsys wrote no " + rep.getFileName()
          + (qdstrm ? " (only trace.qdstrm: nsys's QdstrmImporter failed; see docs/profile.md)" : " (see vllm_server.log)");
    }
    ShortCommand.Result r = ShortCommand.run(List.of(nsys.toString(), "export", "--type", "sqlite",
        "--force-overwrite", "true", "--output", sqlite(outDir).toString(), rep.toString()), env, 3600);
    if (!r.ok() || !Files.isRegularFile(sqlite(outDir))) {
      return "nsys export --type sqlite failed (exit " + r.exit() + ": " + r.lastLine() + ")";
    }
    return null;
  }

  static EngineStep.Outcome analyze(EngineStep engine, Path outDir) {
    Path k = outDir.resolve("kernels");
    return engine.run(k.resolve("nsys.txt"), "nsys", sqlite(outDir).toString(),
        "--json", k.resolve("nsys.json").toString(), "--csv-dir", k.resolve("nsys").toString());
  }
}
