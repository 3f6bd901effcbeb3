package org.smimed.daemon;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.smimed.daemon.audit.AuditAnchors;
import org.smimed.daemon.audit.AuditEntry;
import org.smimed.daemon.audit.AuditEvent;
import org.smimed.daemon.audit.AuditException;
import org.smimed.daemon.audit.AuditLog;
import org.smimed.daemon.audit.AuditOutcome;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.config.PemFiles;
import org.smimed.daemon.grpc.CallSecurity;
import org.smimed.daemon.grpc.StatusMapper;
import org.smimed.daemon.grpc.UnverifiedCallRecords;
import org.smimed.daemon.keys.CertificateIdentity;
import org.smimed.daemon.keys.CertificateSummary;
import org.smimed.daemon.keys.Repair;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.ClientCertificateVerifier;
import org.smimed.daemon.policy.ClientRevocations;
import org.smimed.daemon.policy.DecryptBudget;
import org.smimed.daemon.policy.PolicyException;
import org.smimed.daemon.policy.CallerRule;
import org.smimed.daemon.policy.Policy;
import org.smimed.daemon.policy.PolicyStore;
import org.smimed.daemon.policy.PolicyWatcher;

/**
 * Composition of who-may-do-what for {@link Daemon}: the policy (watched for changes), the
 * audit log, the client-certificate verifier and the call chain built from them. One instance
 * serves every listener, so limits and the audit chain are shared.
 */
