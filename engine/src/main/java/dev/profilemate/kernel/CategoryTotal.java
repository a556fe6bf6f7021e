package dev.profilemate.kernel;

/** GPU time of one category: kernels (or memory operations) whose names its rules match. */
public record CategoryTotal(String category, long instances, long totalNs, double timePct, int distinctNames) {}
