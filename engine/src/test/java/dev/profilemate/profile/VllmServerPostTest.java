package dev.profilemate.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class VllmServerPostTest {

  /** Reads one request's head and its empty body; false when the client sent nothing. */
  private static boolean readRequest(BufferedReader in) throws Exception {
    String line = in.readLine();
    if (line == null) {
      return false;
    }
    while (line != null && !line.isEmpty()) {
      line = in.readLine();
    }
    return true;
  }

  @Test
  void aPostOnAConnectionTheServerDroppedIsSentAgainOnANewOne() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try {
          // connection 1 answers its first request keep-alive, then drops the second unanswered,
          // as a server that closed an idle connection does; connection 2 answers
          try (Socket c = server.accept()) {
            connections.incrementAndGet();
            BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = c.getOutputStream();
            readRequest(in);
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readRequest(in);
          }
          try (Socket c = server.accept()) {
            connections.incrementAndGet();
            BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
            readRequest(in);
            c.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            c.getOutputStream().flush();
          }
        } catch (Exception ignored) {
          // the test's assertions say what went wrong
        }
      });
      t.setDaemon(true);
      t.start();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/start_profile");
      assertThat(VllmServer.post(http, uri, Duration.ofSeconds(10))).isEqualTo(200);
      assertThat(VllmServer.post(http, uri, Duration.ofSeconds(10))).isEqualTo(200);
      t.join(10_000);
      assertThat(connections.get()).isEqualTo(2);
    }
  }

  @Test
  void aServerThatIsNotThereGivesNoStatus() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    assertThat(VllmServer.post(http, URI.create("http://127.0.0.1:" + port + "/start_profile"), Duration.ofSeconds(5)))
        .isEqualTo(-1);
  }
}
