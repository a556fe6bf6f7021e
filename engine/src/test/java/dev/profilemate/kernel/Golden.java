package dev.profilemate.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden-file check: the actual text must equal src/test/resources/golden/NAME. Run the tests
 * with {@code -Dprofilemate.updateGolden=true} to rewrite the files after an intended change.
 */
public final class Golden {
  private Golden() {}

  public static void check(String name, String actual) throws IOException {
    Path p = Fixtures.root().resolveSibling("golden").resolve(name);
    if (Boolean.getBoolean("profilemate.updateGolden") || !Files.exists(p)) {
      Files.createDirectories(p.getParent());
      Files.writeString(p, actual, StandardCharsets.UTF_8);
      if (!Boolean.getBoolean("profilemate.updateGolden")) {
        throw new AssertionError("golden file " + p + " did not exist; written now, check it and run again");
      }
    }
    assertThat(actual).as("golden file %s (rerun with -Dprofilemate.updateGolden=true after an intended change)", p)
        .isEqualTo(Files.readString(p, StandardCharsets.UTF_8));
  }
}
