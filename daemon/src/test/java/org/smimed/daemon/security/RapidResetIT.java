package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.GetLimitsRequest;
import org.smimed.daemon.testing.TestDeployment;

/**
 * HTTP/2 "rapid reset" (CVE-2023-44487) from a peer without a client certificate, written
 * frame by frame over real TLS: each call opened and reset at once. A security trial brought
 * the daemon down with it (out of heap within a minute): every reset call was work queued on
 * the call handlers before anything looked at the caller. Such calls must be done with where
 * they are read, and a connection resetting calls without end is closed.
 */
class RapidResetIT {
    private static final String PATH = "/smimed.v1.DirectoryService/GetLimits";
    private static final byte HEADERS = 1;
    private static final byte RST_STREAM = 3;
    private static final byte PING = 6;
    private static final byte GOAWAY = 7;
    private static final byte END_HEADERS = 4;
    private static final byte ACK = 1;

    @TempDir
    static Path dir;
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void callsResetWithoutCertificate_neverQueueOnTheHandlers() throws Exception {
        getLimits();
        double before = handlerTasksRun();

        try (Peer peer = Peer.connect()) {
            // Below the connection's reset limit: all of them are served (and refused).
            peer.openAndReset(1000);
            // Frames are handled in order: the PING's answer means every call above was.
            assertThat(peer.pingAnswered()).as("the flooding connection is still open").isTrue();
        }
        getLimits(); // queued behind anything the flood left on the handlers

        assertThat(handlerTasksRun() - before).as("tasks the handlers ran for 1,000 reset calls"
                + " and two GetLimits").isLessThan(100);
    }

    @Test
    void aConnectionResettingCallsWithoutEnd_isClosed_andOthersAreServed() throws Exception {
        try (Peer peer = Peer.connect()) {
            peer.openAndReset(3000);
            assertThat(peer.goneAway()).as("GOAWAY or end of stream").isTrue();
        }
        getLimits();
    }

    private static void getLimits() {
        assertThat(DirectoryServiceGrpc.newBlockingStub(deployment.channel())
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .getLimits(GetLimitsRequest.getDefaultInstance()).getMaxBatchDigests())
                .isPositive();
    }

    private static double handlerTasksRun() {
        return deployment.daemon().metrics().registry().find("executor.completed")
                .tag("name", "handlers").functionCounter().count();
    }

    /** A TLS connection speaking HTTP/2 frames by hand, with no client certificate. */
    private static final class Peer implements AutoCloseable {
        private final SSLSocket socket;
        private final OutputStream out;
        private final CompletableFuture<Boolean> pingAck = new CompletableFuture<>();
        private final CompletableFuture<Boolean> goAway = new CompletableFuture<>();
        private int nextStream = 1;

        private Peer(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            Thread reader = new Thread(() -> read(socket), "rapid-reset-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Peer connect() throws Exception {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream ca = Files.newInputStream(deployment.caCertificate())) {
                trust.setCertificateEntry("ca",
                        CertificateFactory.getInstance("X.509").generateCertificate(ca));
            }
            TrustManagerFactory trusting = TrustManagerFactory.getInstance("PKIX");
            trusting.init(trust);
            SSLContext tls = SSLContext.getInstance("TLSv1.3");
            tls.init(null, trusting.getTrustManagers(), null);
            SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost",
                    deployment.daemon().port());
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
            Peer peer = new Peer(socket);
            peer.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            peer.out.write(frame((byte) 4, (byte) 0, 0, new byte[0])); // SETTINGS
            return peer;
        }

        /** Opens {@code calls} calls and resets each at once; stops if the daemon hangs up. */
        void openAndReset(int calls) {
            byte[] headers = headerBlock();
            byte[] cancel = ByteBuffer.allocate(4).putInt(8).array();
            try {
                for (int sent = 0; sent < calls; sent += 100) {
                    ByteBuffer batch = ByteBuffer.allocate(100 * (18 + headers.length + 4));
                    for (int i = 0; i < 100; i++, nextStream += 2) {
                        batch.put(frame(HEADERS, END_HEADERS, nextStream, headers))
                                .put(frame(RST_STREAM, (byte) 0, nextStream, cancel));
                    }
                    out.write(batch.array(), 0, batch.position());
                }
                out.flush();
            } catch (IOException e) {
                goAway.complete(true); // closed while sending: the limit at work
            }
        }

        boolean pingAnswered() throws Exception {
            out.write(frame(PING, (byte) 0, 0, new byte[8]));
            out.flush();
            return pingAck.get(60, TimeUnit.SECONDS);
        }

        boolean goneAway() throws Exception {
            return goAway.get(60, TimeUnit.SECONDS);
        }

        private void read(SSLSocket from) {
            try {
                DataInputStream in = new DataInputStream(from.getInputStream());
                while (true) {
                    int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
                    byte type = in.readByte();
                    byte flags = in.readByte();
                    in.readInt();
                    in.skipNBytes(length);
                    if (type == PING && (flags & ACK) != 0) {
                        pingAck.complete(true);
                    } else if (type == GOAWAY) {
                        goAway.complete(true);
                    }
                }
            } catch (IOException e) {
                goAway.complete(true);
                pingAck.complete(false);
            }
        }

        /** The request's headers, each a literal not indexed (RFC 7541 section 6.2.2). */
        private static byte[] headerBlock() {
            ByteBuffer block = ByteBuffer.allocate(256);
            String[][] fields = {{":method", "POST"}, {":scheme", "https"}, {":path", PATH},
                {":authority", "localhost"}, {"content-type", "application/grpc"},
                {"te", "trailers"}};
            for (String[] field : fields) {
                block.put((byte) 0);
                for (String part : field) {
                    byte[] bytes = part.getBytes(StandardCharsets.US_ASCII);
                    block.put((byte) bytes.length).put(bytes);
                }
            }
            return java.util.Arrays.copyOf(block.array(), block.position());
        }

        private static byte[] frame(byte type, byte flags, int stream, byte[] payload) {
            return ByteBuffer.allocate(9 + payload.length)
                    .put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8))
                    .put((byte) payload.length).put(type).put(flags).putInt(stream)
                    .put(payload).array();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
