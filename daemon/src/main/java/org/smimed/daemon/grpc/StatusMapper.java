package org.smimed.daemon.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.smimed.api.v1.ErrorReason;
import org.smimed.daemon.cms.DecryptionFailedException;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.keys.InvalidKeyRequestException;
import org.smimed.daemon.keys.KeyStateException;
import org.smimed.daemon.keys.NoUsableKeyException;
import org.smimed.daemon.keys.UnknownKeyVersionException;
import org.smimed.daemon.keys.UnknownIdentityException;
import org.smimed.daemon.logging.Printable;
import org.smimed.daemon.logging.ThrottledWarning;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.audit.AuditException;
import org.smimed.daemon.policy.ApprovalException;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.policy.PermissionDeniedException;
import org.smimed.daemon.policy.StreamTimeoutException;
import org.smimed.daemon.policy.UnauthenticatedException;

/**
 * The one place domain failures become gRPC statuses (the call chain's own refusals — a call
 * whose audit record cannot be written, a malformed frame, a cancelled batch — are built where
 * the chain refuses, with the same rules). Descriptions never carry internals
 * (stack traces, slot ids, library paths, PINs); INTERNAL carries only a request id, and the
 * log line with that id has the details.
 */
public final class StatusMapper {
    private static final System.Logger LOG = System.getLogger(StatusMapper.class.getName());

    /**
     * Most bytes a status description may take in its header, percent-encoded as gRPC sends
     * it. Descriptions repeat what the caller sent (an identity, a file name); a description
     * past the client's header limit (8 KiB in gRPC-java) would reach it as INTERNAL "Header
     * size exceeded" instead of its real status (an outside trial), and each non-ASCII byte
     * takes three (found in review).
     */
    static final int MAX_DESCRIPTION_BYTES = 3000;
    /** The ErrorInfo domain of smimed's {@link ErrorReason}s: the API's proto package. */
    static final String ERROR_DOMAIN = "smimed.v1";

    private final ThrottledWarning tokenUnavailable;
    private final ThrottledWarning auditRefused;

    /** {@code clock} paces the warnings a storm of refusals would repeat for every call. */
    public StatusMapper(Clock clock) {
        this.tokenUnavailable = new ThrottledWarning(LOG, clock);
        this.auditRefused = new ThrottledWarning(LOG, clock);
    }

    /** The status for {@code failure} in the current call. */
    public StatusRuntimeException toStatus(Throwable failure) {
        StatusRuntimeException mapped = escaped(map(failure));
        String description = mapped.getStatus().getDescription();
        if (description == null) {
            return mapped;
        }
        int cut = 0;
        int bytes = 0;
        while (cut < description.length()) {
            int codePoint = description.codePointAt(cut);
            bytes += encodedBytes(codePoint);
            if (bytes > MAX_DESCRIPTION_BYTES) {
                break;
            }
            cut += Character.charCount(codePoint);
        }
        if (cut == description.length()) {
            return mapped;
        }
        return mapped.getStatus().withDescription(description.substring(0, cut)
                + "... (" + description.length() + " characters)")
                .asRuntimeException(mapped.getTrailers());
    }

    /**
     * Descriptions repeat what the caller sent, and clients print them: a CR, LF or ESC in an
     * identity would reach the reader's terminal as sent (found by a fuzz trial).
     */
    private static StatusRuntimeException escaped(StatusRuntimeException mapped) {
        String description = mapped.getStatus().getDescription();
        String shown = Printable.escape(description);
        if (shown == null || shown.equals(description)) {
            return mapped;
        }
        return mapped.getStatus().withDescription(shown).asRuntimeException(mapped.getTrailers());
    }

