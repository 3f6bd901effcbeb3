package org.smimed.daemon.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A daemon in its own process ({@code smimed serve}), with its own SOFTHSM2_CONF: what a
 * supervisor runs, and what a test can kill with SIGKILL.
 */
public final class DaemonProcess implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("smimed: serving .* on port (\\d+)");

    private final Process process;
    private final int port;
    private final StringBuffer log;
    private final Thread logReader;

    private DaemonProcess(Process process, int port, StringBuffer log, Thread logReader) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.logReader = logReader;
    }

    /** Starts {@code smimed serve --config config} and waits until it serves. */
    public static DaemonProcess start(Path config, Path softHsmConf) throws Exception {
        return start(config, softHsmConf, List.of());
    }

    /** As above, with extra JVM arguments (such as a small {@code -Xmx}). */
    public static DaemonProcess start(Path config, Path softHsmConf, List<String> jvmArgs)
            throws Exception {
        return start(config, softHsmConf, jvmArgs, List.of());
    }

    /**
     * As above, run by {@code launcher} (such as {@code prlimit --fsize=N --}, which limits
     * the size of every file the daemon writes).
     */
    public static DaemonProcess start(Path config, Path softHsmConf, List<String> jvmArgs,
                                      List<String> launcher) throws Exception {
        List<String> command = new ArrayList<>(launcher);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.addAll(List.of(
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "org.smimed.daemon.cli.SmimedCommand", "serve", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("SOFTHSM2_CONF", softHsmConf.toString());
        Process process = builder.start();
        StringBuffer log = new StringBuffer();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.append(line).append('\n');
                    Matcher m = SERVING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IOException("daemon ended: " + log));
        }, "daemon-log");
        reader.setDaemon(true);
        reader.start();
        return new DaemonProcess(process, port.get(60, TimeUnit.SECONDS), log, reader);
    }

    public int port() {
        return port;
    }

    public String log() {
        return log.toString();
    }

    /**
     * SIGSTOP: the process stays, its connections stay open and nothing answers, as in a host
     * freeze or a partition. {@link #thaw} resumes it.
     */
    public void freeze() throws Exception {
        Processes.check(List.of("kill", "-STOP", Long.toString(process.pid())), Path.of("."));
    }

    /** SIGCONT after {@link #freeze}. */
    public void thaw() throws Exception {
        Processes.check(List.of("kill", "-CONT", Long.toString(process.pid())), Path.of("."));
    }

    /** SIGHUP, as an operator sends it after changing files: {@code kill -HUP PID}. */
    public void hangUp() throws Exception {
        Processes.check(List.of("kill", "-HUP", Long.toString(process.pid())),
                Path.of("."));
    }

    /** Waits up to {@code limit} for a line of the log containing {@code text}. */
    public boolean awaitLog(String text, java.time.Duration limit) throws InterruptedException {
        for (long end = System.nanoTime() + limit.toNanos(); System.nanoTime() < end; ) {
            if (log.indexOf(text) >= 0) {
                return true;
            }
            Thread.sleep(50);
        }
        return log.indexOf(text) >= 0;
    }

    /**
     * SIGTERM and SIGINT from one {@code kill} command, delivered together (as {@code timeout}
     * signals a process and its group); waits for the exit and returns its code.
     */
    public int terminateTwice() throws Exception {
        String pid = Long.toString(process.pid());
        Processes.check(List.of("sh", "-c", "kill -TERM " + pid + "; kill -INT " + pid),
                Path.of("."));
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return exitValue();
    }

    /** SIGKILL: no shutdown hook, no draining — a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        exitValue();
    }

    /** SIGTERM: the graceful path. Returns the exit code. */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return exitValue();
    }

    /** Waits up to {@code limit} for the daemon to exit on its own; its exit code, or -1. */
    public int awaitExit(java.time.Duration limit) throws InterruptedException {
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS) ? exitValue() : -1;
    }

    /**
     * Waits for the exit and for the log reader to take the last lines (the daemon writes
     * "stopped" just before it exits; a test reading {@link #log()} right after must see it).
     */
    private int exitValue() throws InterruptedException {
        process.waitFor(30, TimeUnit.SECONDS);
        logReader.join(10_000);
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
