package dev.profilemate.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** What a self-contained HTML page inlines: the jar's CSS and scripts, made safe for a script element. */
public final class PageParts {
  private PageParts() {}

  /** An inlined script must not contain "</script": it would end the element early. */
  public static String scriptSafe(String js) {
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT");
  }

  /** A resource of the jar as text (the report's CSS, ECharts): missing means a broken build. */
  public static String resource(String path) {
    try (InputStream in = PageParts.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is missing from the build (see engine/pom.xml)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
