package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.Smimectl.Run;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestClients;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.testing.TokenPicture;
import org.smimed.daemon.testing.TokenWrites;

/**
 * One daemon process on one token, run with a JDWP agent so that {@link TokenWrites} can
 * freeze it at a token write; officers drive it with the real smimectl. {@link #crash} kills
 * the frozen process with SIGKILL and starts a new one on the same token.
 */
final class CrashRig implements AutoCloseable {
    private static final Pattern JDWP = Pattern.compile(
            "Listening for transport dt_socket at address: (\\d+)");
    private static final Pattern PENDING = Pattern.compile("pending approval ([0-9a-f]{24}) ");
    /** 128 + SIGKILL: how the JDK reports a process ended by {@code destroyForcibly}. */
    static final int KILLED = 137;

    /** What a crash left: the writes made before the kill, the failed call, the repairs. */
    record Crash(String writes, Run call, List<String> repairs) {}

    private final Path dir;
    private final SoftHsm.Token token;
    private final Path softHsmConf;
    private final TestClients.Client requester;
    private final TestClients.Client approver;
    private DaemonProcess daemon;
    private TokenWrites writes;
    private int adminPort;

    CrashRig(Path dir, SoftHsm.Token token, TestClients.Client requester,
             TestClients.Client approver) throws Exception {
        this.dir = dir;
        this.token = token;
        this.softHsmConf = Path.of(System.getenv("SOFTHSM2_CONF"));
        this.requester = requester;
        this.approver = approver;
        start();
    }

    private void start() throws Exception {
        try (ServerSocket free = new ServerSocket(0)) {
            adminPort = free.getLocalPort();
        }
        Path config = TestDeployment.writeConfig(dir, token);
        TestDeployment.addConfig(config, "admin: {listen: {address: 127.0.0.1, port: "
                + adminPort + "}}");
        daemon = DaemonProcess.start(config, softHsmConf, List.of(
                "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0"));
        Matcher m = JDWP.matcher(daemon.log());
        assertThat(m.find()).as(daemon.log()).isTrue();
        writes = TokenWrites.attach(Integer.parseInt(m.group(1)));
    }

    DaemonProcess daemon() {
        return daemon;
    }

    TokenPicture picture() throws Exception {
        return TokenPicture.read(token, softHsmConf);
    }

    /** Runs {@code args} to completion while watching; the token writes it made, in order. */
    List<String> writesOf(String... args) {
        writes.watch(null);
        ok(args);
        List<String> sites = writes.stop();
        System.out.println("token writes of " + args[0] + ": " + sites);
        return sites.stream().map(w -> w.substring(w.lastIndexOf(' ') + 1)).toList();
    }

    /**
     * Runs {@code args} as the approver (for {@code approve}) or the requester, freezes the
     * daemon at {@code moment}, kills it with SIGKILL, reads nothing from it again, and starts a
     * new daemon on the same token. The repairs are the restarted daemon's leftover log lines.
     */
    Crash crash(TokenWrites.Moment moment, String... args) throws Exception {
        CompletableFuture<String> frozen = writes.watch(moment);
        TestClients.Client who = args[0].equals("approve") ? approver : requester;
        CompletableFuture<Run> call = CompletableFuture.supplyAsync(() -> ctl(who, args));
        CompletableFuture.anyOf(frozen, call).get(120, TimeUnit.SECONDS);
        if (!frozen.isDone()) {
            List<String> seen = writes.stop();
            throw new AssertionError(String.join(" ", args) + " ended before " + moment
                    + " after writes " + seen + ": " + call.get());
        }
        String made = frozen.get();
        daemon.kill();
        assertThat(daemon.awaitExit(java.time.Duration.ZERO)).as("SIGKILL").isEqualTo(KILLED);
        writes.close();
        Run failed = call.get(60, TimeUnit.SECONDS);
        System.out.println(String.join(" ", args) + " killed " + moment + " (" + made + ")");
        start();
        List<String> repairs = daemon.log().lines()
                .filter(l -> l.contains("token leftover repaired: "))
                .map(l -> l.substring(l.indexOf("token leftover repaired: ") + 25)
                        .replaceAll("\"[,}].*$", ""))
                .toList();
        return new Crash(made, failed, repairs);
    }

    /** A dual-control request by the requester; its id for the approver. */
    String request(String... args) {
        Matcher m = PENDING.matcher(ok(requester, args));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** The state of {@code version} as the admin API lists it, if listed. */
    Optional<String> state(String version) {
        return field(version, "state");
    }

    Optional<String> field(String version, String name) {
        return as(requester).listed(version, name);
    }

    /** Runs {@code args} (as the approver for {@code approve}); its output; fails unless 0. */
    String ok(String... args) {
        return ok(args[0].equals("approve") ? approver : requester, args);
    }

    private String ok(TestClients.Client officer, String... args) {
        return as(officer).ok(args);
    }

    Run ctl(TestClients.Client officer, String... args) {
        return as(officer).run(args);
    }

    /** smimectl as {@code officer} at the running daemon's admin listener. */
    private Smimectl as(TestClients.Client officer) {
        return Smimectl.as(officer, dir, "localhost:" + adminPort);
    }

    @Override
    public void close() throws Exception {
        writes.close();
        daemon.close();
    }
}
