package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.smimed.api.v1.ApproveRequest;
import org.smimed.api.v1.DestroyRequest;
import org.smimed.api.v1.DisableRequest;
import org.smimed.api.v1.Digest;
import org.smimed.api.v1.ImportPkcs12Request;
import org.smimed.api.v1.KeyVersionInfo;
import org.smimed.api.v1.SignBatchRequest;
import org.smimed.daemon.policy.AccessControl;

/** The detail an officer call's audit record carries, and what a caller cannot put there. */
class AuditNotesTest {
    private static final String ID = "5f0c9a1e2b3d4c5e6f708192";
    private static final String SHA = "3f9a".repeat(16);

    @Test
    void heldDestroy_namesTheApprovalTheKeyAndWhatWasConfirmed() {
        AuditNotes notes = new AuditNotes("r1", "smimed.v1.KeyAdminService/Destroy");
        notes.input(DestroyRequest.newBuilder().setVersion("a@b.example/v1")
                .setConfirmFingerprint(SHA.toUpperCase().replaceAll("(..)(?!$)", "$1:")).build());
        notes.output(KeyVersionInfo.newBuilder().setVersion("a@b.example/v1")
                .setPendingApprovalId(ID).setPendingExpires("2026-12-01T03:00:00Z")
                .setFingerprint(SHA).build());

        assertThat(notes.entry(Status.OK).detail()).isEqualTo("approval=" + ID
                + " expires=2026-12-01T03:00:00Z fingerprint=" + SHA + " confirmed=" + SHA);
    }

    /**
     * Found by a security review: the key store drops blanks around a version name and finds
     * the identity whatever its case, but the record kept the officer's spelling, so a search
     * on keyVersion missed the call that disabled v2.
     */
    @Test
    void versionName_isRecordedAsTheKeyStoreReadsIt() {
        AuditNotes notes = new AuditNotes("r2", "smimed.v1.KeyAdminService/Disable");
        notes.input(DestroyRequest.newBuilder().setVersion(" Victim@B.example/v2\t").build());
        AuditNotes odd = new AuditNotes("r3", "smimed.v1.KeyAdminService/Disable");
        odd.input(DestroyRequest.newBuilder().setVersion("not a version").build());

        assertThat(notes.entry(Status.OK).keyVersion()).isEqualTo("victim@b.example/v2");
        assertThat(notes.entry(Status.OK).identity()).isEqualTo("victim@b.example");
        assertThat(odd.entry(Status.NOT_FOUND).keyVersion()).isEqualTo("not a version");
    }

    /**
     * Found by an officer trial: refused imports were records alike but for their input hash.
     * The reason is form-encoded: "approval=" in it is no field of the record.
     */
    @Test
    void refusedOfficerCall_saysWhy_encoded_andOtherCallsDoNot() {
        AuditNotes refused = new AuditNotes("r9", "smimed.v1.KeyAdminService/Disable");
        refused.input(DisableRequest.newBuilder().setVersion("a@b.example/v1")
                .setConfirmFingerprint("abc").build());
        AuditNotes sign = new AuditNotes("r10", "smimed.v1.SigningService/Sign");

        assertThat(refused.entry(Status.INVALID_ARGUMENT.withDescription(
                "the confirmation fingerprint does not match a@b.example/v1 approval=" + ID))
                .detail()).isEqualTo("confirmed=malformed why=the+confirmation+fingerprint"
                        + "+does+not+match+a%40b.example%2Fv1+approval%3D" + ID);
        assertThat(refused.entry(Status.NOT_FOUND.withDescription("x".repeat(400))).detail())
                .isEqualTo("confirmed=malformed why=" + "x".repeat(300) + "...");
        assertThat(sign.entry(Status.INVALID_ARGUMENT.withDescription("digest too short"))
                .detail()).isEmpty();
    }

