package dev.profilemate.profile;

import dev.profilemate.bench.BenchSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Everything one {@code profilemate profile} run was asked to do. {@code bench}'s base URL is filled in once the port is known. */
public record ProfileSettings(
    String model,
    ProfileMode mode,
    boolean withNcu,
    Path outputDir,
    List<String> vllmArgs,
    int port,
    BenchSettings bench,
    Duration startupTimeout,
    Duration stopGrace,
    Duration finalizeTimeout,
    int topKernels,
    int ncuLaunchCount,
    int ncuPrompts) {}
