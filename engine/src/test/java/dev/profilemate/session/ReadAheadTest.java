package dev.profilemate.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReadAheadTest {
  private static List<Integer> drain(Iterator<Integer> it) {
    List<Integer> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void givesTheSourcesElementsInOrderWhateverTheirCount() {
    for (int n : new int[] {0, 1, ReadAhead.BATCH - 1, ReadAhead.BATCH, ReadAhead.BATCH * ReadAhead.QUEUED * 3 + 7}) {
      List<Integer> src = IntStream.range(0, n).boxed().toList();
      try (ReadAhead<Integer> r = new ReadAhead<>(src.iterator())) {
        assertThat(drain(r)).as("n=%d", n).isEqualTo(src);
        assertThat(r.hasNext()).isFalse();
        assertThatThrownBy(r::next).isInstanceOf(NoSuchElementException.class);
      }
    }
  }

  @Test
  void whatTheSourceThrowsComesWhereItsElementWouldHave() {
    int failAt = ReadAhead.BATCH * 2 + 5;
    Iterator<Integer> src = new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Integer next() {
        if (i == failAt) {
          throw new java.io.UncheckedIOException(new java.io.IOException("spool unreadable"));
        }
        return i++;
      }
    };
    try (ReadAhead<Integer> r = new ReadAhead<>(src)) {
      for (int i = 0; i < failAt; i++) {
        assertThat(r.next()).isEqualTo(i);
      }
      assertThatThrownBy(r::hasNext).isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("spool unreadable");
      assertThat(r.hasNext()).isFalse();
    }
  }

  @Test
  void closeStopsTheThreadWhenTheCallerStopsEarly() throws Exception {
    Iterator<Integer> endless = IntStream.iterate(0, i -> i + 1).boxed().iterator();
    ReadAhead<Integer> r = new ReadAhead<>(endless);
    assertThat(r.next()).isZero();
    r.close(); // the thread is blocked on a full queue by now, or soon
    assertThat(r.threadAlive()).isFalse();
  }
}
