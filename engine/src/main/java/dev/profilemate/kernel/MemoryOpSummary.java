package dev.profilemate.kernel;

/** Totals for one kind of memory operation, e.g. {@code [CUDA memcpy Host-to-Device]}. */
public record MemoryOpSummary(String name, long instances, long totalNs, double avgNs, long minNs, long maxNs, long bytes) {}
