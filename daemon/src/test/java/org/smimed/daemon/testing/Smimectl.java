package org.smimed.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.smimed.client.admin.SmimectlCli;
import org.smimed.client.cli.CliIo;

/**
 * The real smimectl, run in this JVM with empty standard input and its output captured, as one
 * officer against one admin listener; the connection comes from the environment smimectl
 * reads ({@code SMIMECTL_TARGET}, {@code _CA}, {@code _CERT}, {@code _KEY}), so a test's
 * arguments are exactly what an officer would type.
 */
public final class Smimectl {
    /** Exit code and captured streams of one run. */
    public record Run(int exit, String out, String err) {
        private static final java.util.regex.Pattern REQUEST_ID = java.util.regex.Pattern
                .compile("; request id [0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\\)");

        /**
         * Standard error of a call the daemon refused, its request id checked and taken out
         * (ids differ on every call): what the daemon said, to compare exactly.
         */
        public String daemonError() {
            java.util.regex.Matcher id = REQUEST_ID.matcher(err);
            assertThat(id.find()).as("a request id in: " + err).isTrue();
            return id.replaceFirst(")");
        }
    }

    private final Map<String, String> env;
    private final Clock clock;

    private Smimectl(Map<String, String> env, Clock clock) {
        this.env = env;
        this.clock = clock;
    }

    /**
     * As the demo officer of the deployment in {@code dir} ({@code pki/officer.crt}, the
     * {@code test-officer} of {@link TestDeployment#DEFAULT_POLICY}) at {@code target}.
     */
    public static Smimectl demoOfficer(Path dir, String target) {
        Path pki = dir.resolve("pki");
        return connected(target, pki.resolve("ca.crt"), pki.resolve("officer.crt"),
                pki.resolve("officer.key"));
    }

    /** As the demo's service client (no officer) at {@code target}, deployment in {@code dir}. */
    public static Smimectl demoService(Path dir, String target) {
        Path pki = dir.resolve("pki");
        return connected(target, pki.resolve("ca.crt"), pki.resolve("client.crt"),
                pki.resolve("client.key"));
    }

    /** As {@code officer} at {@code target}, trusting the deployment CA in {@code dir}. */
    public static Smimectl as(TestClients.Client officer, Path dir, String target) {
        return connected(target, dir.resolve("pki/ca.crt"), officer.certificate(),
                officer.key());
    }

    /** With no connection settings, for commands that need none; {@code clock} is its now. */
    public static Smimectl offline(Clock clock) {
        return new Smimectl(Map.of(), clock);
    }

    /** Writes {@code password} as {@code --password-file} wants it: one line, owner-only. */
    public static Path passwordFile(Path file, String password) throws Exception {
        Files.writeString(file, password + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static Smimectl connected(String target, Path ca, Path certificate, Path key) {
        return new Smimectl(Map.of("SMIMECTL_TARGET", target,
                "SMIMECTL_CA", ca.toString(),
                "SMIMECTL_CERT", certificate.toString(),
                "SMIMECTL_KEY", key.toString()), Clock.systemUTC());
    }

    /** Runs {@code args} to completion; whatever the exit code. */
    public Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CliIo io = new CliIo(new ByteArrayInputStream(new byte[0]), out,
                new PrintWriter(err, true), env, clock);
        int code = new SmimectlCli(io).run(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    /** Runs {@code args}; its standard output; fails the test (naming args and stderr) unless 0. */
    public String ok(String... args) {
        Run r = run(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r.out();
    }

    /** The member {@code name} of {@code version} as {@code list --json} shows it, if listed. */
    public Optional<String> listed(String version, String name) {
        Matcher m = Pattern.compile("\\{\"version\": \"" + Pattern.quote(version)
                + "\"[^}]*\"" + name + "\": \"([^\"]*)\"").matcher(ok("list", "--json"));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** As {@link #listed}, failing the test unless {@code version} is listed. */
    public String field(String version, String name) {
        Optional<String> value = listed(version, name);
        assertThat(value.isPresent()).as(version + " in list").isTrue();
        return value.get();
    }
}
