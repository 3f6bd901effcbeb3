package org.smimed.daemon.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.smimed.daemon.audit.AuditEntry;
import org.smimed.daemon.audit.AuditException;
import org.smimed.daemon.audit.AuditLog;
import org.smimed.daemon.audit.AuditOutcome;

/**
 * Writes one audit record per call — allowed or denied, successful or failed, or cancelled —
 * when the call ends, before the status reaches the caller; an officer call that changes the
 * token also one before it runs (outcome STARTED).
 *
 * <p>Guarantees: a call whose response is a single message (unary and client-streaming) has
 * its response held back until its record is written, and officer calls are fsynced first;
 * if the record cannot be written, the caller gets UNAVAILABLE instead of the response. A
 * streaming response of smimed's own (Decrypt, SignStream) goes out as it is made except its
 * last two messages, which are held until the record is written: no caller holds a whole
 * plaintext or a SignedData whose call was not recorded. Health watches and reflection
 * stream as they come. A failed write turns the status into UNAVAILABLE (clients must discard
 * what a call not ending OK sent) and the log stays unhealthy, so every later call is refused
 * before it starts.
 */
final class AuditInterceptor implements ServerInterceptor {
    private static final System.Logger LOG = System.getLogger(AuditInterceptor.class.getName());
    private static final String SMIMED_SERVICES = "smimed.v1.";
    /**
     * The last two messages of a stream wait for its record: an encapsulating SignStream ends
     * with the chunk holding the signature and then a result without signed data, so holding
     * one message would release the whole SignedData before the record (found in review).
     */
    private static final int HELD_BY_STREAMS = 2;

    private final AuditLog log;
    private final StatusMapper statuses;
    private final UnverifiedCallRecords unverified;

    AuditInterceptor(AuditLog log, StatusMapper statuses, UnverifiedCallRecords unverified) {
        this.log = log;
        this.statuses = statuses;
        this.unverified = unverified;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        var method = call.getMethodDescriptor();
        AuditNotes notes = new AuditNotes(RequestIds.current(), method.getFullMethodName());
        boolean officer = OfficerServices.contains(method.getServiceName());
        Recording<Q, R> recording = new Recording<>(call, notes,
                method.getType().serverSendsOneMessage() ? Holding.ALL : holding(method),
                officer, OfficerServices.changesKeys(method.getFullMethodName()));
        if (!log.healthy()) {
            recording.close(Status.UNAVAILABLE, new Metadata());
            return new ServerCall.Listener<>() { };
        }
        ServerCall.Listener<Q> inner = Contexts.interceptCall(
                Context.current().withValue(AuditNotes.CURRENT, notes), recording, headers, next);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(inner) {
            @Override
            public void onMessage(Q message) {
                notes.input(message);
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                // An officer call must not run if its record cannot be written: a destroy made
                // and then unrecorded cannot be undone (found by an operator trial). Checked
                // here, once the caller is authenticated and on a handler: checked before,
                // every call without a certificate took the audit log's lock on the event
                // loop that read it (found by a review).
                if (recording.sync && !recording.writable()) {
                    return;
                }
                // The request is complete and about to run: an officer change is recorded as
                // STARTED first, so one the daemon dies in is on record too (found by an
                // officer trial: a kill during generate or destroy left no record at all).
                if (recording.changesKeys && !recording.recordStarted()) {
                    return;
                }
                super.onHalfClose();
            }

            @Override
            public void onCancel() {
                recording.recordCancelled();
                super.onCancel();
            }
        };
    }

    /** How much of a call's response waits for its record. */
    enum Holding {
        /** The one response message. */
        ALL,
        /** The latest messages, so the last ones are sent after the record is written. */
        LAST,
        /**
         * Nothing: a conversation (gRPC reflection) or a watch (health) answers each message
         * as it comes, and holding one back would leave its caller waiting for it.
         */
        NONE
    }

    /**
     * smimed's own streams (Decrypt, SignStream) end with the messages that complete their
     * result; other services' streams are conversations or watches.
     */
    private static Holding holding(io.grpc.MethodDescriptor<?, ?> method) {
        String service = method.getServiceName();
        return service != null && service.startsWith(SMIMED_SERVICES) ? Holding.LAST
                : Holding.NONE;
    }

    /** The call, recording itself once as it closes. */
    private final class Recording<Q, R>
            extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final AuditNotes notes;
        private final Holding hold;
        private final boolean sync;
        private final boolean changesKeys;
        private final List<R> held = new ArrayList<>();
        private final AtomicBoolean recorded = new AtomicBoolean();
        /**
         * Response headers wait for the first message released: a call refused at its record
         * then ends trailers-only, which gRPC clients may retry (on another replica); once
         * headers have arrived the call is committed and its UNAVAILABLE is final (found in
         * review: a unary call's headers went out with its held response).
         */
        private Metadata heldHeaders;

