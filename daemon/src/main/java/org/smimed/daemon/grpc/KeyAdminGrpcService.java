package org.smimed.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.smimed.api.v1.ApproveRequest;
import org.smimed.api.v1.CreateCsrRequest;
import org.smimed.api.v1.CreateCsrResponse;
import org.smimed.api.v1.DestroyRequest;
import org.smimed.api.v1.DisableRequest;
import org.smimed.api.v1.GenerateKeyRequest;
import org.smimed.api.v1.ImportCertificateChainRequest;
import org.smimed.api.v1.ImportPkcs12Request;
import org.smimed.api.v1.KeyAdminServiceGrpc;
import org.smimed.api.v1.KeyVersionInfo;
import org.smimed.api.v1.KeyVersionRequest;
import org.smimed.api.v1.ListKeysRequest;
import org.smimed.api.v1.ListKeysResponse;
import org.smimed.api.v1.ListPendingApprovalsRequest;
import org.smimed.api.v1.ListPendingApprovalsResponse;
import org.smimed.api.v1.PendingApproval;
import org.smimed.api.v1.TokenInfoRequest;
import org.smimed.api.v1.TokenInfoResponse;
import org.smimed.daemon.approval.ApprovalGate;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.keys.CertificateSummary;
import org.smimed.daemon.keys.KeyAdministration;
import org.smimed.daemon.keys.TokenVersion;
import org.smimed.daemon.token.TokenDescription;

/**
 * gRPC face of key administration: validates, calls {@link KeyAdministration} (activate,
 * disable, destroy and import-pkcs12 through the dual-control {@link ApprovalGate}), maps.
 */
public final class KeyAdminGrpcService extends KeyAdminServiceGrpc.KeyAdminServiceImplBase {
    private final KeyAdministration admin;
    private final AdminMapping mapping;
    private final StatusMapper statuses;
    private final ApprovalGate gate;

    public KeyAdminGrpcService(KeyAdministration admin, ApprovalGate gate,
                               java.time.Clock clock, StatusMapper statuses) {
        this.admin = admin;
        this.gate = gate;
        this.mapping = new AdminMapping(admin, clock);
        this.statuses = statuses;
    }

    private <T> void answer(StreamObserver<T> response, Unary.Call<T> call) {
        Unary.answer(response, statuses, call);
    }

    @Override
    public void generateKey(GenerateKeyRequest request, StreamObserver<KeyVersionInfo> response) {
        answer(response, () -> info(admin.generate(required(request.getIdentity(), "identity"),
                AdminMapping.algorithm(request.getAlgorithm()),
                AdminMapping.usage(request.getUsage()))));
    }

    @Override
    public void createCsr(CreateCsrRequest request, StreamObserver<CreateCsrResponse> response) {
        answer(response, () -> {
            byte[] csr = admin.createCsr(required(request.getVersion(), "version"),
                    request.getSubject(), request.getEmail());
            String pem = "-----BEGIN CERTIFICATE REQUEST-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(csr)
                    + "\n-----END CERTIFICATE REQUEST-----\n";
            return CreateCsrResponse.newBuilder().setCsr(ByteString.copyFrom(csr))
                    .setCsrPem(pem).build();
        });
    }

    @Override
    public void importCertificateChain(ImportCertificateChainRequest request,
                                       StreamObserver<KeyVersionInfo> response) {
        answer(response, () -> info(admin.importCertificateChain(
                required(request.getVersion(), "version"), request.getChain().toByteArray())));
    }

    @Override
    public void importPkcs12(ImportPkcs12Request request,
                             StreamObserver<KeyVersionInfo> response) {
        answer(response, () -> {
            if (request.getPkcs12().isEmpty()) {
                throw new InvalidRequestException("pkcs12 is required");
            }
            return mapping.outcome(gate.importPkcs12(Callers.current(),
                    required(request.getIdentity(), "identity"),
                    request.getPkcs12().toByteArray(), request.getPassword().toCharArray(),
                    request.getArchive()),
                    request.getIdentity());
        });
    }

