package dev.profilemate.kernel.category;

import java.util.regex.Pattern;

/**
 * One categorisation rule: when {@code pattern} is found (case-insensitive) in the kernel's base
 * name, or in its full name when {@code onFullName}, the kernel belongs to {@code category}.
 */
public record CategoryRule(String category, Pattern pattern, boolean onFullName, String origin) {
  public boolean matches(String baseName, String fullName) {
    return pattern.matcher(onFullName ? fullName : baseName).find();
  }
}