    @Test
    void heldArchiveImport_saysItIsAnArchiveKey() {
        AuditNotes notes = new AuditNotes("r5", "smimed.v1.KeyAdminService/ImportPkcs12");
        notes.input(ImportPkcs12Request.newBuilder().setIdentity("a@b.example")
                .setArchive(true).build());
        notes.output(KeyVersionInfo.newBuilder().setPendingApprovalId(ID).build());
        AuditNotes plain = new AuditNotes("r6", "smimed.v1.KeyAdminService/ImportPkcs12");
        plain.input(ImportPkcs12Request.newBuilder().setIdentity("a@b.example").build());

        assertThat(notes.entry(Status.OK).detail()).isEqualTo("approval=" + ID
                + " archive=true");
        assertThat(plain.entry(Status.INVALID_ARGUMENT).detail()).isEmpty();
    }

    /**
     * Found by an auditor trial: two officers whose certificates share a subject were one
     * caller in the log. The policy entry is free text, so it is form-encoded.
     */
    @Test
    void officerCall_namesThePolicyEntry_encoded() {
        AuditNotes notes = new AuditNotes("r8", "smimed.v1.KeyAdminService/Approve");
        notes.administrator(new AccessControl.AdminRole("carl the officer=x", false));
        notes.input(ApproveRequest.newBuilder().setRequestId(ID).build());

        assertThat(notes.entry(Status.OK).detail()).isEqualTo("officer=carl+the+officer%3Dx"
                + " approval=" + ID);
    }

    /** Found by an auditor trial: a batch of 64 signatures was one record, uncounted. */
    @Test
    void signBatch_countsItsDigests() {
        AuditNotes notes = new AuditNotes("r9", "smimed.v1.SigningService/SignBatch");
        SignBatchRequest.Builder batch = SignBatchRequest.newBuilder().setIdentity("a@b.example");
        for (int i = 0; i < 3; i++) {
            batch.addDigests(Digest.newBuilder().setValue(ByteString.copyFrom(new byte[32])));
        }
        notes.input(batch.build());

        assertThat(notes.entry(Status.OK).detail()).isEqualTo("digests=3");
    }

    /** Found by an auditor trial: the hash of the whole request tested password guesses. */
    @Test
    void pkcs12Import_isHashedWithoutItsPassword() throws Exception {
        ImportPkcs12Request request = ImportPkcs12Request.newBuilder().setIdentity("a@b.example")
                .setPkcs12(ByteString.copyFromUtf8("file")).setPassword("secret").build();
        AuditNotes notes = new AuditNotes("r7", "smimed.v1.KeyAdminService/ImportPkcs12");
        notes.input(request);

        assertThat(notes.entry(Status.OK).inputSha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(
                        request.toBuilder().clearPassword().build().toByteArray())));
    }

    /**
     * Found by a review: a request id or a confirmation is the caller's text, and a refused
     * call's record could carry "approval=<someone else's id>" for an auditor's query to find.
     */
    @Test
    void textACallerTypes_entersTheDetailOnlyInTheFormTheDaemonGivesOut() {
        AuditNotes approve = new AuditNotes("r2", "smimed.v1.KeyAdminService/Approve");
        approve.input(ApproveRequest.newBuilder().setRequestId("x approval=" + ID).build());
        AuditNotes destroy = new AuditNotes("r3", "smimed.v1.KeyAdminService/Destroy");
        destroy.input(DestroyRequest.newBuilder().setVersion("a@b.example/v1")
                .setConfirmFingerprint(SHA + " serial=3f").build());

        assertThat(approve.entry(Status.NOT_FOUND).detail()).isEqualTo("approval=malformed");
        assertThat(destroy.entry(Status.INVALID_ARGUMENT).detail())
                .isEqualTo("confirmed=malformed");
        assertThat(new AuditNotes("r4", "smimed.v1.SigningService/Sign").entry(Status.OK)
                .detail()).as("no detail: the record keeps its old form").isEmpty();
    }
}
