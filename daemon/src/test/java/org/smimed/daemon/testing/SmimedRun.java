package org.smimed.daemon.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.smimed.daemon.cli.SmimedCommand;

/** {@code smimed} run in this JVM as a user runs it: its exit code, output and errors. */
public record SmimedRun(int exit, String out, String err) {

    /**
     * Runs {@code smimed} with exactly {@code args}. Standard output is captured from
     * System.out, where the commands print their results; errors from the command line's
     * error writer, where picocli and the commands report.
     */
    public static SmimedRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        StringWriter err = new StringWriter();
        try {
            int exit = SmimedCommand.commandLine(System::getenv, Clock.systemUTC())
                    .setErr(new PrintWriter(err, true)).execute(args);
            return new SmimedRun(exit, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(stdout);
        }
    }
}
