package org.smimed.daemon.approval;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.smimed.daemon.keys.CertificateSummary;
import org.smimed.daemon.keys.InvalidKeyRequestException;
import org.smimed.daemon.keys.KeyAdministration;
import org.smimed.daemon.keys.KeyStateException;
import org.smimed.daemon.keys.TokenVersion;
import org.smimed.daemon.keys.UnknownKeyVersionException;
import org.smimed.daemon.policy.AdminAction;
import org.smimed.daemon.policy.ApprovalException;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.DualControl;
import org.smimed.daemon.policy.DualControl.PendingRequest;
import org.smimed.daemon.policy.PermissionDeniedException;
import org.smimed.daemon.token.TokenException;

/**
 * Activate, disable, destroy and import-pkcs12 through {@link DualControl}: when the policy
 * puts the action under dual control, the first officer's request is checked and held, and
 * runs only when {@link #approve} is called by a different officer before it expires.
 *
 * <p>Security guarantees: a held request is checked first (a request that could never run is
 * refused at once, not after a second officer was asked). A held PKCS#12 file and password
 * live only in this object's memory, never in logs or on disk, and are overwritten with zeros
 * once the approved import ran (successfully or not), when an approval finds the request
 * expired, or by the sweep that runs shortly after each request's expiry (and at every
 * request or approval). Nothing held survives a restart.
 */
public final class ApprovalGate {
    private static final Logger LOG = Logger.getLogger(ApprovalGate.class.getName());
    /** The action's result now ({@code pending} empty), or a request waiting for approval. */
    public record Outcome(Optional<TokenVersion> version, Optional<PendingRequest> pending,
                          Optional<X509Certificate> heldCertificate) {
        public Outcome(Optional<TokenVersion> version, Optional<PendingRequest> pending) {
            this(version, pending, Optional.empty());
        }
    }

    /**
     * What a held request acts on: the certificate of the version or of the key to import
     * (none for a version without one), and the SHA-256 officers know the key by (of that
     * certificate, else of the version's public key).
     */
    public record Concerned(Optional<X509Certificate> certificate, String fingerprint) {
        /**
         * In one line, as logs and {@code smimectl pending} show it: with no certificate, the
         * public key's SHA-256, so the approving officer can tell which key it is (a disable
         * showed only "none", found by an officer trial).
         */
        String summary() {
            return certificate.map(CertificateSummary::of)
                    .orElse("none (public key sha256 " + fingerprint + ")");
        }
    }

    /**
     * A request waiting for approval and what the approving officer should check before
     * approving it: {@code certificate} in one line for people (with what changed since the
     * request), {@code concerned} in parts for programs.
     */
    public record Waiting(PendingRequest request, String certificate, Concerned concerned) {}

    /** What is held for a request: the action to run, and what it acts on as shown. */
    private record Held(HeldAction action, String certificate, Concerned concerned) {
        Held(HeldAction action, Concerned concerned) {
            this(action, concerned.summary(), concerned);
        }
    }

    private final KeyAdministration admin;
    private final DualControl control;
    private final Clock clock;
    private final Map<String, Held> held = new HashMap<>();

    public ApprovalGate(KeyAdministration admin, DualControl control, Clock clock) {
        this.admin = admin;
        this.control = control;
        this.clock = clock;
    }

    /**
     * {@link KeyAdministration#activate}, or a pending request for it (the version unchanged,
     * still PENDING).
     */
    public synchronized Outcome activate(Caller officer, String version)
            throws UnknownKeyVersionException, KeyStateException, TokenException,
            PermissionDeniedException, ApprovalException {
        sweep();
        TokenVersion current = admin.checkActivate(version);
        Concerned concerned = concerned(current);
        // The version's own name, not the caller's spelling: "Alice@X/v1" and "alice@x/v1" are
        // one change, which may wait only once (found by a review).
        DualControl.Submission submission = control.submit(officer, AdminAction.ACTIVATE,
                current.name());
        if (submission.mayRunNow()) {
            return new Outcome(Optional.of(admin.activate(version)), Optional.empty());
        }
        return hold(submission.pending().get(), Optional.of(current),
                new Held(new HeldAction.Activate(version, concerned.fingerprint()), concerned));
    }

