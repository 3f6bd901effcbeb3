package org.smimed.daemon.testing;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.LocatableEvent;
import com.sun.jdi.event.MethodEntryEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.EventRequestManager;
import com.sun.jdi.request.MethodEntryRequest;
import com.sun.jdi.request.MethodExitRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Watches a daemon process's PKCS#11 writes through the Java debugger interface (the daemon
 * runs with a JDWP agent; production code has no test hook) and can freeze the whole process
 * at a chosen write, so a test kills it at a deterministic moment of an officer operation.
 *
 * <p>A write is an entry into one of the native methods of
 * {@code sun.security.pkcs11.wrapper.PKCS11} that change token objects ({@link #WRITES}): every
 * change the daemon makes to the token, through SunPKCS11 or the wrapper, passes there. The
 * method entry/exit events are enabled only while an operation is watched.
 */
public final class TokenWrites implements AutoCloseable {
    /** The PKCS#11 functions that create, change or destroy objects. */
    public static final Set<String> WRITES = Set.of("C_CreateObject", "C_DestroyObject",
            "C_SetAttributeValue", "C_GenerateKeyPair", "C_GenerateKey", "C_CopyObject",
            "C_UnwrapKey", "C_DeriveKey");
    private static final String WRAPPER = "sun.security.pkcs11.wrapper.PKCS11";

    /**
     * A moment of an operation: just before write {@code write} (1-based) enters the token, or
     * just after it returned ({@code after}).
     */
    public record Moment(int write, boolean after) {
        @Override
        public String toString() {
            return (after ? "after" : "before") + " token write " + write;
        }
    }

    private final VirtualMachine vm;
    private final MethodEntryRequest entries;
    private final MethodExitRequest exits;
    private final List<String> seen = new ArrayList<>();
    private Moment target;
    private CompletableFuture<String> hit = new CompletableFuture<>();

    private TokenWrites(VirtualMachine vm) {
        this.vm = vm;
        EventRequestManager requests = vm.eventRequestManager();
        entries = requests.createMethodEntryRequest();
        entries.addClassFilter(WRAPPER);
        entries.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        exits = requests.createMethodExitRequest();
        exits.addClassFilter(WRAPPER);
        exits.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        Thread loop = new Thread(this::events, "jdi-events");
        loop.setDaemon(true);
        loop.start();
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
        entries.enable();
        exits.enable();
        return hit;
    }

    /** Stops watching; the names of the writes seen since {@link #watch}. */
    public synchronized List<String> stop() {
        entries.disable();
        exits.disable();
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
                    if (event instanceof LocatableEvent located) {
                        frozen |= onCall(located);
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
    private synchronized boolean onCall(LocatableEvent event) {
        var method = event.location().method();
        if (!method.declaringType().name().equals(WRAPPER) || !WRITES.contains(method.name())) {
            return false;
        }
        boolean entry = event instanceof MethodEntryEvent;
        if (entry) {
            seen.add(method.name());
        }
        if (target != null && !hit.isDone() && target.after() != entry
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
