package dev.profilemate.bench;

/** One request of the run: its lengths, when to send it (ns after the start) and its JSON body. */
public record PlannedRequest(int index, int promptLen, int outputLen, long sendAtNs, String body) {}
