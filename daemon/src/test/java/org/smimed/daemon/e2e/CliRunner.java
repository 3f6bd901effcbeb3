package org.smimed.daemon.e2e;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.smimed.client.cli.CliIo;
import org.smimed.client.cli.SmimeCli;

/**
 * Runs the real {@code smime} CLI in-process with the given standard input and an empty
 * environment, so only the command line decides where it connects; captures all output.
 */
final class CliRunner {
    private CliRunner() {
    }

    /** Exit code and captured streams of one run. */
    record Run(int exit, byte[] stdout, String stderr) {
        String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    /**
     * {@code command}'s arguments for a daemon on {@code port}: its CA, and the client
     * certificate and key for mutual TLS, then {@code args}.
     */
    static String[] against(int port, Path ca, Path cert, Path key, String command,
                            String... args) {
        List<String> all = new ArrayList<>(List.of(command, "--target", "localhost:" + port,
                "--ca", ca.toString(), "--cert", cert.toString(), "--key", key.toString()));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    static Run run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CliIo io = new CliIo(new ByteArrayInputStream(stdin), out, new PrintWriter(err, true),
                Map.of(), Clock.systemUTC());
        int code = new SmimeCli(io).run(args);
        return new Run(code, out.toByteArray(), err.toString());
    }
}
