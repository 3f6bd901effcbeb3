package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.approval.ApprovalGate;
import org.smimed.daemon.keys.CertificateSummary;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.LogCapture;
import org.smimed.daemon.testing.MutableClock;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.Smimectl.Run;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestClients;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.testing.TokenPicture;

/**
 * Dual control over real mutual TLS with two officer certificates and the real smimectl: one
 * officer alone cannot activate, disable or destroy a key or import a PKCS#12 file; a second
 * officer's approval runs the action; the requester's own approval, a late approval and an
 * unknown id are refused; each call leaves its audit record. The daemon's clock is moved by
 * hand.
 */
class DualControlIT {
    private static final String ID = "dual@smimed.example";
    private static final Pattern PENDING = Pattern.compile(
            "pending approval ([0-9a-f]{24}) \\(expires (\\S+)\\)\n");

    @TempDir
    static Path dir;
    private static MutableClock clock;
    private static SoftHsm.Token token;
    private static Daemon daemon;
    private static TestClients.Client officerA;
    private static TestClients.Client officerB;

    @BeforeAll
    static void start() throws Exception {
        clock = new MutableClock(Instant.now());
        token = SoftHsm.createToken("dual");
        TestDeployment.provision(dir, token);
        TestClients clients = TestClients.load(dir.resolve("pki"), null).at(clock);
        officerA = clients.issue("officer-a", null, Duration.ofDays(2));
        officerB = clients.issue("officer-b", null, Duration.ofDays(2));
        Files.writeString(dir.resolve("policy.yaml"), TestDeployment.dualControlPolicy(
                officerA, officerB).replace("[destroy, importPkcs12]",
                "[activate, disable, destroy, importPkcs12]"));
        Path config = TestDeployment.writeConfig(dir, token);
        TestDeployment.addConfig(config, "admin: {listen: {address: 127.0.0.1, port: 0}}");
        daemon = Daemon.start(new ConfigLoader().load(config), System::getenv, clock);
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    @Test
    void destroy_needsASecondOfficer_withinTheTimeLimit() throws Exception {
        ok(officerA, "generate", ID, "--alg", "p256", "--usage", "both");
        disabled(ID + "/v1");
        int keysBefore = privateKeysOnToken();
        String key = fingerprint("v1");

        Matcher pending = pending(ok(officerA, "destroy", ID + "/v1", "--confirm", key));
        String request = pending.group(1);
        assertThat(Instant.parse(pending.group(2))).isEqualTo(
                clock.instant().plus(Duration.ofMinutes(15)));
        assertThat(state("v1")).as("nothing changed yet").isEqualTo("DISABLED");
        assertThat(privateKeysOnToken()).as("the key is still in the token")
                .isEqualTo(keysBefore);
        // The second officer sees what they would approve (a trial could only type the id).
        assertThat(ok(officerB, "pending")).isEqualTo(request + "  destroy " + ID
                + "/v1  requested by officer-a  expires " + pending.group(2)
                + "\n    certificate none (public key sha256 " + key + ")\n");

        Run own = ctl(officerA, "approve", request);
        assertThat(own.exit()).isEqualTo(1);
        assertThat(own.daemonError()).isEqualTo("smimectl: a request must be approved by a"
                + " different officer (PERMISSION_DENIED)\n");
        assertThat(privateKeysOnToken()).isEqualTo(keysBefore);

        assertThat(ok(officerB, "approve", request))
                .isEqualTo(ID + "/v1  DESTROYED  p256  both\n");
        assertThat(privateKeysOnToken()).isEqualTo(keysBefore - 1);
        Run again = ctl(officerB, "approve", request);
        assertThat(again.daemonError()).isEqualTo("smimectl: no pending request " + request
                + " (approved already, expired, or never made: smimectl pending lists those"
                + " waiting) (NOT_FOUND)\n");

        List<Map<String, String>> audit = auditOf(ID + "/v1");
        assertThat(audit).extracting(r -> r.get("method") + " " + r.get("caller") + " "
                + r.get("outcome") + " " + r.get("status")).containsSubsequence(
                "smimed.v1.KeyAdminService/Destroy " + officerA.subject() + " HELD OK",
                "smimed.v1.KeyAdminService/Approve " + officerA.subject()
                        + " DENIED PERMISSION_DENIED",
                "smimed.v1.KeyAdminService/Approve " + officerB.subject() + " OK OK");
        assertThat(audit).allSatisfy(r -> assertThat(r.get("identity")).isEqualTo(ID));
        // The held request and its approval carry one id, and the held record says which key
        // the officer confirmed (an officer trial could tie them only by time).
        assertThat(audit).filteredOn(r -> "HELD".equals(r.get("outcome"))
                && r.get("method").endsWith("/Destroy")).extracting(r -> r.get("detail"))
                .containsExactly("officer=officer-a approval=" + request + " expires="
                        + pending.group(2) + " fingerprint=" + key + " confirmed=" + key);
        // Each record names the officer's policy entry: certificates may share a subject.
        assertThat(audit).filteredOn(r -> !"STARTED".equals(r.get("outcome"))
                        && String.valueOf(r.get("detail")).contains(" approval=" + request)
                        && r.get("method").endsWith("/Approve"))
                .extracting(r -> r.get("method") + " " + r.get("caller") + " "
                        + r.get("outcome") + " " + r.get("detail")).containsExactly(
                        "smimed.v1.KeyAdminService/Approve " + officerA.subject() + " DENIED"
                                + " officer=officer-a approval=" + request + " why=a+request"
                                + "+must+be+approved+by+a+different+officer",
                        "smimed.v1.KeyAdminService/Approve " + officerB.subject() + " OK"
                                + " officer=officer-b approval=" + request);
        assertThat(AuditRecords.read(dir.resolve("audit.log"))).filteredOn(r -> "STARTED"
                .equals(r.get("outcome")) && r.get("method").endsWith("/Approve"))
                .extracting(r -> r.get("detail"))
                .contains("officer=officer-b approval=" + request);
    }

    @Test
    void approval_afterTheTimeLimit_failsPrecondition_andTheKeyStays() throws Exception {
        String id = "late@smimed.example";
        ok(officerA, "generate", id, "--alg", "p256", "--usage", "sign");
        disabled(id + "/v1");
        Matcher pending = pending(ok(officerA, "destroy", id + "/v1", "--confirm",
                field(id + "/v1", "fingerprint")));

        clock.advance(Duration.ofMinutes(15));
        Run late;
        try (LogCapture log = LogCapture.of(ApprovalGate.class)) {
            late = ctl(officerB, "approve", pending.group(1));
            // Nothing in the audit log says it ended; the daemon's log does, and what it held.
            assertThat(log.messages()).anySatisfy(m -> assertThat(m).startsWith(
                    "dual control: request " + pending.group(1) + " ended unapproved").contains(
                    "nothing was done", "sha256 " + field(id + "/v1", "fingerprint")));
        }

        assertThat(late.exit()).isEqualTo(1);
        assertThat(late.daemonError()).isEqualTo("smimectl: request " + pending.group(1)
                + " expired at " + pending.group(2) + " (FAILED_PRECONDITION)\n");
        assertThat(field(id + "/v1", "state")).isEqualTo("DISABLED");
        // Asked again, still "expired" (an officer trial heard NOT_FOUND, as if never made).
        assertThat(ctl(officerB, "approve", pending.group(1)).daemonError())
                .isEqualTo(late.daemonError());
    }

    @Test
    void importPkcs12_waitsForASecondOfficer() throws Exception {
        String id = "migrated@smimed.example";

        Matcher pending = heldImport(id);
        assertThat(ok(officerA, "list")).doesNotContain(id);
        String json = ok(officerB, "pending", "--json");
        assertThat(json).contains(
                "\"requestId\": \"" + pending.group(1) + "\"", "\"action\": \"importPkcs12\"",
                "\"target\": \"" + id + "\"", "\"requestedBy\": \"officer-a\"",
                "\"certificate\": \"'", "', serial ", ", sha256 ");

        assertThat(ok(officerB, "approve", pending.group(1)))
                .isEqualTo(id + "/v1  PENDING  p256  both\n");
        assertThat(json).contains("\"subject\": \"" + field(id + "/v1", "subject") + "\"",
                "\"issuer\": \"O=smimed demo,CN=officer test CA\"",
                "\"serial\": \"" + field(id + "/v1", "serial") + "\"",
                "\"fingerprint\": \"" + field(id + "/v1", "fingerprint") + "\"");
        assertThat(ok(officerA, "list", id)).as("a migrated key existed outside the token")
                .contains("key: cannot leave the token (sensitive, not extractable; imported:"
                        + " it existed outside), usages fixed");
        assertThat(field(id + "/v1", "state")).isEqualTo("PENDING");
        // The HELD record names the certificate the import brings, as the Approve record does
        // (an officer trial found it only in pending).
        String approved = auditOf(id + "/v1").stream().filter(r -> r.get("method")
                .endsWith("/Approve")).map(r -> r.get("detail")).findFirst().orElseThrow();
        String certificate = approved.substring(approved.indexOf("serial="));
        assertThat(AuditRecords.read(dir.resolve("audit.log"))).filteredOn(r -> r.get("method")
                .endsWith("/ImportPkcs12") && "HELD".equals(r.get("outcome"))
                && id.equals(r.get("identity"))).extracting(r -> r.get("detail"))
                .singleElement().asString().endsWith(certificate);
    }

    /** smimectl's --archive reaches the daemon: the approved import is DECRYPT_ONLY. */
    @Test
    void importPkcs12AsArchive_saysSoWhileWaiting_andLandsDecryptOnly() throws Exception {
        String id = "archived@smimed.example";

        Matcher pending = heldImport(id, "--archive");
        assertThat(ok(officerB, "pending")).contains(pending.group(1) + "  importPkcs12 " + id,
                "; as an archive key (decrypts only)\n");

        assertThat(ok(officerB, "approve", pending.group(1)))
                .isEqualTo(id + "/v1  DECRYPT_ONLY  p256  encrypt\n");
    }

    @Test
    void activate_needsASecondOfficer_andRunsWhenApproved() throws Exception {
        String id = "certified@smimed.example";
        ok(officerA, "generate", id, "--alg", "p256", "--usage", "sign");
        X509Certificate cert = certify(id, Duration.ofDays(90));

        Matcher pending = pending(ok(officerA, "activate", id + "/v1"));
        assertThat(field(id + "/v1", "state")).as("not in service yet").isEqualTo("PENDING");
        assertThat(ok(officerB, "pending")).contains(pending.group(1) + "  activate " + id
                + "/v1  requested by officer-a",
                "serial " + CertificateSummary.serial(cert.getSerialNumber()));

        assertThat(ok(officerB, "approve", pending.group(1)))
                .isEqualTo(id + "/v1  ACTIVE  p256  sign\n");
        assertThat(auditOf(id + "/v1")).extracting(r -> r.get("method") + " "
                + r.get("outcome")).containsSubsequence(
                "smimed.v1.KeyAdminService/Activate HELD",
                "smimed.v1.KeyAdminService/Approve OK");
        // Which certificate went into service: its serial and SHA-256 in the records.
        String certificate = "serial=" + CertificateSummary.serial(cert.getSerialNumber())
                + " fingerprint=" + CertificateSummary.sha256(cert);
        assertThat(auditOf(id + "/v1")).filteredOn(r -> r.get("method")
                .endsWith("/ImportCertificateChain") && "OK".equals(r.get("outcome")))
                .extracting(r -> r.get("detail")).containsExactly("officer=officer-a "
                        + certificate);
        assertThat(auditOf(id + "/v1")).filteredOn(r -> r.get("method").endsWith("/Approve"))
                .extracting(r -> r.get("detail")).containsExactly("officer=officer-b approval="
                        + pending.group(1) + " " + certificate);
    }

    /** Found by an officer trial: an expired certificate was listed as "(0 days)". */
    @Test
    void list_marksAnExpiredCertificate() throws Exception {
        String id = "brief@smimed.example";
        ok(officerA, "generate", id, "--alg", "p256", "--usage", "sign");
        certify(id, Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(2));

        assertThat(ok(officerA, "list", id)).contains(" (EXPIRED)");
        assertThat(field(id + "/v1", "state")).isEqualTo("PENDING");
        assertThat(as(officerA).ok("list", id, "--json")).contains("\"daysLeft\": -1");
    }

    /** Disables {@code version} as dual control over disable wants: asked, then approved. */
    private static void disabled(String version) throws Exception {
        ok(officerB, "approve", pending(ok(officerA, "disable", version, "--confirm",
                field(version, "fingerprint"))).group(1));
    }

    /**
     * Found by an officer trial: one officer alone could disable an archive key for good (a
     * DISABLED version can only be destroyed).
     */
    @Test
    void disable_needsASecondOfficer_andRunsWhenApproved() throws Exception {
        String id = "archive@smimed.example";
        ok(officerA, "generate", id, "--alg", "p256", "--usage", "sign");

        String fingerprint = field(id + "/v1", "fingerprint");
        Matcher pending = pending(ok(officerA, "disable", id + "/v1", "--confirm", fingerprint));
        assertThat(field(id + "/v1", "state")).as("not disabled yet").isEqualTo("PENDING");
        assertThat(ok(officerB, "pending")).contains(pending.group(1) + "  disable " + id
                + "/v1  requested by officer-a")
                // Which key, without a certificate (an officer trial was shown "none").
                .contains("certificate none (public key sha256 " + fingerprint + ")");
        assertThat(ok(officerB, "pending", "--json")).contains("\"subject\": \"\"",
                "\"serial\": \"\"", "\"fingerprint\": \"" + fingerprint + "\"");

        assertThat(ok(officerB, "approve", pending.group(1)))
                .isEqualTo(id + "/v1  DISABLED  p256  sign\n");
        assertThat(auditOf(id + "/v1")).extracting(r -> r.get("method") + " "
                + r.get("outcome")).containsSubsequence(
                "smimed.v1.KeyAdminService/Disable HELD",
                "smimed.v1.KeyAdminService/Approve OK");
    }

    /** Found by a review: the approver approves a certificate, not whatever is there later. */
    @Test
    void activate_whoseCertificateIsReplacedWhileHeld_isRefusedAtApproval() throws Exception {
        String id = "swapped@smimed.example";
        ok(officerA, "generate", id, "--alg", "p256", "--usage", "sign");
        certify(id, Duration.ofDays(90));
        Matcher pending = pending(ok(officerA, "activate", id + "/v1"));
        certify(id, Duration.ofDays(30));

        // The reviewer is shown the change before approving (an officer trial was shown the
        // certificate of the request time).
        assertThat(ok(officerB, "pending")).contains("; CHANGED since the request, the version"
                + " now has ").contains(": approving it will be refused");
        Run approval = ctl(officerB, "approve", pending.group(1));

        assertThat(approval.exit()).isEqualTo(1);
        assertThat(approval.daemonError()).startsWith("smimectl: " + id + "/v1: its"
                + " certificate changed since activation was requested").endsWith(
                "request the activation again (FAILED_PRECONDITION)\n");
        assertThat(field(id + "/v1", "state")).isEqualTo("PENDING");
    }

    @Test
    void activate_withoutACertificate_isRefusedBeforeAnyApproval() throws Exception {
        String id = "uncertified@smimed.example";
        ok(officerA, "generate", id, "--alg", "p256", "--usage", "sign");

        Run r = ctl(officerA, "activate", id + "/v1");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.daemonError()).startsWith("smimectl: " + id + "/v1 is PENDING without a"
                + " certificate").endsWith("(FAILED_PRECONDITION)\n");
        assertThat(ok(officerB, "pending")).doesNotContain(id);
    }

