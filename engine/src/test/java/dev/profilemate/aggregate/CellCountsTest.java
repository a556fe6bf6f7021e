package dev.profilemate.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CellCountsTest {
  private static List<String> cells(CellCounts c) {
    List<String> out = new ArrayList<>();
    c.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }

  /** addAll must list the same cells and sums as add() cell by cell, for any keys and widths. */
  @Test
  void addingArraysWholeEqualsAddingTheirCellsOneByOne() {
    Random rnd = new Random(23);
    int[] widths = {128, 128, 20, 1, 128}; // a record of another width after the layout is fixed
    for (int round = 0; round < 20; round++) {
      CellCounts whole = new CellCounts();
      CellCounts oneByOne = new CellCounts();
      for (int w : widths) {
        int n = 1 + rnd.nextInt(3000);
        int[] keys = new int[n];
        long[] counts = new long[n + rnd.nextInt(2)]; // counts may be longer: the shorter one counts
        for (int i = 0; i < n; i++) {
          keys[i] = switch (rnd.nextInt(10)) {
            case 0 -> -rnd.nextInt(1000); // negative: the map
            case 1 -> (1 << 22) + rnd.nextInt(1 << 20); // past the dense array's limit
            case 2 -> rnd.nextInt();
            default -> rnd.nextInt(128 * 128);
          };
          counts[i] = rnd.nextInt(50);
        }
        whole.addAll(keys, counts, w);
        int ww = Math.max(1, w);
        for (int i = 0; i < Math.min(keys.length, counts.length); i++) {
          oneByOne.add(keys[i] / ww, keys[i] % ww, counts[i], ww);
        }
      }
      assertThat(cells(whole)).isEqualTo(cells(oneByOne));
    }
  }

  /** Listed as a sorted map of every cell added lists them: key order, sums, cells summing to 0 too. */
  @Test
  void listsEveryCellAddedInKeyOrderAsASortedMapWould() {
    Random rnd = new Random(7);
    CellCounts c = new CellCounts();
    java.util.TreeMap<Long, Long> expected = new java.util.TreeMap<>();
    for (int i = 0; i < 20_000; i++) {
      long a = rnd.nextInt(10) == 0 ? -1 - rnd.nextInt(5) : rnd.nextInt(300); // some rows for the map
      long b = rnd.nextInt(10) == 0 ? 128 + rnd.nextInt(5) : rnd.nextInt(128); // some past the width
      long n = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(9);
      c.add(a, b, n, 128);
      expected.merge(CellCounts.key(a, b), n, Long::sum);
    }
    c.addSparse(5, 7, 3); // a dense cell from an older probe's text as well: one cell, summed
    expected.merge(CellCounts.key(5, 7), 3L, Long::sum);
    List<String> want = new ArrayList<>();
    expected.forEach((k, v) -> want.add(k + "=" + v));
    assertThat(cells(c)).isEqualTo(want);
    assertThat(new CellCounts().isEmpty()).isTrue();
    assertThat(c.isEmpty()).isFalse();
  }
}
