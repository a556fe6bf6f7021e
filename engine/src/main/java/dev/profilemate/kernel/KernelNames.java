package dev.profilemate.kernel;

/**
 * Kernel name helpers. Tools print the same kernel differently (nsys: {@code [lambda(int)
 * (instance 1)]}, Kineto: {@code {lambda(int)#1}}, ncu drops {@code native::}), so rules match a
 * <em>base name</em>: the qualified function name without return type, template arguments and
 * parameter list, e.g. {@code void at::native::elementwise_kernel<128, 4, …>(int, T3)} →
 * {@code at::native::elementwise_kernel}.
 */
public final class KernelNames {
  private KernelNames() {}

  /** True for the names tools give to memory operations rather than kernels. */
  public static boolean isMemoryOp(String name) {
    return name.startsWith("[CUDA mem")
        || name.startsWith("Memcpy")
        || name.startsWith("Memset")
        || name.startsWith("[CUDA Unified");
  }

  public static String baseName(String full) {
    if (full == null) {
      return "";
    }
    String name = full.strip();
    if (isMemoryOp(name) || (name.indexOf('<') < 0 && name.indexOf('(') < 0)) {
      return name;
    }
    StringBuilder out = new StringBuilder(Math.min(name.length(), 128));
    int depth = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      switch (c) {
        case '<', '(', '{', '[' -> depth++;
        case '>' -> {
          if (i > 0 && name.charAt(i - 1) == '-') {
            if (depth == 0) {
              out.append(c);
            }
          } else if (depth > 0) {
            depth--;
          }
        }
        case ')', '}', ']' -> {
          if (depth > 0) {
            depth--;
          }
        }
        default -> {
          if (depth == 0) {
            out.append(c);
          }
        }
      }
    }
    String s = out.toString().strip();
    int space = s.lastIndexOf(' ');
    if (space >= 0) {
      s = s.substring(space + 1);
    }
    while (s.contains("::::")) {
      s = s.replace("::::", "::");
    }
    while (s.startsWith("::")) {
      s = s.substring(2);
    }
    while (s.endsWith("::")) {
      s = s.substring(0, s.length() - 2);
    }
    return s.isEmpty() ? name : s;
  }
}
