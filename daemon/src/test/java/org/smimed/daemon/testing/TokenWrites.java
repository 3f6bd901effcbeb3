package org.smimed.daemon.testing;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.Location;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Watches a daemon process's PKCS#11 writes through the Java debugger interface (the daemon
 * runs with a JDWP agent; production code has no test hook) and can freeze the whole process
 * at a chosen write, so a test kills it at a deterministic moment of an officer operation.
 *
 * <p>A write is a call of {@code C_CreateObject}, {@code C_DestroyObject},
 * {@code C_SetAttributeValue} or {@code C_GenerateKeyPair}: every change the daemon makes to
 * token objects is such a call in its {@code token} package (the only code that touches
 * PKCS#11). The call sites are found in that package's source, so a breakpoint sits on each
 * one; a breakpoint at the entry of {@code KeyAdministration.changed} marks the moment after an
 * officer operation's last write, before it answers. Breakpoints are enabled only while an
 * operation is watched.
 */
public final class TokenWrites implements AutoCloseable {
    private static final Pattern WRITE = Pattern.compile(
            "\\.(C_CreateObject|C_DestroyObject|C_SetAttributeValue|C_GenerateKeyPair)\\(");
    private static final Path TOKEN_SOURCES = Path.of("src/main/java/org/smimed/daemon/token");
    private static final String DONE_CLASS = "org.smimed.daemon.keys.KeyAdministration";
    private static final String DONE_METHOD = "changed";

    /**
     * A moment of an operation: just before write {@code write} (1-based) reaches the token, or
     * ({@code after}) once all {@code write} writes are made, before the operation answers.
     */
    public record Moment(int write, boolean after) {
        @Override
        public String toString() {
            return after ? "after all " + write + " token writes"
                    : "before token write " + write;
        }
    }

    private final VirtualMachine vm;
    private final Map<BreakpointRequest, String> sites = new HashMap<>();
    private final BreakpointRequest done;
    private final List<String> seen = new ArrayList<>();
    private Moment target;
    private CompletableFuture<String> hit = new CompletableFuture<>();

    private TokenWrites(VirtualMachine vm) throws Exception {
        this.vm = vm;
        try (Stream<Path> files = Files.list(TOKEN_SOURCES)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString().replace(".java", "");
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = WRITE.matcher(lines.get(i));
                    if (m.find()) {
                        breakpoint("org.smimed.daemon.token." + name, i + 1)
                                .ifPresent(r -> sites.put(r, name + ":" + r.location()
                                        .lineNumber() + " " + m.group(1)));
                    }
                }
            }
        }
        ReferenceType admin = type(DONE_CLASS);
        done = vm.eventRequestManager().createBreakpointRequest(admin.methodsByName(DONE_METHOD)
                .get(0).location());
        done.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        if (sites.isEmpty()) {
            throw new IllegalStateException("no PKCS#11 write found in " + TOKEN_SOURCES);
        }
        Thread loop = new Thread(this::events, "jdi-events");
        loop.setDaemon(true);
        loop.start();
    }

    private java.util.Optional<BreakpointRequest> breakpoint(String className, int line)
            throws Exception {
        List<ReferenceType> types = vm.classesByName(className);
        if (types.isEmpty()) {
            return java.util.Optional.empty(); // not loaded: never used by officer operations
        }
        // One location per line, the first; on a line that also creates a lambda, the call
        // is in the lambda's body.
        List<Location> all = types.get(0).locationsOfLine(line);
        boolean lambda = all.stream().anyMatch(l -> l.method().name().startsWith("lambda$"));
        return all.stream().filter(l -> !lambda || l.method().name().startsWith("lambda$"))
                .min(Comparator.comparingLong(Location::codeIndex)).map(location -> {
                    BreakpointRequest r = vm.eventRequestManager()
                            .createBreakpointRequest(location);
                    r.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
                    return r;
                });
    }

    private ReferenceType type(String name) {
        List<ReferenceType> types = vm.classesByName(name);
        if (types.isEmpty()) {
            throw new IllegalStateException(name + " is not loaded in the daemon");
        }
        return types.get(0);
    }

    /** Attaches to the JDWP agent listening on {@code port} of this host. */
    public static TokenWrites attach(int port) throws Exception {
        AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors()
                .stream().filter(c -> c.name().equals("com.sun.jdi.SocketAttach")).findFirst()
                .orElseThrow();
        Map<String, Connector.Argument> arguments = socket.defaultArguments();
        arguments.get("hostname").setValue("127.0.0.1");
        arguments.get("port").setValue(Integer.toString(port));
        return new TokenWrites(socket.attach(arguments));
    }

    /**
     * Starts watching: writes are counted from now; at {@code stopAt} (null: never) the whole
     * process is suspended and the returned future completes with the writes seen so far.
     */
    public synchronized CompletableFuture<String> watch(Moment stopAt) {
        seen.clear();
        target = stopAt;
        hit = new CompletableFuture<>();
        sites.keySet().forEach(EventRequest::enable);
        done.enable();
        return hit;
    }

    /** Stops watching; the writes seen since {@link #watch} ({@code Class:line function}). */
    public synchronized List<String> stop() {
        sites.keySet().forEach(EventRequest::disable);
        done.disable();
        return List.copyOf(seen);
    }

    private void events() {
        try {
            while (true) {
                EventSet set = vm.eventQueue().remove();
                boolean frozen = false;
                for (Event event : set) {
                    if (event instanceof VMDisconnectEvent) {
                        hit.completeExceptionally(new IllegalStateException("VM disconnected"));
                        return;
                    }
                    if (event instanceof BreakpointEvent breakpoint) {
                        frozen |= onBreakpoint(breakpoint);
                    }
                }
                if (!frozen) {
                    set.resume();
                }
            }
        } catch (InterruptedException | com.sun.jdi.VMDisconnectedException e) {
            hit.completeExceptionally(e);
        }
    }

    /** True if the process was frozen at the target moment. */
    private synchronized boolean onBreakpoint(BreakpointEvent event) {
        boolean after = event.request().equals(done);
        if (!after) {
            seen.add(sites.get((BreakpointRequest) event.request()));
        }
        if (target != null && !hit.isDone() && target.after() == after
                && seen.size() == target.write()) {
            vm.suspend();
            hit.complete(String.join(", ", seen));
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        try {
            vm.dispose();
        } catch (com.sun.jdi.VMDisconnectedException e) {
            // Killed already: nothing to detach from.
        }
    }
}
