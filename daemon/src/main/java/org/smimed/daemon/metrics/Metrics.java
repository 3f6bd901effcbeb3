package org.smimed.daemon.metrics;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.smimed.daemon.Release;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.config.Listener;
import org.smimed.daemon.config.ListenerBindException;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.tls.ServerCertificate;
import org.smimed.daemon.token.TokenMeter;

/**
 * The daemon's Prometheus metrics: calls by service, method and status with latency
 * histograms, private-key operations by PKCS#11 mechanism, token sessions in use, audit write
 * latency, days until the first of each served identity's ACTIVE certificates expires,
 * days until each TLS listener's server certificate expires, and renewed TLS certificate files
 * served or refused.
 * Served over plain HTTP at {@code /metrics} on the configured listener (bind it to a private
 * interface).
 */
public final class Metrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TokenMetrics token = new TokenMetrics(registry);
    private final CallTimers calls = new CallTimers(registry);
    private final Timer auditWrites = Buckets.latency(Timer.builder("smimed.audit.write")
            .description("Time to append one audit record (write, and fsync when configured)"))
            .register(registry);
    /** The JVM's and the process's own series (heap, GC, threads, CPU, uptime, descriptors). */
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Map<ServerCertificate.Outcome, Counter> tlsReloads = Map.of(
            ServerCertificate.Outcome.REPLACED, tlsReloadCounter("replaced"),
            ServerCertificate.Outcome.REFUSED, tlsReloadCounter("refused"));
    private HttpServer http;
    private ExpiryWatch expiry;
    private TlsExpiryWatch tlsExpiry;

    /** What smimed_health_probes_total reads; see {@link #watchState}. */
    private java.util.function.LongSupplier probes;

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder("smimed.build.info", () -> 1).description("The running smimed's version")
                .tag("version", Release.version()).register(registry);
    }

    /**
     * The two states every call depends on, as gauges an operator alerts on (1 or 0):
     * {@code smimed_token_usable} (the last health probe found the token logged in with its
     * keys) and {@code smimed_audit_log_writable} (false once a write failed: every call is
     * refused until a restart). Otherwise they show only as UNAVAILABLE counts. And
     * {@code smimed_health_probes_total}, which grows while the probe that sets the first runs.
     */
    public void watchState(BooleanSupplier tokenUsable, BooleanSupplier auditWritable,
                           java.util.function.LongSupplier probes) {
        Gauge.builder("smimed.token.usable", () -> tokenUsable.getAsBoolean() ? 1 : 0)
                .description("1 while the token is usable (health probe), else 0")
                .register(registry);
        Gauge.builder("smimed.audit.log.writable", () -> auditWritable.getAsBoolean() ? 1 : 0)
                .description("1 while the audit log takes records, 0 once a write failed")
                .register(registry);
        // A token_usable of 1 from a probe that stopped running would look healthy forever.
        // Held here too: Micrometer holds a function counter's object weakly, and a method
        // reference nobody else keeps was collected (the counter read 0).
        this.probes = probes;
        FunctionCounter.builder("smimed.health.probes", probes,
                        java.util.function.LongSupplier::getAsLong)
                .description("Token health probes run (operations.probeIntervalSeconds)")
                .register(registry);
    }


    /**
     * The call handlers' pool, as gauges and a counter read from it (no work added per call):
     * calls waiting for a handler (executor_queued_tasks, the sign of a saturated token),
     * handlers busy, and tasks run (executor_completed_tasks_total), tagged name=handlers.
     */
    public void watchHandlers(ExecutorService handlers) {
        new ExecutorServiceMetrics(handlers, "handlers", List.of()).bindTo(registry);
    }

    /** Where every call's time is recorded, by service, method and status. */
    public CallTimers calls() {
        return calls;
    }

    /** Times private-key operations by mechanism and counts the sessions they hold. */
    public TokenMeter tokenMeter() {
        return token;
    }

    /** Receives the duration of each audit-log append. */
    public Consumer<Duration> auditWrites() {
        return auditWrites::record;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of everything recorded so far. */
    public String scrape() {
        return registry.scrape();
    }

    /** Serves {@link #scrape()} at http://listen/metrics; a port in use names this listener. */
    public void serve(DaemonConfig.Listen listen) throws IOException {
        try {
            http = HttpServer.create(listen.socketAddress(), 0);
        } catch (IOException e) {
            throw new ListenerBindException(Listener.METRICS, listen, e);
        }
        http.createContext("/metrics", exchange -> {
            // The JDK server matches contexts by prefix: /metricsx and /metrics/a answered too.
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type",
                    "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
    }

    /** The metrics port actually bound, or -1. */
    public int port() {
        return http == null ? -1 : http.getAddress().getPort();
    }

    /**
     * Exports {@code smimed_certificate_expiry_days{identity}}: the days until the first of
     * each identity's ACTIVE certificates (signing or encryption) expires; and logs a warning
     * for those expiring within {@code warnDays}, now and daily. The series follow the
     * identities {@code keys} serves as it changes.
     */
    public ExpiryWatch watchExpiry(KeyRegistry keys, Clock clock, int warnDays) {
        expiry = new ExpiryWatch(registry, keys, clock, warnDays);
        expiry.start(Duration.ofDays(1));
        return expiry;
    }

    /**
     * Exports {@code smimed_tls_certificate_expiry_days{listener}}: the days until each TLS
     * listener's server certificate ({@code leaves}, asked for at every reading so that a
     * replaced certificate counts) expires; and logs a warning for those expiring within
     * {@code warnDays} or expired, now and daily.
     */
    public TlsExpiryWatch watchTlsExpiry(Map<Listener, Supplier<X509Certificate>> leaves,
                                         Clock clock, int warnDays) {
        tlsExpiry = new TlsExpiryWatch(registry, leaves, clock, warnDays);
        tlsExpiry.start(Duration.ofDays(1));
        return tlsExpiry;
    }

    /**
     * Counts a change of TLS certificate files the daemon acted on, in
     * {@code smimed_tls_certificate_reloads_total{outcome="replaced"|"refused"}} (alert on any
     * refused: the renewal did not take and the old certificate runs out). A replacement is
     * checked for expiry at once, so a renewal that brought a certificate already near its end
     * is warned about now rather than at the next daily check.
     */
    public void tlsCertificateChanged(ServerCertificate.Outcome outcome) {
        Counter counter = tlsReloads.get(outcome);
        if (counter != null) {
            counter.increment();
        }
        if (outcome == ServerCertificate.Outcome.REPLACED && tlsExpiry != null) {
            tlsExpiry.check();
        }
    }

    private Counter tlsReloadCounter(String outcome) {
        return Counter.builder("smimed.tls.certificate.reloads")
                .description("Changed TLS server certificate files served (replaced) or"
                        + " refused (the certificate in use goes on serving)")
                .tag("outcome", outcome)
                .register(registry);
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
        }
        if (expiry != null) {
            expiry.close();
        }
        if (tlsExpiry != null) {
            tlsExpiry.close();
        }
        gc.close();
        registry.close();
    }
}
