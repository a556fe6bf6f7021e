package dev.profilemate.otlp;

/**
 * One scheduler step, for the step metrics.
 *
 * @param durationNs from this step's schedule() start to the next one's on the same scheduler
 *     (the engine step it began); -1 for a process's last step, which no later step bounds
 * @param kvUsage used share of the usable KV blocks right after scheduling, 0..1
 */
public record StepSample(
    long pid,
    long tNs,
    String phase,
    long durationNs,
    int prefillTokens,
    int decodeTokens,
    double kvUsage,
    int running,
    int waiting,
    int preempted) implements java.io.Serializable {}
