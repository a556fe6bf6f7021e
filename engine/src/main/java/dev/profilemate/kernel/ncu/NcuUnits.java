package dev.profilemate.kernel.ncu;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Numbers and units as Nsight Compute prints them. Values may carry thousands separators ({@code
 * "1,681,784"}, {@code "330,181,818,181.82"}); units are scaled per row or column ({@code us},
 * {@code Mbyte}, {@code Gbyte/s}, {@code Ghz}) or base ({@code ns}, {@code byte}, {@code byte/s},
 * {@code hz}). Everything is converted to base units: nanoseconds, bytes, bytes per second, hertz,
 * plain counts; percentages stay percentages. ncu's K/M/G/T prefixes are powers of 1000.
 */
final class NcuUnits {
  private static final Pattern EN_GROUPED = Pattern.compile("-?\\d{1,3}(,\\d{3})+(\\.\\d+)?");
  private static final Pattern EU_GROUPED = Pattern.compile("-?\\d{1,3}(\\.\\d{3})+(,\\d+)?");
  private static final Pattern EU_DECIMAL = Pattern.compile("-?\\d+,\\d{1,2}|-?\\d+,\\d{4,}");

  private NcuUnits() {}

  /**
   * The value as a double, or null when it is not a number ({@code "PolicySpread"}, {@code "all"},
   * empty). A comma is a thousands separator when it groups exactly three digits ({@code 1,024});
   * otherwise a lone comma is read as a decimal mark ({@code 0,5}), as some locales print.
   */
  static Double number(String text) {
    if (text == null) {
      return null;
    }
    String s = text.strip();
    if (s.isEmpty() || s.equalsIgnoreCase("n/a")) {
      return null;
    }
    if (s.indexOf(',') >= 0) {
      if (EN_GROUPED.matcher(s).matches()) {
        s = s.replace(",", "");
      } else if (EU_GROUPED.matcher(s).matches()) {
        s = s.replace(".", "").replace(',', '.');
      } else if (EU_DECIMAL.matcher(s).matches()) {
        s = s.replace(',', '.');
      } else {
        return null;
      }
    }
    char c = s.charAt(0);
    if (!(Character.isDigit(c) || c == '-' || c == '+' || c == '.')) {
      return null;
    }
    try {
      double v = Double.parseDouble(s);
      return Double.isFinite(v) ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The factor from {@code unit} to its base unit (time → ns), or NaN for a unit we do not know. */
  static double factor(String unit) {
    if (unit == null) {
      return 1;
    }
    String u = unit.strip();
    if (u.isEmpty() || u.equals("%")) {
      return 1;
    }
    int slash = u.indexOf('/');
    if (slash >= 0) {
      double num = factor(u.substring(0, slash));
      String den = u.substring(slash + 1).strip();
      double perSecond = switch (den) {
        case "s", "second" -> 1;
        case "ms", "msecond" -> 1e3;
        case "us", "usecond" -> 1e6;
        case "ns", "nsecond" -> 1e9;
        default -> 1; // per cycle, per block, per thread, per SM: the numerator's scale only
      };
      // "byte/s": num is a count factor; time denominators turn "per ns" etc. into "per second"
      return isTime(u.substring(0, slash)) ? Double.NaN : num * perSecond;
    }
    switch (u) {
      case "ns", "nsecond" -> {
        return 1;
      }
      case "us", "usecond" -> {
        return 1e3;
      }
      case "ms", "msecond" -> {
        return 1e6;
      }
      case "s", "second" -> {
        return 1e9;
      }
      default -> {
        // prefix + base word: Kbyte, Mbyte, Gbyte, Tbyte, Khz, Mhz, Ghz, Kinst, Minst, Kcycle, ...
        String lower = u.toLowerCase(Locale.ROOT);
        if (lower.length() > 1 && "kmgtp".indexOf(lower.charAt(0)) >= 0 && Character.isUpperCase(u.charAt(0))
            && Character.isLetter(u.charAt(1))) {
          int k = "kmgtp".indexOf(lower.charAt(0)) + 1;
          return Math.pow(1000, k);
        }
        if (lower.length() > 2 && lower.startsWith("k") && lower.endsWith("hz")) {
          return 1e3;
        }
        return 1;
      }
    }
  }

  private static boolean isTime(String u) {
    return switch (u.strip()) {
      case "ns", "nsecond", "us", "usecond", "ms", "msecond", "s", "second" -> true;
      default -> false;
    };
  }

  /** value × factor(unit), or null when either is unknown. */
  static Double toBase(String value, String unit) {
    Double v = number(value);
    double f = factor(unit);
    return v == null || Double.isNaN(f) ? null : v * f;
  }
}
