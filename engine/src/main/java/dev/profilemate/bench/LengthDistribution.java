package dev.profilemate.bench;

import java.util.Locale;
import java.util.Random;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A prompt or output length in tokens: {@code 128} (or {@code fixed:128}), {@code uniform:64-256}
 * (both ends included), or {@code normal:512,128} (mean, standard deviation; each draw is rounded
 * and clipped to mean ± 3 sd and to at least 1).
 */
public record LengthDistribution(Kind kind, int low, int high, double mean, double sd) {
  public enum Kind { FIXED, UNIFORM, NORMAL }

  public static LengthDistribution fixed(int n) {
    return new LengthDistribution(Kind.FIXED, n, n, n, 0);
  }

  public static LengthDistribution parse(String spec) {
    String s = spec.strip().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith("uniform:")) {
        String[] ab = s.substring(8).split("-", -1);
        if (ab.length != 2) {
          throw bad(spec);
        }
        int a = positive(ab[0], spec);
        int b = positive(ab[1], spec);
        if (b < a) {
          throw new TypeConversionException("'" + spec + "': uniform:A-B needs A <= B");
        }
        return new LengthDistribution(Kind.UNIFORM, a, b, (a + b) / 2.0, 0);
      }
      if (s.startsWith("normal:")) {
        String[] ms = s.substring(7).split(",", -1);
        if (ms.length != 2) {
          throw bad(spec);
        }
        double mean = Double.parseDouble(ms[0].strip());
        double sd = Double.parseDouble(ms[1].strip());
        if (!(mean >= 1) || !(sd >= 0) || Double.isInfinite(mean) || Double.isInfinite(sd)) {
          throw new TypeConversionException("'" + spec + "': normal:MEAN,SD needs MEAN >= 1 and SD >= 0");
        }
        int lo = (int) Math.max(1, Math.round(mean - 3 * sd));
        int hi = (int) Math.max(lo, Math.round(mean + 3 * sd));
        return new LengthDistribution(Kind.NORMAL, lo, hi, mean, sd);
      }
      return fixed(positive(s.startsWith("fixed:") ? s.substring(6) : s, spec));
    } catch (NumberFormatException e) {
      throw bad(spec);
    }
  }

  private static int positive(String text, String spec) {
    int n = Integer.parseInt(text.strip());
    if (n < 1) {
      throw new TypeConversionException("'" + spec + "': lengths are at least 1 token");
    }
    return n;
  }

  private static TypeConversionException bad(String spec) {
    return new TypeConversionException("'" + spec + "' is not a length: use N, fixed:N, uniform:A-B or normal:MEAN,SD");
  }

  public int sample(Random r) {
    return switch (kind) {
      case FIXED -> low;
      case UNIFORM -> low + r.nextInt(high - low + 1);
      case NORMAL -> (int) Math.min(high, Math.max(low, Math.round(mean + sd * r.nextGaussian())));
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case FIXED -> Integer.toString(low);
      case UNIFORM -> "uniform:" + low + "-" + high;
      case NORMAL -> String.format(Locale.ROOT, "normal:%s,%s", trim(mean), trim(sd));
    };
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /** picocli converter: a bad spec is an argument error (exit 2). */
  public static final class Converter implements ITypeConverter<LengthDistribution> {
    @Override
    public LengthDistribution convert(String value) {
      return parse(value);
    }
  }
}
