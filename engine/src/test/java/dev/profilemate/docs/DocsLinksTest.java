package dev.profilemate.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/ refer to nothing outside the repository: no sections of a specification
 * kept elsewhere ("SPEC §"), no paths above the checkout ("../shared").
 */
class DocsLinksTest {
  private static final Path REPO = Path.of("..");

  @Test
  void readmeAndDocsPointOnlyInsideTheRepository() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(REPO.resolve("README.md")));
    try (Stream<Path> s = Files.list(REPO.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    assertThat(pages).hasSizeGreaterThan(1);
    for (Path p : pages) {
      String text = Files.readString(p);
      assertThat(text).as(p.toString()).doesNotContain("SPEC §").doesNotContain("../shared");
    }
  }
}
