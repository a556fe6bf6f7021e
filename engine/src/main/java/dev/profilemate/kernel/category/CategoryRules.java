package dev.profilemate.kernel.category;

import dev.profilemate.common.UserDataException;
import dev.profilemate.kernel.KernelNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Ordered kernel-name → category rules, kept as data: the built-in table is the resource {@code
 * profilemate/kernel/categories.json}; a user file given with {@code --categories} has the same
 * shape and its rules are tried first (or alone, with {@code "replaceDefaults": true}). The first
 * rule that matches wins; no match gives the {@code default} category. Results are cached per
 * distinct name.
 */
public final class CategoryRules {
  public static final String RESOURCE = "/profilemate/kernel/categories.json";

  private final List<CategoryRule> rules;
  private final String defaultCategory;
  private final Map<String, String> cache = new HashMap<>();

  private CategoryRules(List<CategoryRule> rules, String defaultCategory) {
    this.rules = List.copyOf(rules);
    this.defaultCategory = defaultCategory;
  }

  public static CategoryRules defaults() {
    try (InputStream in = CategoryRules.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      Map<?, ?> root = (Map<?, ?>) RulesJson.read(in);
      return new CategoryRules(parseRules(root, "built-in", RESOURCE), text(root.get("default"), "other"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Built-in rules, extended (or replaced) by the user's file when {@code userFile} is not null. */
  public static CategoryRules load(Path userFile) {
    CategoryRules base = defaults();
    if (userFile == null) {
      return base;
    }
    if (!Files.isRegularFile(userFile)) {
      throw new UserDataException(userFile + ": categories file not found");
    }
    Object doc;
    try (InputStream in = Files.newInputStream(userFile)) {
      doc = RulesJson.read(in);
    } catch (IOException e) {
      throw new UserDataException(userFile + ": not valid JSON (" + firstLine(e.getMessage()) + ")");
    }
    if (!(doc instanceof Map<?, ?> root) || !(root.get("rules") instanceof List<?>)) {
      throw new UserDataException(userFile + ": expected a JSON object with a \"rules\" array");
    }
    List<CategoryRule> all = new ArrayList<>(parseRules(root, userFile.toString(), userFile.toString()));
    if (!Boolean.TRUE.equals(root.get("replaceDefaults"))) {
      all.addAll(base.rules);
    }
    String def = root.get("default") instanceof String d ? d : base.defaultCategory;
    return new CategoryRules(all, def);
  }

  private static String text(Object v, String fallback) {
    return v instanceof String s ? s : fallback;
  }

  private static List<CategoryRule> parseRules(Map<?, ?> root, String origin, String where) {
    List<CategoryRule> out = new ArrayList<>();
    int i = 0;
    Object list = root.get("rules");
    for (Object o : list instanceof List<?> l ? l : List.of()) {
      i++;
      if (!(o instanceof Map<?, ?> r)) {
        throw new UserDataException(where + ": rule " + i + " is not a JSON object");
      }
      String category = text(r.get("category"), "");
      String pattern = text(r.get("pattern"), "");
      String on = text(r.get("match"), "base");
      if (category.isBlank() || pattern.isEmpty()) {
        throw new UserDataException(where + ": rule " + i + " needs \"category\" and \"pattern\"");
      }
      if (!on.equals("base") && !on.equals("full")) {
        throw new UserDataException(where + ": rule " + i + " has \"match\": \"" + on + "\" (use \"base\" or \"full\")");
      }
      try {
        out.add(new CategoryRule(category, Pattern.compile(pattern, Pattern.CASE_INSENSITIVE), on.equals("full"), origin));
      } catch (PatternSyntaxException e) {
        throw new UserDataException(where + ": rule " + i + " has a bad pattern (" + firstLine(e.getDescription()) + ")");
      }
    }
    return out;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  public String categorize(String fullName) {
    return cache.computeIfAbsent(fullName, this::compute);
  }

  private String compute(String fullName) {
    String base = KernelNames.baseName(fullName);
    for (CategoryRule r : rules) {
      if (r.matches(base, fullName)) {
        return r.category();
      }
    }
    return defaultCategory;
  }

  public String defaultCategory() {
    return defaultCategory;
  }

  public List<CategoryRule> rules() {
    return rules;
  }

  /** Category names in rule order, then the default: the display order of reports. */
  public List<String> categoryOrder() {
    Set<String> s = new LinkedHashSet<>();
    for (CategoryRule r : rules) {
      s.add(r.category());
    }
    s.add(defaultCategory);
    return List.copyOf(s);
  }
}
