package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.smimed.daemon.testing.AuditRecords;

/** Reads a deployment's audit log in tests: the record a refused call left. */
final class AuditTrail {
    static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private AuditTrail() {
    }

    /** Runs {@code call}, expects it to fail with {@code code}; returns the failure. */
    static StatusRuntimeException refused(ThrowingCallable call, Status.Code code,
                                          String description) {
        return refused(call, code, Pattern.compile(Pattern.quote(description)));
    }

    /** The same, for a description that varies (a time to wait): it must match whole. */
    static StatusRuntimeException refused(ThrowingCallable call, Status.Code code,
                                          Pattern description) {
        try {
            call.call();
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).matches(description);
            return e;
        } catch (Throwable t) {
            throw new AssertionError("expected " + code + ", got " + t, t);
        }
        throw new AssertionError("expected " + code + ", but the call succeeded");
    }

    /** The audit record with the request id the failure carried, as member → value. */
    static Map<String, String> recordOf(Path audit, StatusRuntimeException failure)
            throws Exception {
        String id = Optional.ofNullable(failure.getTrailers()).map(t -> t.get(REQUEST_ID))
                .orElseThrow(() -> new AssertionError("no x-request-id in " + failure));
        List<Map<String, String>> matching = AuditRecords.read(audit).stream()
                .filter(m -> id.equals(m.get("requestId"))).toList();
        assertThat(matching).as("audit records of request " + id).hasSize(1);
        return matching.get(0);
    }
}
