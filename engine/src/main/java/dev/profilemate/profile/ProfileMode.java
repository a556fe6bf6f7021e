package dev.profilemate.profile;

import java.util.Locale;

/**
 * SPEC §3's modes. quick: the server under Nsight Systems. full: quick plus an Nsight Compute pass
 * on the top kernels. moe: no Nsight, MoE expert tracking forced on, a longer run.
 */
public enum ProfileMode {
  QUICK(true, false, 100),
  FULL(true, true, 200),
  MOE(false, false, 500);

  private final boolean nsys;
  private final boolean ncu;
  private final int numPrompts;

  ProfileMode(boolean nsys, boolean ncu, int numPrompts) {
    this.nsys = nsys;
    this.ncu = ncu;
    this.numPrompts = numPrompts;
  }

  public boolean usesNsys() {
    return nsys;
  }

  public boolean usesNcu(boolean withNcu) {
    return ncu || withNcu;
  }

  public int defaultNumPrompts() {
    return numPrompts;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ProfileMode parse(String s) {
    for (ProfileMode m : values()) {
      if (m.label().equalsIgnoreCase(s.strip())) {
        return m;
      }
    }
    throw new picocli.CommandLine.TypeConversionException("'" + s + "' is not a mode: use quick, full or moe");
  }
}