    /**
     * {@link KeyAdministration#disable}, or a pending request for it (the version unchanged),
     * once {@code fingerprint} is the version's: disabling is final, so it is confirmed as a
     * destroy is (an officer trial disabled an identity's only key with one mistyped word).
     */
    public synchronized Outcome disable(Caller officer, String version, String fingerprint)
            throws UnknownKeyVersionException, KeyStateException, InvalidKeyRequestException,
            TokenException, PermissionDeniedException, ApprovalException {
        sweep();
        TokenVersion current = admin.checkDisable(version);
        admin.view().requireConfirmation(current, fingerprint);
        // Read before the submission, as for destroy.
        Concerned concerned = concerned(current);
        DualControl.Submission submission = control.submit(officer, AdminAction.DISABLE,
                current.name());
        if (submission.mayRunNow()) {
            return new Outcome(Optional.of(admin.disable(version)), Optional.empty());
        }
        return hold(submission.pending().get(), Optional.of(current),
                new Held(new HeldAction.Disable(version, fingerprint), concerned));
    }

    /** What pending shows of {@code version}: its certificate and fingerprint. */
    private Concerned concerned(TokenVersion version) throws TokenException {
        return new Concerned(version.certificate(), admin.view().fingerprint(version)
                .orElse("?"));
    }

    /** {@link KeyAdministration#destroy}, or a pending request for it (the version unchanged). */
    public synchronized Outcome destroy(Caller officer, String version, String fingerprint)
            throws UnknownKeyVersionException, KeyStateException, InvalidKeyRequestException,
            TokenException, PermissionDeniedException, ApprovalException {
        sweep();
        TokenVersion current = admin.checkDestroy(version, fingerprint);
        // Before the submission: a token fault here must not leave a pending request with
        // nothing held behind it.
        Concerned concerned = concerned(current);
        DualControl.Submission submission = control.submit(officer, AdminAction.DESTROY,
                current.name());
        if (submission.mayRunNow()) {
            return new Outcome(Optional.of(admin.destroy(version, fingerprint)), Optional.empty());
        }
        return hold(submission.pending().get(), Optional.of(current),
                new Held(new HeldAction.Destroy(version, fingerprint), concerned));
    }

    /**
     * {@link KeyAdministration#importPkcs12}, or a pending request holding copies of the file
     * and password. Either way the arrays passed in are wiped before this returns.
     */
    public synchronized Outcome importPkcs12(Caller officer, String identity, byte[] file,
                                             char[] password, boolean archive)
            throws InvalidKeyRequestException, KeyStateException, TokenException,
            UnknownKeyVersionException, PermissionDeniedException, ApprovalException {
        try {
            sweep();
            X509Certificate certificate = admin.checkPkcs12(identity, file, password, archive);
            DualControl.Submission submission = control.submit(officer,
                    AdminAction.IMPORT_PKCS12, identity);
            if (submission.mayRunNow()) {
                return new Outcome(Optional.of(admin.importPkcs12(identity, file, password,
                        archive)), Optional.empty());
            }
            Concerned concerned = new Concerned(Optional.of(certificate),
                    CertificateSummary.sha256(certificate));
            Outcome held = hold(submission.pending().get(), Optional.empty(),
                    new Held(new HeldAction.Import(identity, file.clone(), password.clone(),
                            archive), concerned.summary()
                            + (archive ? "; as an archive key (decrypts only)" : ""), concerned));
            // The certificate it would bring, for the HELD record's serial and fingerprint (an
            // officer trial found them only in pending).
            return new Outcome(held.version(), held.pending(), Optional.of(certificate));
        } finally {
            Arrays.fill(file, (byte) 0);
            Arrays.fill(password, '\0');
        }
    }

    /** The request {@code requestId}, waiting or expired: what it acts on, for the audit. */
    public Optional<PendingRequest> request(String requestId) {
        return control.request(requestId);
    }