    @Override
    public void activate(KeyVersionRequest request, StreamObserver<KeyVersionInfo> response) {
        answer(response, () -> mapping.outcome(gate.activate(Callers.current(),
                required(request.getVersion(), "version")), ""));
    }

    @Override
    public void disable(DisableRequest request, StreamObserver<KeyVersionInfo> response) {
        answer(response, () -> mapping.outcome(gate.disable(Callers.current(),
                required(request.getVersion(), "version"),
                required(request.getConfirmFingerprint(), "confirm_fingerprint")), ""));
    }

    @Override
    public void destroy(DestroyRequest request, StreamObserver<KeyVersionInfo> response) {
        answer(response, () -> mapping.outcome(gate.destroy(Callers.current(),
                required(request.getVersion(), "version"),
                required(request.getConfirmFingerprint(), "confirm_fingerprint")), ""));
    }

    @Override
    public void approve(ApproveRequest request, StreamObserver<KeyVersionInfo> response) {
        answer(response, () -> {
            String id = required(request.getRequestId(), "request_id");
            // The audit record names what is approved even when the approval is refused.
            gate.request(id).ifPresent(p -> AuditNotes.CURRENT.get().subject(p.target()));
            return info(gate.approve(Callers.current(), id));
        });
    }

    @Override
    public void listPendingApprovals(ListPendingApprovalsRequest request,
                                     StreamObserver<ListPendingApprovalsResponse> response) {
        answer(response, () -> {
            ListPendingApprovalsResponse.Builder list = ListPendingApprovalsResponse.newBuilder();
            for (ApprovalGate.Waiting w : gate.waiting()) {
                PendingApproval.Builder pending = PendingApproval.newBuilder()
                        .setRequestId(w.request().id())
                        .setAction(w.request().action().policyName())
                        .setTarget(w.request().target())
                        .setRequestedBy(w.request().requestedBy())
                        .setExpires(w.request().expires().toString())
                        .setCertificate(w.certificate())
                        .setFingerprint(w.concerned().fingerprint());
                w.concerned().certificate().ifPresent(c -> pending
                        .setCertificateSubject(c.getSubjectX500Principal().getName())
                        .setCertificateIssuer(c.getIssuerX500Principal().getName())
                        .setCertificateSerial(CertificateSummary.serial(c.getSerialNumber())));
                list.addRequests(pending);
            }
            return list.build();
        });
    }

    @Override
    public void listKeys(ListKeysRequest request, StreamObserver<ListKeysResponse> response) {
        answer(response, () -> {
            ListKeysResponse.Builder list = ListKeysResponse.newBuilder();
            for (TokenVersion v : admin.list()) {
                list.addVersions(mapping.info(v));
            }
            return list.build();
        });
    }

    @Override
    public void tokenInfo(TokenInfoRequest request, StreamObserver<TokenInfoResponse> response) {
        answer(response, () -> {
            TokenDescription d = admin.tokenInfo();
            return TokenInfoResponse.newBuilder().setLabel(d.label())
                    .setManufacturer(d.manufacturer()).setModel(d.model()).setSerial(d.serial())
                    .setLibrary(d.library()).setFreePublicMemory(d.freePublicMemory())
                    .setTotalPublicMemory(d.totalPublicMemory())
                    .setFreePrivateMemory(d.freePrivateMemory())
                    .setTotalPrivateMemory(d.totalPrivateMemory())
                    .addAllMechanisms(d.mechanisms())
                    .addAllProblems(admin.registry().problems()).build();
        });
    }

    private KeyVersionInfo info(TokenVersion v) throws Exception {
        return mapping.info(v);
    }

    private static String required(String value, String field) throws InvalidRequestException {
        if (value.isBlank()) {
            throw new InvalidRequestException(field + " is required");
        }
        return value;
    }
}