final class Access implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Access.class.getName());

    private final DaemonConfig config;
    private final PolicyStore policies;
    private final PolicyWatcher watcher;
    private final AuditLog audit;
    private final AuditAnchors anchors;
    private final AccessControl control;
    private final Optional<ClientCertificateVerifier> verifier;
    /** One for all listeners: the bound is on what all of them write to the one log. */
    private final UnverifiedCallRecords unverified;

    private Access(DaemonConfig config, PolicyStore policies, PolicyWatcher watcher,
                   AuditLog audit, AccessControl control,
                   Optional<ClientCertificateVerifier> verifier, UnverifiedCallRecords unverified) {
        this.config = config;
        this.policies = policies;
        this.watcher = watcher;
        this.audit = audit;
        this.anchors = AuditAnchors.every(Duration.ofMinutes(
                config.access().auditAnchorMinutes()), audit, line -> LOG.log(Level.INFO, line));
        this.control = control;
        this.verifier = verifier;
        this.unverified = unverified;
    }

    static Access open(DaemonConfig config, Clock clock, Consumer<Duration> auditWrites)
            throws PolicyException, AuditException, IOException {
        PolicyStore policies = PolicyStore.load(config.access().policyFile());
        Optional<ClientCertificateVerifier> verifier = Optional.empty();
        var cas = config.tls().flatMap(DaemonConfig.Tls::clientCaCertificates);
        if (cas.isPresent()) {
            List<X509Certificate> clientCas = PemFiles.caCertificates(
                    "tls.clientCaCertificates", cas.get());
            Optional<Path> crls = config.tls().flatMap(DaemonConfig.Tls::clientCrls);
            ClientRevocations revocations = crls.isEmpty() ? ClientRevocations.none(clock)
                    : ClientRevocations.read(crls.get(), clientCas, clock,
                            config.operations().tlsCheck());
            verifier = Optional.of(new ClientCertificateVerifier(clientCas, revocations, clock));
            verifier.get().unusableAnchors().forEach(line -> LOG.log(Level.WARNING, line));
        }
        AuditLog audit = AuditLog.open(config.access().auditFile(), clock,
                config.access().auditRotateBytes(), auditWrites);
        PolicyWatcher watcher;
        try {
            watcher = PolicyWatcher.start(policies);
        } catch (IOException | RuntimeException e) {
            // The start fails: nothing may keep the audit file open (found by a review).
            try {
                audit.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        policies.recordReloads(reload -> audit.append(policyRecord(reload), true));
        return new Access(config, policies, watcher, audit,
                new AccessControl(policies, new DecryptBudget(clock)), verifier,
                new UnverifiedCallRecords(clock));
    }

    PolicyStore policies() {
        return policies;
    }

    AccessControl control() {
        return control;
    }

    /** The call chain for a listener; every listener must use one. */
    CallSecurity security(StatusMapper statuses) {
        return new CallSecurity(audit, unverified, verifier,
                config.access().anonymousCallers(), control, statuses);
    }

    /**
     * One record per start-up repair, so the audit log shows what the daemon itself changed on
     * the token (found by an officer trial: a cut-off destroy was finished unrecorded). The
     * repair's text is in the daemon log; the record holds its SHA-256 and the version named.
     */
    void recordRepairs(List<Repair> repairs) throws AuditException {
        for (Repair repair : repairs) {
            audit.append(new AuditEntry("startup", "smimed", AuditEvent.STARTUP_REPAIR,
                    "smimed/StartupRepair", CertificateIdentity.normalise(repair.identity()),
                    repair.version(), CertificateSummary.sha256(
                            repair.toString().getBytes(StandardCharsets.UTF_8)),
                    AuditOutcome.OK, "OK"), true);
        }
    }


    /**
     * The record of a policy reload: who the policy now makes officers and auditors (names
     * form-encoded, as officer= is elsewhere), or how many problems refused it.
     */
    private static AuditEntry policyRecord(PolicyStore.Reload reload) {
        String detail = reload.policy().map(p -> "entries=" + p.rules().size()
                + " officers=" + names(p, CallerRule::officer)
                + " auditors=" + names(p, CallerRule::auditor)
                + " " + p.dualControl().summary())
                .orElse("problems=" + reload.problems().size());
        return new AuditEntry("policy", "smimed", AuditEvent.POLICY_RELOAD,
                "smimed/PolicyReload", "", "", CertificateSummary.sha256(
                        reload.text().getBytes(StandardCharsets.UTF_8)),
                reload.policy().isPresent() ? AuditOutcome.OK : AuditOutcome.FAILED,
                reload.policy().isPresent() ? "OK" : "INVALID_ARGUMENT", detail);
    }

    private static String names(Policy policy, java.util.function.Predicate<CallerRule> role) {
        return policy.rules().stream().filter(role)
                .map(r -> java.net.URLEncoder.encode(r.name(), StandardCharsets.UTF_8))
                .collect(java.util.stream.Collectors.joining(","));
    }

    /**
     * Refuses (as an officer call is refused) when the audit log could not take a record:
     * start-up repairs change the token and must be recorded.
     */
    void checkAuditWritable() throws AuditException {
        audit.checkWritable();
    }

    /** Whether the audit log still takes records (false once a write failed). */
    boolean auditWritable() {
        return audit.healthy();
    }

    /** Completes when the audit log stops taking records (see AuditLog#unhealthy). */
    CompletionStage<Void> auditUnhealthy() {
        return audit.unhealthy();
    }

    /** Why the audit log began a new chain at start, if it did (see AuditLog#newChain). */
    Optional<String> auditNewChain() {
        return audit.newChain();
    }

    /** "SEQ:HASH" of the audit log's last record: an anchor to keep outside the file. */
    String auditHead() {
        return audit.head();
    }

    /**
     * The start record: the daemon's start and stop are records too, so an auditor sees from
     * the log itself when calls could be made and which stretches of time it does not cover
     * (Common Criteria's FAU_GEN.1 asks for them). One that cannot be written leaves the log
     * failed, and the daemon refusing every call as after any failed record, rather than not
     * starting: the metric and health say why, and no call goes unrecorded either way.
     */
    void recordStart(int identities) {
        try {
            audit.append(lifecycle(AuditEvent.DAEMON_START, "smimed/Start", "startup",
                    "identities=" + identities), true);
        } catch (AuditException e) {
            LOG.log(Level.ERROR, "the daemon's start could not be recorded: " + e.getMessage()
                    + "; every call is refused until the audit log is put right and the"
                    + " daemon restarted");
        }
    }

    @Override
    public void close() {
        close(false);
    }

    /**
     * Stops the policy watcher, writes the stop record (the last: after the last call's and
     * any policy reload's) and closes the log.
     *
     * @param tokenLost whether the daemon stops because its token could not be healed
     */
    void close(boolean tokenLost) {
        // Anchors stop first, so that none is logged after the head at shutdown (a review
        // found the order reversed).
        anchors.close();
        closeWatcher();
        try {
            audit.append(lifecycle(AuditEvent.DAEMON_STOP, "smimed/Stop", "shutdown",
                    "reason=" + (tokenLost ? "token-lost" : "shutdown")), true);
        } catch (AuditException e) {
            LOG.log(Level.ERROR, "the daemon's stop could not be recorded: " + e.getMessage());
        }
        // The head is an anchor against truncation: keep it outside the audit file.
        LOG.log(Level.INFO, "audit log head at shutdown: " + audit.head());
        closeQuietly();
    }

    private static AuditEntry lifecycle(AuditEvent event, String method, String requestId,
                                        String detail) {
        return new AuditEntry(requestId, "smimed", event, method, "", "",
                CertificateSummary.sha256(new byte[0]), AuditOutcome.OK, "OK", detail);
    }

    /** Closes without a word, for a start-up that failed. */
    void closeQuietly() {
        anchors.close();
        closeWatcher();
        try {
            audit.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "audit log did not close cleanly", e);
        }
    }

    private void closeWatcher() {
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "policy watcher did not close cleanly", e);
        }
    }
}