    /** Bytes of one code point in grpc-message: printable ASCII but '%' as is, else %XX each. */
    private static int encodedBytes(int codePoint) {
        if (codePoint >= ' ' && codePoint < '~' && codePoint != '%') {
            return 1;
        }
        return 3 * new String(Character.toChars(codePoint)).getBytes(
                java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private StatusRuntimeException map(Throwable failure) {
        String requestId = RequestIds.current();
        if (failure instanceof StatusRuntimeException s) {
            return s;
        }
        StatusRuntimeException access = accessStatus(failure, requestId);
        if (access != null) {
            return access;
        }
        if (failure instanceof DecryptionFailedException d) {
            LOG.log(Level.INFO, "request {0}: decryption failed: {1}", requestId, d.detail());
            Status failed = Status.INVALID_ARGUMENT.withDescription(
                    DecryptionFailedException.MESSAGE);
            return d.noMatchingRecipient()
                    ? withReason(failed, ErrorReason.NO_MATCHING_RECIPIENT)
                    : failed.asRuntimeException();
        }
        if (failure instanceof InvalidRequestException) {
            return Status.INVALID_ARGUMENT.withDescription(failure.getMessage())
                    .asRuntimeException();
        }
        if (failure instanceof InvalidKeyRequestException) {
            return Status.INVALID_ARGUMENT.withDescription(failure.getMessage())
                    .asRuntimeException();
        }
        if (failure instanceof UnknownKeyVersionException) {
            return Status.NOT_FOUND.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof KeyStateException) {
            return Status.FAILED_PRECONDITION.withDescription(failure.getMessage())
                    .asRuntimeException();
        }
        if (failure instanceof UnknownIdentityException) {
            return Status.NOT_FOUND.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof NoUsableKeyException) {
            return Status.FAILED_PRECONDITION.withDescription(failure.getMessage())
                    .asRuntimeException();
        }
        if (failure instanceof TokenException t
                && t.kind() != TokenException.Kind.REJECTED) {
            // No stack trace: in a fault storm every call fails alike, and one each would
            // bury the healer's account of what happened (stack at DEBUG); nor a line each.
            tokenUnavailable.warn("request " + requestId + ": token unavailable: "
                    + rootCause(failure));
            LOG.log(Level.DEBUG, "request " + requestId + ": token failure", failure);
            return Status.UNAVAILABLE.withDescription("token unavailable; retry later")
                    .asRuntimeException();
        }
        if (interrupted(failure)) {
            // The daemon stopping cut the call short (drain over): no fault of the daemon's,
            // and another replica can take it. It was logged as an internal error, which
            // trips alerts (found by an operator trial).
            LOG.log(Level.INFO, "request " + requestId + ": interrupted while the daemon stops");
            return Status.UNAVAILABLE.withDescription("the daemon is stopping; retry")
                    .asRuntimeException();
        }
        LOG.log(Level.ERROR, "request " + requestId + ": internal error", failure);
        return Status.INTERNAL.withDescription("internal error, request id " + requestId)
                .asRuntimeException();
    }

    /** Authentication, authorization, limits and the audit log; null for anything else. */
    private StatusRuntimeException accessStatus(Throwable failure, String requestId) {
        Status status;
        if (failure instanceof UnauthenticatedException) {
            status = Status.UNAUTHENTICATED.withDescription(failure.getMessage());
        } else if (failure instanceof PermissionDeniedException) {
            status = Status.PERMISSION_DENIED.withDescription(failure.getMessage());
        } else if (failure instanceof LimitExceededException limit) {
            Status exhausted = Status.RESOURCE_EXHAUSTED.withDescription(failure.getMessage());
            return switch (limit.limit()) {
                case CONCURRENT_CALLS -> withReason(exhausted,
                        ErrorReason.CONCURRENT_CALLS_EXHAUSTED);
                case DECRYPT_BUDGET -> withReason(exhausted, ErrorReason.DECRYPT_BUDGET_EXHAUSTED,
                        limit.retryAfter());
                case STREAMS -> withReason(exhausted, ErrorReason.STREAMS_EXHAUSTED);
                // Any call's bytes, not only a DecryptMessage's charge: a Decrypt stream
                // refused so carried no reason to wait out (a Python client trial).
                case IN_FLIGHT_BYTES -> withReason(exhausted,
                        ErrorReason.IN_FLIGHT_BYTES_EXHAUSTED);
                case OTHER -> exhausted.asRuntimeException();
            };
        } else if (failure instanceof StreamTimeoutException) {
            status = Status.DEADLINE_EXCEEDED.withDescription(failure.getMessage());
        } else if (failure instanceof ApprovalException a) {
            status = switch (a.kind()) {
                case UNKNOWN -> Status.NOT_FOUND;
                case EXPIRED, WITHDRAWN -> Status.FAILED_PRECONDITION;
                case SAME_OFFICER -> Status.PERMISSION_DENIED;
                case DUPLICATE -> Status.ALREADY_EXISTS;
                case TOO_MANY -> Status.RESOURCE_EXHAUSTED;
            };
            status = status.withDescription(failure.getMessage());
        } else if (failure instanceof AuditException) {
            // The audit log said why once, at SEVERE; every refused call after it would
            // otherwise repeat a stack trace (found by an operator trial: 20,000 lines), or
            // this line (a later trial: 7,900 in 8 s).
            auditRefused.warn("request " + requestId + ": audit log not written; call"
                    + " refused (" + rootCause(failure) + ")");
            status = Status.UNAVAILABLE.withDescription("audit log unavailable; retry later");
        } else {
            return null;
        }
        return status.asRuntimeException();
    }

    private static boolean interrupted(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedException
                    || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost cause, as "Type: message", for a one-line log. */
    private static String rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == failure ? String.valueOf(failure.getMessage())
                : failure.getMessage() + " (" + root.getClass().getSimpleName() + ": "
                        + root.getMessage() + ")";
    }

    /**
     * {@code status} with {@code reason} in its details (a google.rpc.ErrorInfo, domain
     * {@value #ERROR_DOMAIN}), for a client to act on without matching the description's text.
     */
    static StatusRuntimeException withReason(Status status, ErrorReason reason) {
        return withReason(status, reason, Optional.empty());
    }

    /**
     * The same, and where the daemon knows when to retry, a google.rpc.RetryInfo saying how
     * long to wait: what gRPC clients and proxies read for a backoff (a Python client trial
     * found no hint on RESOURCE_EXHAUSTED).
     */
    static StatusRuntimeException withReason(Status status, ErrorReason reason,
                                             Optional<Duration> retryAfter) {
        com.google.rpc.Status.Builder details = com.google.rpc.Status.newBuilder()
                .setCode(status.getCode().value())
                .setMessage(status.getDescription() == null ? "" : status.getDescription())
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(ERROR_DOMAIN)
                        .setReason(reason.name()).build()));
        retryAfter.ifPresent(wait -> details.addDetails(Any.pack(RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(wait.getSeconds()).setNanos(wait.getNano()))
                .build())));
        return StatusProto.toStatusRuntimeException(details.build());
    }
}