    @Test
    void importPkcs12_withAWrongPassword_isRefusedBeforeAnyApproval() throws Exception {
        Path p12 = pkcs12("wrong@smimed.example", "right-pass");
        Path passwordFile = Smimectl.passwordFile(dir.resolve("wrong.pw"), "wrong-pass");

        Run r = ctl(officerA, "import-pkcs12", "wrong@smimed.example", p12.toString(),
                "--password-file", passwordFile.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.daemonError()).isEqualTo("smimectl: cannot open the PKCS#12 file: wrong"
                + " password or not a PKCS#12 file (INVALID_ARGUMENT)\n");
    }

    /** Has {@code id}/v1's key certified for signing by a test CA; officer A imports it. */
    private static X509Certificate certify(String id, Duration validity) throws Exception {
        Path csr = Files.writeString(dir.resolve(id + ".csr"), ok(officerA, "csr", id + "/v1",
                "--subject", "CN=" + id + ",O=smimed test", "--out", "-"));
        OfficerCa ca = OfficerCa.create(clock);
        X509Certificate cert = ca.issue(csr, id, true, false, validity);
        ok(officerA, "import-cert", id + "/v1",
                ca.writeChain(dir.resolve(id + ".pem"), cert).toString());
        return cert;
    }

    private static Path pkcs12(String email, String password) throws Exception {
        return OfficerCa.create(clock).writePkcs12(dir.resolve(email + ".p12"), email, password);
    }