        Recording(ServerCall<Q, R> call, AuditNotes notes, Holding hold, boolean sync,
                  boolean changesKeys) {
            super(call);
            this.notes = notes;
            this.hold = hold;
            this.sync = sync;
            this.changesKeys = changesKeys;
        }

        @Override
        public void sendHeaders(Metadata headers) {
            if (hold == Holding.NONE) {
                super.sendHeaders(headers);
            } else {
                heldHeaders = headers;
            }
        }

        @Override
        public void sendMessage(R message) {
            notes.output(message);
            if (hold == Holding.NONE) {
                forward(message);
                return;
            }
            if (hold == Holding.LAST && held.size() == HELD_BY_STREAMS) {
                // The oldest held message was not among the last two; two stay held (at most
                // two chunks, 128 KiB, per stream).
                forward(held.remove(0));
            }
            held.add(message);
        }

        /** Sends {@code message} on, counted as released to the client. */
        private void forward(R message) {
            notes.released(message);
            send(message);
        }

        /** Sends {@code message}, after the held headers if they have not gone yet. */
        private void send(R message) {
            if (heldHeaders != null) {
                super.sendHeaders(heldHeaders);
                heldHeaders = null;
            }
            super.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (!recorded.compareAndSet(false, true)) {
                super.close(status, trailers);
                return;
            }
            if (!status.isOk()) {
                // The held messages still go out after the record: count them in it (a
                // security review found released= short by the two held chunks).
                held.forEach(notes::released);
            }
            boolean unauthenticated = status.getCode() == Status.Code.UNAUTHENTICATED;
            if (unauthenticated) {
                OptionalLong before = unverified.admit(notes.fromClientCa());
                if (before.isEmpty()) {
                    super.close(status, trailers); // counted, not recorded: see the class
                    return;
                }
                notes.unrecorded(before.getAsLong());
            }
            AuditEntry entry = notes.entry(status);
            try {
                // A refusal before authentication changed nothing: no fsync for it.
                log.append(entry, sync && !unauthenticated);
            } catch (AuditException e) {
                held.clear();
                // Only a change that ran: a read, a refusal or a held request changed nothing.
                boolean changed = changesKeys && status.isOk()
                        && entry.outcome() != AuditOutcome.HELD;
                super.close(changed ? unrecordedChange(entry, e)
                        : statuses.toStatus(e).getStatus(), new Metadata());
                return;
            }
            held.forEach(this::send);
            held.clear();
            if (heldHeaders != null && status.isOk()) {
                // An answer without messages (none of smimed's) still gets its headers.
                super.sendHeaders(heldHeaders);
            }
            heldHeaders = null;
            super.close(status, trailers);
        }

        /** Refuses the call before it starts: its record could not be written. */
        void refuse(AuditException e) {
            if (recorded.compareAndSet(false, true)) {
                super.close(Status.UNAVAILABLE.withDescription("audit log cannot record this"
                        + " call; nothing was done (see the daemon log)"), new Metadata());
                LOG.log(Level.WARNING, "request " + notes.requestId() + ": "
                        + notes.method() + " refused before it ran: " + e.getMessage());
            }
        }

        /** Whether the log can record this call; false (and the call refused) if not. */
        boolean writable() {
            if (recorded.get()) {
                return true; // already refused: nothing will run
            }
            try {
                log.checkWritable();
                return true;
            } catch (AuditException e) {
                refuse(e);
                return false;
            }
        }

        /** Writes the STARTED record; false (and the call refused) if it cannot be. */
        boolean recordStarted() {
            if (recorded.get()) {
                // Already refused (not an officer, over a limit): nothing will run.
                return true;
            }
            try {
                log.append(notes.started(), true);
                return true;
            } catch (AuditException e) {
                refuse(e);
                return false;
            }
        }

        void recordCancelled() {
            if (recorded.compareAndSet(false, true)) {
                try {
                    log.append(notes.entry(Status.CANCELLED), sync);
                } catch (AuditException e) {
                    LOG.log(Level.ERROR, "cancelled call not recorded: audit log failed", e);
                }
            }
        }
    }

    /**
     * An officer call that succeeded but whose record could not be written (the file system
     * filled between the check and the write): the change stands, so the caller must not be
     * told to retry, and the daemon log keeps what the audit log could not.
     */
    private static Status unrecordedChange(AuditEntry entry, AuditException e) {
        LOG.log(Level.ERROR, "UNRECORDED officer change (the audit log failed after it ran: "
                + e.getMessage() + "): " + entry);
        return Status.DATA_LOSS.withDescription("the change was made but its audit record"
                + " could not be written; see the daemon log");
    }
}
