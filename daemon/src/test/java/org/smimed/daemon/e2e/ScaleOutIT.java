package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.Channels;
import org.smimed.client.HashAlgorithm;
import org.smimed.client.SignResult;
import org.smimed.client.SigningRequest;
import org.smimed.client.SmimeClient;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.FilePki;
import org.smimed.daemon.testing.ImportedToken;
import org.smimed.daemon.testing.SoftHsm;

/**
 * Scale-out through gRPC itself: three daemons, each with its own SoftHSM2 token holding the
 * same imported identity (standing in for an HSM cluster), behind one client-stub channel. One
 * daemon is killed (SIGKILL), or frozen (SIGSTOP), during a signing loop; the client sees no
 * failed call.
 */
class ScaleOutIT {
    private static final String IDENTITY = "cluster@smimed.example";
    private static final int CALLS = 2400;

    @TempDir
    static Path dir;
    private static final List<DaemonProcess> daemons = new ArrayList<>();
    private static FilePki pki;

    @BeforeAll
    static void startThreeDaemons() throws Exception {
        pki = FilePki.create(dir, "cluster", IDENTITY);
        for (int i = 0; i < 3; i++) {
            Path node = Files.createDirectories(dir.resolve("node" + i));
            Path conf = ImportedToken.create(node, pki, "c1a55e7e", IDENTITY + "/v1").softHsmConf();
            Path config = Files.writeString(node.resolve("smimed.yaml"), """
                    listen: {address: 127.0.0.1, port: 0}
                    tls: {certificateChain: %s, privateKey: %s, clientCaCertificates: %s}
                    token: {library: %s, label: node, pin: {file: user.pin}}
                    policy: {file: %s}
                    audit: {file: audit.log}
                    """.formatted(pki.serverCert(), pki.serverKey(), pki.ca(), SoftHsm.LIBRARY,
                    pki.policy()));
            daemons.add(DaemonProcess.start(config, conf));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (DaemonProcess d : daemons) {
            d.close();
        }
    }

    @Test
    void killingOneDaemonDuringASigningLoop_losesNoCall() throws Exception {
        String targets = "localhost:" + daemons.get(0).port() + ",localhost:"
                + daemons.get(1).port() + ",localhost:" + daemons.get(2).port();
        Map<Integer, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        ManagedChannel channel = Channels.tls(targets, pki.ca(), pki.clientCert(),
                pki.clientKey());
        try {
            SmimeClient client = new SmimeClient(ClientInterceptors.intercept(channel,
                    new RecordServer(servedBy)), Duration.ofSeconds(20));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(new byte[] {42});
            List<String> failed = new ArrayList<>();
            for (int call = 0; call < CALLS; call++) {
                if (call == CALLS / 4) {
                    assertThat(servedBy.keySet()).as("balanced before the kill").hasSize(3);
                    daemons.get(0).kill();
                    servedBy.clear();
                }
                try {
                    checkSignature(client.sign(SigningRequest.ofDigest(IDENTITY,
                            HashAlgorithm.SHA256, digest)), call);
                } catch (Exception | AssertionError e) {
                    failed.add("call " + call + ": " + e);
                }
            }
            assertThat(failed).as("failed calls").isEmpty();
            assertThat(servedBy.keySet()).as("served after the kill").containsExactlyInAnyOrder(
                    daemons.get(1).port(), daemons.get(2).port());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * A replica that froze keeps its connection open and answers nothing: without keepalive
     * every call sent to it waited out its deadline and failed (found by an operator trial).
     * The stub's keepalive drops that connection and retries the call on another replica.
     */
    @Test
    void aFrozenDaemon_isLeft_andItsCallsAreServedByAnother() throws Exception {
        DaemonProcess frozen = daemons.get(2);
        String targets = "localhost:" + daemons.get(1).port() + ",localhost:" + frozen.port();
        Map<Integer, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        ManagedChannel channel = Channels.tls(targets, pki.ca(), pki.clientCert(),
                pki.clientKey());
        try {
            SmimeClient client = new SmimeClient(ClientInterceptors.intercept(channel,
                    new RecordServer(servedBy)), Duration.ofSeconds(25));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(new byte[] {42});
            for (int call = 0; call < 20; call++) {
                checkSignature(client.sign(SigningRequest.ofDigest(IDENTITY,
                        HashAlgorithm.SHA256, digest)), call);
            }
            assertThat(servedBy.keySet()).as("balanced before the freeze").hasSize(2);
            List<String> failed = new ArrayList<>();
            frozen.freeze();
            try {
                // Round-robin sends the first or second call to the frozen replica; without
                // keepalive it fails after its whole deadline, so the loop stops there.
                for (int call = 0; call < 10 && failed.isEmpty(); call++) {
                    try {
                        checkSignature(client.sign(SigningRequest.ofDigest(IDENTITY,
                                HashAlgorithm.SHA256, digest)), call);
                    } catch (Exception | AssertionError e) {
                        failed.add("call " + call + ": " + e);
                    }
                }
            } finally {
                frozen.thaw();
            }
            assertThat(failed).as("failed calls while a replica was frozen").isEmpty();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Counts which daemon (by port) answered each call. */
    private record RecordServer(Map<Integer, AtomicInteger> servedBy) implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
                                                     CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(
                    next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    ClientCall<Q, R> call = this;
                    super.start(new ForwardingClientCallListener
                            .SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onHeaders(Metadata h) {
                            if (call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)
                                    instanceof InetSocketAddress a) {
                                servedBy.computeIfAbsent(a.getPort(), p -> new AtomicInteger())
                                        .incrementAndGet();
                            }
                            super.onHeaders(h);
                        }
                    }, headers);
                }
            };
        }
    }

    /**
     * Every answer, from whichever replica, is a valid signature by the identity's key over
     * the signed byte: a replica answering anything else would count as served.
     */
    private static void checkSignature(SignResult result, int call) throws Exception {
        CMSSignedData signed = new CMSSignedData(new CMSProcessableByteArray(new byte[] {42}),
                result.signedData());
        SignerInformation signer = signed.getSignerInfos().getSigners().iterator().next();
        assertThat(signer.verify(new JcaSimpleSignerInfoVerifierBuilder()
                .build(pki.certificate()))).as("call " + call + " signature").isTrue();
    }
}
