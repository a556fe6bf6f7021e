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
}
