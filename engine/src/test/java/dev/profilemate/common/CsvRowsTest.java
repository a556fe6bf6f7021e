package dev.profilemate.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CsvRows reads every cell as CsvTable does: the same rows, texts and numbers, bit for bit. */
class CsvRowsTest {
  private static final List<String> COLUMNS = List.of("a", "b", "c", "d");

  /** Each row's cells as text, number and whole, through both readers. */
  private static List<String> viaTable(Path f) {
    CsvTable t = CsvTable.read(f);
    List<String> out = new ArrayList<>();
    for (String[] r : t.rows()) {
      StringBuilder b = new StringBuilder();
      for (String c : COLUMNS) {
        b.append(t.text(r, c)).append('|').append(Double.doubleToRawLongBits(t.number(r, c))).append('|')
            .append(t.whole(r, c)).append(';');
      }
      out.add(b.toString());
    }
    return out;
  }

  private static List<String> viaRows(Path f) {
    List<String> out = new ArrayList<>();
    CsvRows.read(f, h -> r -> {
      StringBuilder b = new StringBuilder();
      for (String c : COLUMNS) {
        int i = h.index(c);
        b.append(r.text(i)).append('|').append(Double.doubleToRawLongBits(r.number(i))).append('|')
            .append(r.whole(i)).append(';');
        assertThat(r.label(i)).isEqualTo(r.text(i));
      }
      out.add(b.toString());
    });
    return out;
  }

  @Test
  void oddCellsReadAsCsvTableReadsThem(@TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("odd.csv");
    Files.writeString(f, """
        a, b ,c,a
        1,2.5,x,9
        -0,-0.000,.5,5.
        None,,nan,NaN
        1e3,-2E-2,0x1p3,+7
         12 ,3.25 ,"4,5","q""uoted"
        0.1234567890123456789,123456789012345678901234,9007199254740993,1.00000000000000000000000001

        "",
        -,.,-.,1.5e400
        short
        1,2,3,4,5,6
        Infinity,-Infinity,2.5,0.30000000000000004
        """);
    assertThat(viaRows(f)).isEqualTo(viaTable(f)).hasSize(11);
  }

  @Test
  void randomDecimalsParseToTheSameBits(@TempDir Path tmp) throws IOException {
    SplittableRandom rnd = new SplittableRandom(23);
    StringBuilder b = new StringBuilder("a,b,c,d\n");
    for (int i = 0; i < 20_000; i++) {
      double v = rnd.nextDouble() * Math.pow(10, rnd.nextInt(-8, 12)) * (rnd.nextBoolean() ? 1 : -1);
      b.append(String.format(Locale.ROOT, "%." + rnd.nextInt(0, 18) + "f", v)).append(',')
          .append(Double.toString(v)).append(',').append(rnd.nextLong()).append(',')
          .append(String.format(Locale.ROOT, "%.6f", v)).append('\n');
    }
    Path f = tmp.resolve("random.csv");
    Files.writeString(f, b);
    assertThat(viaRows(f)).isEqualTo(viaTable(f));
  }

  @Test
  void shapeSaysWhetherThereAndHowManyRows(@TempDir Path tmp) throws IOException {
    assertThat(CsvRows.read(tmp.resolve("missing.csv"), h -> r -> { })).isEqualTo(
        CsvRows.Shape.absent("missing.csv"));
    Path header = tmp.resolve("header.csv");
    Files.writeString(header, "a,b\n");
    assertThat(CsvRows.read(header, h -> r -> { }).hasRows()).isFalse();
    assertThat(CsvRows.read(header, h -> r -> { }).present()).isTrue();
    Path two = tmp.resolve("two.csv");
    Files.writeString(two, "a,b\n1,2\n\n3,4\n");
    assertThat(CsvRows.read(two, h -> r -> { }).rows()).isEqualTo(2);
  }

  @Test
  void anUnreadableFileIsNamedAndTheCallersFaultsAreNotBlamedOnIt(@TempDir Path tmp) throws IOException {
    Path bad = tmp.resolve("bad.csv");
    Files.writeString(bad, "a,b\n1,\"closed\"then more\n");
    assertThatThrownBy(() -> CsvRows.read(bad, h -> r -> { })).isInstanceOf(UserDataException.class)
        .hasMessageStartingWith(bad + ": not a readable CSV");
    assertThatThrownBy(() -> CsvTable.read(bad)).isInstanceOf(UserDataException.class)
        .hasMessageStartingWith(bad + ": not a readable CSV");
    Path good = tmp.resolve("good.csv");
    Files.writeString(good, "a,b\n1,2\n");
    assertThatThrownBy(() -> CsvRows.read(good, h -> r -> {
      throw new IllegalStateException("a bug");
    })).isExactlyInstanceOf(IllegalStateException.class).hasMessage("a bug");
  }
}