    /** Officer A's import-pkcs12 of a new PKCS#12 file for {@code id}, held for approval. */
    private static Matcher heldImport(String id, String... options) throws Exception {
        String password = "p12-pass-" + Integer.toHexString(id.hashCode());
        Path p12 = pkcs12(id, password);
        Path passwordFile = Smimectl.passwordFile(dir.resolve(id + ".pw"), password);
        return pending(ok(officerA, Stream.concat(Stream.of("import-pkcs12", id,
                p12.toString(), "--password-file", passwordFile.toString()), Stream.of(options))
                .toArray(String[]::new)));
    }

    private static Matcher pending(String out) {
        Matcher m = PENDING.matcher(out);
        assertThat(m.matches()).as(out).isTrue();
        return m;
    }

    private static int privateKeysOnToken() throws Exception {
        return (int) TokenPicture.read(token).count(TokenPicture.PRIVATE_KEY);
    }

    private static List<Map<String, String>> auditOf(String keyVersion) throws Exception {
        return AuditRecords.read(dir.resolve("audit.log")).stream()
                .filter(r -> keyVersion.equals(r.get("keyVersion"))).toList();
    }

    private static String state(String version) {
        return field(ID + "/" + version, "state");
    }

    private static String fingerprint(String version) {
        return field(ID + "/" + version, "fingerprint");
    }

    private static String field(String version, String name) {
        return as(officerA).field(version, name);
    }

    private static String ok(TestClients.Client officer, String... args) {
        return as(officer).ok(args);
    }

    private static Run ctl(TestClients.Client officer, String... args) {
        return as(officer).run(args);
    }

    /** smimectl as {@code officer}, at the admin listener. */
    private static Smimectl as(TestClients.Client officer) {
        return Smimectl.as(officer, dir, "localhost:" + daemon.adminPort());
    }
}
