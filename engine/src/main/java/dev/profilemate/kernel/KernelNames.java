package dev.profilemate.kernel;

/**
 * Kernel name helpers. Tools print the same kernel differently (nsys: {@code [lambda(int)
 * (instance 1)]}, Kineto: {@code {lambda(int)#1}}, ncu drops {@code native::}), so rules match a
 * <em>base name</em>: the qualified function name without return type, template arguments and
 * parameter list (everything from the first {@code <} or {@code (}), e.g. {@code void at::native::elementwise_kernel<128, 4, …>(int, T3)} →
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
    if (isMemoryOp(name)) {
      return name;
    }
    // anonymous namespaces as nsys, Kineto and ncu print them (ncu may even drop the '<')
    name = name.replace("(anonymous namespace)::", "").replace("<unnamed>::", "").replace("{anonymous}::", "");
    int cut = name.length();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '<' || c == '(') {
        cut = i;
        break;
      }
    }
    String s = name.substring(0, cut).strip();
    int space = s.lastIndexOf(' ');
    if (space >= 0) {
      s = s.substring(space + 1); // the return type
    }
    while (s.startsWith("::")) {
      s = s.substring(2);
    }
    return s.isEmpty() ? name : s;
  }
}
