package dev.profilemate.report;

import java.nio.file.Path;

/**
 * The kernel traces given to {@code profilemate report}: an Nsight Systems export ({@code --nsys}),
 * an Nsight Compute CSV ({@code --ncu}) and a PyTorch profiler trace ({@code --trace}); each may be null.
 */
public record KernelInputs(Path nsys, Path ncu, Path trace) {
  public static final KernelInputs NONE = new KernelInputs(null, null, null);

  public boolean any() {
    return nsys != null || ncu != null || trace != null;
  }
}
