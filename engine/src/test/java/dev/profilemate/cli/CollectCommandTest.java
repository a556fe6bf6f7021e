package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CollectCommandTest {

  @Test
  void aShortRefreshWaitsTheIntervalALongOneKeepsToItsShareOfACore() {
    assertThat(CollectCommand.nextWait(5.0, 200_000_000L, 0.1)).isEqualTo(Duration.ofSeconds(5));
    // a 3 s refresh at a 10 % share: 27 s of rest, so 3 s busy in every 30 s
    assertThat(CollectCommand.nextWait(5.0, 3_000_000_000L, 0.1)).isEqualTo(Duration.ofSeconds(27));
    assertThat(CollectCommand.nextWait(5.0, 3_000_000_000L, 1.0)).isEqualTo(Duration.ofSeconds(5));
    assertThat(CollectCommand.nextWait(5.0, 0, 0.1)).isEqualTo(Duration.ofSeconds(5));  // nothing new: no refresh
  }

  @Test
  void aBadTriggerOrProfileUrlIsAUsageErrorOfCollectAndExport(@TempDir Path session) {
    assertThat(Main.run("collect", session.toString(), "--trigger", "kv_usage:treshold=90")).isEqualTo(2);
    assertThat(Main.run("collect", session.toString(), "--trigger", "no_such_rule")).isEqualTo(2);
    assertThat(Main.run("collect", session.toString(), "--profile-url", "127.0.0.1:8000")).isEqualTo(2);
    assertThat(Main.run("collect", session.toString(), "--capture-max-count", "0")).isEqualTo(2);
    assertThat(Main.run("export", session.toString(), "--trigger", "capture:before=-1")).isEqualTo(2);
  }

  @Test
  void aShareOutsideZeroToOneIsAUsageError(@TempDir Path session) {
    assertThat(Main.run("collect", session.toString(), "--max-cpu-share", "0")).isEqualTo(2);
    assertThat(Main.run("collect", session.toString(), "--max-cpu-share", "1.5")).isEqualTo(2);
  }
}
