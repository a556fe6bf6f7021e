package dev.profilemate.live;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.util.Optional;

/**
 * /metrics over HTTP (client_java's JDK HttpServer exporter) serving one {@link MetricsView} in
 * its own registry: no JVM metrics, only the session's. Failing to listen is never fatal to
 * profiling: the caller gets an empty Optional after one line on err.
 */
public final class MetricsServer implements AutoCloseable {
  private final HTTPServer server;

  private MetricsServer(HTTPServer server) {
    this.server = server;
  }

  /** bind: an address (127.0.0.1 by default: the values describe the user's traffic); port 0 is not allowed here. */
  public static Optional<MetricsServer> start(String bind, int port, MetricsView view, PrintStream err) {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(view);
    try {
      HTTPServer s = HTTPServer.builder().hostname(bind).port(port).registry(registry).buildAndStart();
      return Optional.of(new MetricsServer(s));
    } catch (BindException e) {
      err.println("collect: cannot serve /metrics on " + bind + ":" + port + " (" + e.getMessage()
          + ": port in use?); profiling goes on without /metrics");
    } catch (IOException | RuntimeException e) {
      err.println("collect: cannot serve /metrics on " + bind + ":" + port + " (" + e
          + "); profiling goes on without /metrics");
    }
    return Optional.empty();
  }

  /** The port it listens on. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
