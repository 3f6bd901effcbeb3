package org.smimed.daemon.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.smimed.api.v1.ApproveRequest;
import org.smimed.api.v1.DecryptMessageRequest;
import org.smimed.api.v1.DecryptMessageResponse;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.api.v1.DestroyRequest;
import org.smimed.api.v1.DisableRequest;
import org.smimed.api.v1.ImportPkcs12Request;
import org.smimed.api.v1.KeyVersionInfo;
import org.smimed.api.v1.SignBatchRequest;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SignStreamRequest;
import org.smimed.api.v1.SignStreamResponse;
import org.smimed.daemon.audit.AuditEntry;
import org.smimed.daemon.audit.AuditEvent;
import org.smimed.daemon.audit.AuditOutcome;
import org.smimed.daemon.keys.CertificateIdentity;
import org.smimed.daemon.keys.VersionName;
import org.smimed.daemon.policy.AccessControl;

/**
 * What the audit record of one call will say, gathered while the call runs: the caller, the
 * identity and key version named in requests or responses (protobuf fields {@code identity}
 * and {@code key_version}, found generically so new services are covered), and a running
 * SHA-256 of the input. Never keeps content: only the digest.
 */
final class AuditNotes {
    static final Context.Key<AuditNotes> CURRENT = Context.key("smimed-audit-notes");
    /** Dual control's request ids: 12 random bytes in hex. */
    private static final Pattern APPROVAL_ID = Pattern.compile("[0-9a-f]{24}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    /** Characters of a failed call's description kept in its record (why=). */
    private static final int MAX_REASON = 300;

    private static final String HEALTH_WATCH = HealthGrpc.getWatchMethod().getFullMethodName();

    private final String requestId;
    private final String method;
    private final MessageDigest input;
    private volatile String caller = "none";
    private volatile String identity = "";
    private volatile String keyVersion = "";
    private volatile boolean held;
    // Officer calls: which policy entry the officer is (their certificates may share a
    // subject), what ties a held request to its approval, and which certificate it was.
    private volatile String officer = "";
    private volatile String auditor = "";
    private volatile String approval = "";
    private volatile String expires = "";
    private volatile String serial = "";
    private volatile String fingerprint = "";
    private volatile String confirmed = "";
    /** "true" for a PKCS#12 import as an archive key (decrypts only), so an auditor sees it. */
    private volatile String archive = "";
    /** A SignBatch's number of digests. */
    private volatile String digests = "";
    /** Plaintext bytes a Decrypt stream has sent so far (for a record of one that failed). */
    private final AtomicLong released = new AtomicLong();
    private volatile long unrecorded;
    private volatile boolean fromClientCa;

    AuditNotes(String requestId, String method) {
        this.requestId = requestId;
        this.method = method;
        try {
            this.input = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The policy entry that let the caller in, form-encoded (names are free text). */
    void administrator(AccessControl.AdminRole role) {
        String entry = URLEncoder.encode(role.entry(), StandardCharsets.UTF_8);
        if (role.auditor()) {
            auditor = entry;
        } else {
            officer = entry;
        }
    }

    /** How many refusals without a valid certificate went unrecorded before this one. */
    void unrecorded(long count) {
        unrecorded = count;
    }

    /** The refused caller's certificate verified to a client CA (revoked, for one). */
    void fromClientCa(boolean verified) {
        fromClientCa = verified;
    }

    boolean fromClientCa() {
        return fromClientCa;
    }

    void caller(String name) {
        caller = name;
    }

    String requestId() {
        return requestId;
    }

    String method() {
        return method;
    }

    /** Notes a request message: its identity and what it contributes to the input hash. */
    synchronized void input(Object message) {
        if (message instanceof SignRequest sign) {
            // The hot path, named directly: finding fields through protobuf reflection cost
            // more than the rest of the record.
            input.update(sign.hasDigest() ? sign.getDigest().getValue().asReadOnlyByteBuffer()
                    : sign.getContent().asReadOnlyByteBuffer());
            if (identity.isEmpty()) {
                identity = sign.getIdentity();
            }
            return;
        }
        if (message instanceof SignStreamRequest part) {
            // As for Sign: the hash of the content alone (the header is not content).
            input.update(part.getChunk().asReadOnlyByteBuffer());
            if (identity.isEmpty() && part.hasHeader()) {
                identity = part.getHeader().getIdentity();
            }
            return;
        }
        if (message instanceof DecryptMessageRequest whole) {
            // The hash a Decrypt of the same message records: of the CMS bytes alone.
            input.update(whole.getMessage().asReadOnlyByteBuffer());
            if (identity.isEmpty()) {
                identity = whole.getIdentity();
            }
            return;
        }
        // What the caller typed goes into detail only in the form the daemon itself gives out:
        // free text there could plant "approval=<someone's id>" or "serial=..." in a refused
        // call's record for a query to find (found by a review). The request hash keeps the rest.
        if (message instanceof ApproveRequest approve) {
            approval = wellFormed(approve.getRequestId(), APPROVAL_ID);
        } else if (message instanceof SignBatchRequest batch) {
            // One record per batch: how many signatures it asked for, so that an auditor
            // counting what a key signed counts batches right (found by an auditor trial).
            digests = String.valueOf(batch.getDigestsCount());
        } else if (message instanceof ImportPkcs12Request pkcs12 && pkcs12.getArchive()) {
            archive = "true";
        } else if (message instanceof DestroyRequest destroy) {
            confirmed = confirmation(destroy.getConfirmFingerprint());
        } else if (message instanceof DisableRequest disable) {
            confirmed = confirmation(disable.getConfirmFingerprint());
        }
        if (message instanceof DecryptRequest part) {
            input.update(part.getChunk().asReadOnlyByteBuffer());
        } else if (message instanceof ImportPkcs12Request pkcs12) {
            // Without the password: with it, the record and a copy of the file were a test of
            // one password guess per SHA-256, far cheaper than the file's own key derivation
            // (found by an auditor trial).
            input.update(pkcs12.toBuilder().clearPassword().build().toByteArray());
        } else if (message instanceof Message other) {
            input.update(other.toByteArray());
        } else if (message instanceof byte[] raw) {
            input.update(raw);
        }
        if (message instanceof Message m) {
            fields(m, 1);
        }
    }

    /**
     * Notes what a call acts on when no message names it (an approval names only a request
     * id): {@code target} is a key version "identity/vN" or an identity.
     */
    synchronized void subject(String target) {
        int slash = target.lastIndexOf("/v");
        if (slash > 0) {
            keyVersion = target;
            identity = target.substring(0, slash);
        } else {
            identity = target;
        }
    }

    /**
     * A response message that went out to the client: a Decrypt stream's plaintext chunks are
     * counted, so the record of a stream that failed or was cancelled after some plaintext
     * left says how much (a client trial found "FAILED, CANCELLED" after 10 MB of AES-CBC
     * plaintext had been delivered, with nothing in the record to show it).
     */
    void released(Object message) {
        if (message instanceof DecryptResponse part
                && part.getPartCase() == DecryptResponse.PartCase.CHUNK) {
            released.addAndGet(part.getChunk().size());
        }
    }

    /** Notes a response message: the identity and key version that served the call. */
    void output(Object message) {
        if (message instanceof SignResponse signed) {
            if (keyVersion.isEmpty()) {
                keyVersion = signed.getKeyVersion();
            }
        } else if (message instanceof DecryptMessageResponse decrypted) {
            if (identity.isEmpty()) {
                identity = decrypted.getResult().getIdentity();
            }
            if (keyVersion.isEmpty()) {
                keyVersion = decrypted.getResult().getKeyVersion();
            }
        } else if (message instanceof SignStreamResponse part) {
            if (keyVersion.isEmpty() && part.hasResult()) {
                keyVersion = part.getResult().getKeyVersion();
            }
        } else if (message instanceof Message m) {
            // A request under dual control answers OK with the id it waits under: held, not
            // done, and the record must say so (an outside trial could not tell a held destroy
            // from a destroy that ran).
            if (m instanceof KeyVersionInfo info) {
                held |= !info.getPendingApprovalId().isEmpty();
                if (!info.getPendingApprovalId().isEmpty()) {
                    approval = info.getPendingApprovalId();
                    expires = info.getPendingExpires();
                }
                serial = info.getCertificateSerial();
                fingerprint = info.getFingerprint();
            }
            fields(m, 1);
        }
    }

    private void fields(Message m, int depth) {
        if (identity.isEmpty()) {
            identity = text(m, "identity");
        }
        if (keyVersion.isEmpty()) {
            keyVersion = text(m, "key_version");
        }
        if (keyVersion.isEmpty()) {
            // KeyAdminService names a key version "version" ("identity/vN").
            keyVersion = text(m, "version");
        }
        if (depth > 0) {
            for (var entry : m.getAllFields().entrySet()) {
                if (!entry.getKey().isRepeated() && entry.getValue() instanceof Message inner) {
                    fields(inner, depth - 1);
                }
            }
        }
    }

    private static String text(Message m, String name) {
        FieldDescriptor field = m.getDescriptorForType().findFieldByName(name);
        if (field == null || field.isRepeated()
                || field.getJavaType() != FieldDescriptor.JavaType.STRING) {
            return "";
        }
        return (String) m.getField(field);
    }

    /**
     * The audit entry for the call ending with {@code status}. The identity as the daemon
     * knows it — lower case, as addresses are matched — and taken from the key version when
     * only a version was named (officer calls name "identity/vN"), so that one filter on
     * {@code identity} finds every record of an identity (an outside trial's audit query
     * missed CreateCsr, failed Destroy attempts and mixed-case Sign requests).
     */
    synchronized AuditEntry entry(Status status) {
        return entry(status.getCode().name(),
                held && status.isOk() ? AuditOutcome.HELD
                        : endedByItsCaller(status) ? AuditOutcome.OK
                        : outcome(status.getCode()), reason(status));
    }

    /**
     * Why an officer call failed, as the officer was told (an officer trial: refused imports
     * were records alike but for their input hash); form-encoded, so it cannot pass for
     * another field, and shortened; empty for other calls and for successes.
     */
    private String reason(Status status) {
        if (status.isOk() || status.getDescription() == null
                || AuditEvents.forMethod(method) != AuditEvent.KEY_ADMIN) {
            return "";
        }
        String text = status.getDescription();
        return URLEncoder.encode(text.codePointCount(0, text.length()) > MAX_REASON
                ? text.substring(0, text.offsetByCodePoints(0, MAX_REASON)) + "..." : text,
                StandardCharsets.UTF_8);
    }

    /** Refusals (who may call, and how much) apart from calls that were let in and failed. */
    private static AuditOutcome outcome(Status.Code code) {
        return switch (code) {
            case OK -> AuditOutcome.OK;
            case UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED -> AuditOutcome.DENIED;
            default -> AuditOutcome.FAILED;
        };
    }

    /**
     * A health Watch runs until its client ends it, with the connection: CANCELLED is how it
     * ends, not a failure (a review found every balancing client's connection audited FAILED).
     */
    private boolean endedByItsCaller(Status status) {
        return status.getCode() == Status.Code.CANCELLED && method.equals(HEALTH_WATCH);
    }

    /** The record written before an officer change runs: outcome STARTED, no status yet. */
    synchronized AuditEntry started() {
        return entry("", AuditOutcome.STARTED, "");
    }

    private AuditEntry entry(String code, AuditOutcome outcome, String reason) {
        // A version name as the key store reads it (blanks around it dropped, the identity
        // normalised), so a search on keyVersion finds every record of the version (a review
        // found "x@d/v2" followed by a tab acted on v2 and recorded as typed).
        Optional<VersionName.Parsed> parsed = VersionName.parse(keyVersion);
        String named = identity.isEmpty() ? parsed.map(VersionName.Parsed::identity).orElse("")
                : identity;
        String version = parsed.map(p -> VersionName.of(canonical(p.identity()), p.number()))
                .orElse(keyVersion);
        return new AuditEntry(requestId, caller, AuditEvents.forMethod(method), method,
                canonical(named), version,
                HexFormat.of().formatHex(((MessageDigest) cloneDigest()).digest()), outcome, code,
                detail(!code.isEmpty() && !code.equals("OK"), reason));
    }

    /**
     * "officer=NAME (or auditor=NAME) approval=ID expires=TIME serial=HEX fingerprint=HEX
     * confirmed=HEX archive=true digests=N released=N why=TEXT", each only when known: the
     * officer's policy entry tells officers apart whose certificates share a subject (the caller
     * field alone could not: found by an auditor trial), the approval id joins a HELD record to its
     * Approve (and the HELD record says until when it may be approved, which only the daemon's log
     * said: an auditor trial), the certificate's serial and SHA-256 say which certificate was
     * imported or activated, a Disable's or Destroy's confirmation says which one was meant (the
     * request hash alone could not), archive marks a PKCS#12 import as an archive key, digests
     * counts a SignBatch's signatures, and released the plaintext bytes a {@code failed} Decrypt
     * stream sent; unrecorded, on a refusal without a valid certificate, how many such refusals
     * before it had no record ({@link UnverifiedCallRecords}); why, why an officer call failed
     * ({@link #reason}).
     */
    private String detail(boolean failed, String reason) {
        StringBuilder b = new StringBuilder();
        part(b, "officer", officer);
        part(b, "auditor", auditor);
        part(b, "approval", approval);
        part(b, "expires", expires);
        part(b, "serial", serial);
        part(b, "fingerprint", fingerprint);
        part(b, "confirmed", confirmed);
        part(b, "archive", archive);
        part(b, "digests", digests);
        part(b, "released", failed && released.get() > 0 ? String.valueOf(released.get()) : "");
        part(b, "unrecorded", unrecorded > 0 ? String.valueOf(unrecorded) : "");
        part(b, "why", reason);
        return b.toString();
    }

    private static String confirmation(String fingerprint) {
        return wellFormed(fingerprint.replace(":", "").toLowerCase(Locale.ROOT), SHA256_HEX);
    }

    private static String wellFormed(String value, Pattern form) {
        return value.isEmpty() || form.matcher(value).matches() ? value : "malformed";
    }

    private static void part(StringBuilder b, String name, String value) {
        if (!value.isEmpty()) {
            b.append(b.length() == 0 ? "" : " ").append(name).append('=').append(value);
        }
    }

    /** As identities are matched when served, so the record names the identity served. */
    private static String canonical(String identity) {
        return CertificateIdentity.normalise(identity);
    }

    private Object cloneDigest() {
        try {
            return input.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests are cloneable in the JDK", e);
        }
    }
}
