package org.smimed.daemon.tls;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.smimed.daemon.config.ConfigFileException;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.config.FileModes;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * A TLS listener's server certificate and key, kept in step with their files: when either
 * file changes (renewed by certbot, cert-manager or by hand), the new pair is read and checked
 * as at start, and serves new handshakes from then on; connections already made are not
 * touched. A pair that cannot be read, does not go together or is not valid now is refused
 * with an ERROR, and
 * the pair in use goes on serving: the listener never serves nothing.
 *
 * <p>The files are compared by content, so a change is seen however it was made (written in
 * place, renamed over, swapped behind a symbolic link as Kubernetes does with a Secret).
 * Client CA certificates are read at start only.
 */
public final class ServerCertificate implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServerCertificate.class.getName());

    /** What one look at the files did. */
    public enum Outcome { UNCHANGED, REPLACED, REFUSED }

    private final DaemonConfig.Tls settings;
    private final String configPrefix;
    private final ServerKeyMaterial material;
    private final Clock clock;
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(
            new DaemonThreads("smimed-tls-reload"));
    /** A digest of the files as last looked at; only {@link #check()} touches it. */
    private byte[] seen;
    /** Told of every change acted on (REPLACED, REFUSED); set once by {@link #watch}. */
    private volatile Consumer<Outcome> changes = outcome -> { };

    private ServerCertificate(DaemonConfig.Tls settings, String configPrefix, byte[] seen,
                              ServerKeyPair pair, Clock clock) {
        this.clock = clock;
        this.settings = settings;
        this.configPrefix = configPrefix;
        this.seen = seen;
        this.material = new ServerKeyMaterial(pair);
    }

    /**
     * Reads the pair {@code settings} names; {@code configPrefix} ("tls." or "admin.tls.")
     * names the keys a failure reports.
     */
    public static ServerCertificate read(DaemonConfig.Tls settings, String configPrefix,
                                         Clock clock) throws ConfigFileException {
        // Digest first: files changed between the two reads are then read again at the next
        // look, rather than the change being missed.
        byte[] seen = digest(settings);
        ServerKeyPair pair = ServerKeyPair.read(settings, configPrefix);
        warnIfKeyNotPrivate(settings, configPrefix);
        return new ServerCertificate(settings, configPrefix, seen, pair, clock);
    }

    /**
     * The listener's private key is its identity to every client: one others can read is
     * logged (not refused: Kubernetes mounts a Secret 0644 unless told otherwise, and a
     * restart loop would not make it private). Found by a security review.
     */
    private static void warnIfKeyNotPrivate(DaemonConfig.Tls settings, String configPrefix) {
        FileModes.warnIfNotPrivate(configPrefix + "privateKey", settings.privateKey())
                .ifPresent(line -> LOG.log(Level.WARNING, line));
    }

    /** The key material to give the TLS library: always the latest accepted pair. */
    public ServerKeyMaterial keyManager() {
        return material;
    }

    /** The certificate new handshakes present. */
    public X509Certificate leaf() {
        return material.current().leaf();
    }

    /** The listener's TLS settings (client CAs, lowest version). */
    public DaemonConfig.Tls settings() {
        return settings;
    }

    /** "tls." or "admin.tls.": where these settings are in the config. */
    public String configPrefix() {
        return configPrefix;
    }

    /**
     * Looks at the files every {@code period} from now on ({@code operations.tlsCheckSeconds},
     * a minute by default), and tells {@code changes} of each change acted on, whoever looked
     * (this watch or {@link #check()} on SIGHUP). Polling rather than a file watcher: certbot's
     * and Kubernetes' symbolic-link swaps and network file systems do not always raise events
     * on the configured path, and renewal tools write the chain and the key one after the
     * other, so a pair half written is refused and the next look takes the whole. A minute is
     * nothing against a renewal window of weeks, and reading two small files costs nothing.
     */
    public void watch(Duration period, Consumer<Outcome> changes) {
        this.changes = changes;
        checker.scheduleWithFixedDelay(this::check, period.toMillis(), period.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Compares the files with what was last seen; when they differ, reads and checks the new
     * pair and serves it, or refuses it and keeps the one in use. Each change is acted on (and
     * a refusal logged) once.
     */
    public synchronized Outcome check() {
        byte[] now = digest(settings);
        if (Arrays.equals(now, seen)) {
            return Outcome.UNCHANGED;
        }
        seen = now;
        ServerKeyPair before = material.current();
        ServerKeyPair next;
        try {
            next = ServerKeyPair.read(settings, configPrefix);
        } catch (ConfigFileException e) {
            LOG.log(Level.ERROR, "TLS server certificate files changed but were refused, still"
                    + " serving " + before + ": " + e.getMessage());
            return told(Outcome.REFUSED);
        }
        Instant at = clock.instant();
        X509Certificate leaf = next.leaf();
        if (at.isAfter(leaf.getNotAfter().toInstant())
                || at.isBefore(leaf.getNotBefore().toInstant())) {
            // Served, it would fail every new handshake; the one in use may still be good
            // (found by an operator trial: an expired pair replaced a valid one).
            LOG.log(Level.ERROR, "TLS server certificate files changed but were refused, still"
                    + " serving " + before + ": the new certificate " + next + " is not valid"
                    + " now (valid from " + leaf.getNotBefore().toInstant() + "); no client"
                    + " would complete a handshake");
            return told(Outcome.REFUSED);
        }
        material.replace(next);
        warnIfKeyNotPrivate(settings, configPrefix);
        LOG.log(Level.INFO, "TLS server certificate from " + configPrefix + "certificateChain "
                + settings.certificateChain() + " replaced: new connections get " + next
                + " instead of " + before);
        return told(Outcome.REPLACED);
    }

    private Outcome told(Outcome outcome) {
        changes.accept(outcome);
        return outcome;
    }

    /** SHA-256 over both files; empty when one cannot be read (the read then says why). */
    private static byte[] digest(DaemonConfig.Tls settings) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (Path file : new Path[] {settings.certificateChain(), settings.privateKey()}) {
                byte[] content = Files.readAllBytes(file);
                sha256.update(content);
                Arrays.fill(content, (byte) 0); // the key file's bytes: do not leave them about
                sha256.update((byte) 0);
            }
            return sha256.digest();
        } catch (IOException e) {
            return new byte[0];
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }
}
