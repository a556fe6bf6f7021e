package dev.profilemate.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CsvTable.Writer quotes only where a cell needs it (FastCSV's rules, which wrote these files before). */
class CsvTableWriterTest {
  @Test
  void quotesOnlyCellsThatNeedItAndWritesTheRestAsTheyAre() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (CsvTable.Writer w = new CsvTable.Writer(bytes, List.of("a", "b", "c"))) {
      w.text("plain").text("").whole(-42).end();
      w.text("a,b").text("say \"hi\"").text("two\nlines").end();
      w.text("#first").text("#later").text("cr\r").end();
      w.text("é").text("x,é").fixed(1.5, 3).end();
      w.text("").text("").fixed(Double.NaN, 2).end();
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("a,b,c\n"
        + "plain,,-42\n"
        + "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
        + "\"#first\",#later,\"cr\r\"\n"
        + "é,\"x,é\",1.500\n"
        + ",,\n");
  }

  /** A cell longer than the buffer, after a row that nearly filled it: written whole, in order. */
  @Test
  void aCellLongerThanTheBufferIsWrittenWhole() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String longCell = "x".repeat(200_000);
    try (CsvTable.Writer w = new CsvTable.Writer(bytes, List.of("a", "b"))) {
      w.text("y".repeat(65_000)).text("z").end();
      w.text(longCell).text("a,\"").end();
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo("a,b\n" + "y".repeat(65_000) + ",z\n" + longCell + ",\"a,\"\"\"\n");
  }
}