    /**
     * A second officer approves {@code requestId}: the held action runs now and its result is
     * returned. Refused (see {@link DualControl#approve}) when unknown, expired or approved by
     * the requester.
     */
    public synchronized TokenVersion approve(Caller approver, String requestId)
            throws ApprovalException, PermissionDeniedException, UnknownKeyVersionException,
            KeyStateException, InvalidKeyRequestException, TokenException {
        PendingRequest request;
        try {
            // Before any sweep: a late approval must hear "expired", not "unknown".
            request = control.approve(approver, requestId);
        } catch (ApprovalException | PermissionDeniedException e) {
            sweep();
            throw e;
        }
        Held waiting = held.remove(request.id());
        sweep();
        if (waiting == null) {
            throw new ApprovalException(ApprovalException.Kind.UNKNOWN,
                    "no pending request " + requestId + " (approved already, expired, or never"
                            + " made: smimectl pending lists those waiting)");
        }
        LOG.info("dual control: request " + request.id() + " (" + describe(request)
                + ") approved by " + approver.name() + "; running it");
        try {
            return waiting.action().run(admin);
        } finally {
            waiting.action().wipe();
        }
    }

    /** The requests waiting for approval, oldest first, with what each acts on. */
    public synchronized List<Waiting> waiting() {
        sweep();
        return control.pending().stream().filter(r -> held.containsKey(r.id()))
                .map(r -> new Waiting(r, shown(held.get(r.id())), held.get(r.id()).concerned()))
                .toList();
    }

    /**
     * What a held action acts on, as the approver should see it now: an activation whose
     * certificate was replaced since the request (import-cert is not under dual control) says
     * so. Its approval is refused either way; an officer trial's reviewer was shown the old
     * certificate while the token held another.
     */
    private String shown(Held waiting) {
        if (!(waiting.action() instanceof HeldAction.Activate activate)) {
            return waiting.certificate();
        }
        try {
            TokenVersion now = admin.checkActivate(activate.version());
            if (admin.view().fingerprint(now).map(activate.certificateSha256()::equals)
                    .orElse(false)) {
                return waiting.certificate();
            }
            return waiting.certificate() + "; CHANGED since the request, the version now has "
                    + now.certificate().map(CertificateSummary::of).orElse("none")
                    + ": approving it will be refused";
        } catch (UnknownKeyVersionException | KeyStateException e) {
            return waiting.certificate() + "; approving it will be refused: " + e.getMessage();
        } catch (TokenException e) {
            return waiting.certificate(); // cannot tell now; the approval checks again
        }
    }

    private Outcome hold(PendingRequest request, Optional<TokenVersion> current, Held action) {
        held.put(request.id(), action);
        // Where the second officer and an auditor see what waits: the audit record of the
        // held call says HELD, this line says what it is and under which id.
        LOG.info("dual control: " + describe(request) + " held as request " + request.id()
                + " until " + request.expires() + " (" + action.certificate() + "); another"
                + " officer runs it with 'smimectl approve " + request.id() + "' (see 'smimectl"
                + " pending')");
        Duration untilExpiry = Duration.between(clock.instant(), request.expires());
        // A safety net for requests nobody approves: wipe soon after expiry even if no other
        // officer call comes. The sweep itself decides by the injected clock.
        CompletableFuture.runAsync(this::sweepNow, CompletableFuture.delayedExecutor(
                Math.max(0, untilExpiry.toMillis()) + 1000, TimeUnit.MILLISECONDS));
        return new Outcome(current, Optional.of(request));
    }

    /** "destroy of x@y/v1 requested by officer-a": what a request would do, for logs. */
    public static String describe(PendingRequest request) {
        return request.action().policyName() + " of " + request.target() + " requested by "
                + request.requestedBy();
    }

    private synchronized void sweepNow() {
        sweep();
    }

    /** Wipes what is held for requests that are no longer pending (expired). */
    private void sweep() {
        Set<String> waiting = control.pending().stream().map(PendingRequest::id)
                .collect(Collectors.toSet());
        for (String id : Set.copyOf(held.keySet())) {
            if (!waiting.contains(id)) {
                // What ended unapproved is in no audit record (found by an auditor trial).
                LOG.info("dual control: request " + id + " ended unapproved (expired, or its"
                        + " requester is no longer an officer); nothing was done, and what it"
                        + " held is wiped (" + held.get(id).certificate() + ")");
                wipe(id);
            }
        }
    }

    private void wipe(String requestId) {
        Held action = held.remove(requestId);
        if (action != null) {
            action.action().wipe();
        }
    }
}
