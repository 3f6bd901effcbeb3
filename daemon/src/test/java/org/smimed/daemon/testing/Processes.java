package org.smimed.daemon.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs external programs (openssl, the daemon itself) and captures what they print. */
public final class Processes {
    private Processes() {
    }

    /** How a program ended. */
    public record Result(int exitCode, String stdout, String stderr) {}

    public static Result run(List<String> command, Path workingDirectory)
            throws IOException, InterruptedException {
        return run(command, workingDirectory, java.util.Map.of());
    }

    /** Runs {@code command} with extra environment variables. */
    public static Result run(List<String> command, Path workingDirectory,
                             java.util.Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        if (workingDirectory != null) {
            builder.directory(workingDirectory.toFile());
        }
        Process p = builder.start();
        p.getOutputStream().close();
        var out = p.getInputStream();
        var err = p.getErrorStream();
        byte[][] captured = new byte[2][];
        Thread errReader = new Thread(() -> {
            try {
                captured[1] = err.readAllBytes();
            } catch (IOException e) {
                captured[1] = new byte[0];
            }
        });
        errReader.start();
        captured[0] = out.readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command + " did not finish in 120 s");
        }
        errReader.join();
        return new Result(p.exitValue(), new String(captured[0], StandardCharsets.UTF_8),
                new String(captured[1], StandardCharsets.UTF_8));
    }

    /** Runs {@code command} and fails unless it exits 0. */
    public static Result check(List<String> command, Path workingDirectory)
            throws IOException, InterruptedException {
        return check(command, workingDirectory, java.util.Map.of());
    }

    /** Runs {@code command} with extra environment variables and fails unless it exits 0. */
    public static Result check(List<String> command, Path workingDirectory,
                               java.util.Map<String, String> environment)
            throws IOException, InterruptedException {
        Result r = run(command, workingDirectory, environment);
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + r.exitCode() + ": "
                    + r.stderr() + r.stdout());
        }
        return r;
    }
}
