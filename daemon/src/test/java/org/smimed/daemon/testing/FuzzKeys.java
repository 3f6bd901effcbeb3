package org.smimed.daemon.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenKeys;

/**
 * A SoftHSM2 token holding the fixed fuzz keys (test resources {@code org/smimed/daemon/fuzz/}:
 * an RSA-2048 and a P-256 key with their certificates), so that the checked-in corpus, made
 * once with {@code openssl cms -encrypt} to those certificates, decrypts for real. Keys are
 * imported with OpenSC's pkcs11-tool (the EC key with CKA_DERIVE, which ECDH needs).
 */
public final class FuzzKeys {
    public static final String RSA = "fuzz-rsa@smimed.example";
    public static final String EC = "fuzz-ec@smimed.example";
    /** What every corpus message encrypts. */
    public static final String PLAINTEXT = "Content-Type: text/plain\r\n\r\nhello fuzz\r\n";

    private FuzzKeys() {
    }

    /** The logged-in token and the keys read from it. */
    public record Fixture(SoftHsm.Token tokenFiles, Pkcs11Token token, KeyRegistry keys) {}

    /** Creates the token (call before any other PKCS#11 use in the JVM) and reads its keys. */
    public static Fixture create(Path dir) throws Exception {
        SoftHsm.Token created = SoftHsm.createToken("fuzz");
        write(dir, created, "rsa", RSA, "0a01", false);
        write(dir, created, "ec", EC, "0a02", true);
        Pkcs11Token token = Pkcs11Token.login(Pkcs11Library.load(SoftHsm.LIBRARY),
                created.label(), created.pin().toCharArray());
        TokenKeys.Scan scan = new TokenKeys(token).scan();
        KeyRegistry keys = KeyRegistry.of(scan.entries(), scan.skipped(), Clock.systemUTC());
        if (keys.identities().size() != 2) {
            throw new IllegalStateException("fuzz token keys not read: " + keys.problems());
        }
        return new Fixture(created, token, keys);
    }

    /** A resource of this fixture as bytes. */
    public static byte[] resource(String name) throws IOException {
        try (InputStream in = FuzzKeys.class.getResourceAsStream("/org/smimed/daemon/fuzz/"
                + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }

    private static void write(Path dir, SoftHsm.Token token, String name, String identity,
                              String id, boolean derive) throws Exception {
        Path key = Files.write(dir.resolve(name + ".p8.der"), resource(name + ".p8.der"));
        Path cert = Files.write(dir.resolve(name + ".crt"), resource(name + ".crt"));
        String label = identity + "/v1";
        List<String> common = List.of("pkcs11-tool", "--module", SoftHsm.LIBRARY.toString(),
                "--token-label", token.label(), "--login", "--pin", token.pin());
        List<String> keyArgs = new java.util.ArrayList<>(common);
        keyArgs.addAll(List.of("--write-object", key.toString(), "--type", "privkey", "--id", id,
                "--label", label, "--usage-decrypt"));
        if (derive) {
            keyArgs.add("--usage-derive");
        }
        Processes.check(keyArgs, dir, Map.of());
        List<String> certArgs = new java.util.ArrayList<>(common);
        certArgs.addAll(List.of("--write-object", cert.toString(), "--type", "cert", "--id", id,
                "--label", label));
        Processes.check(certArgs, dir, Map.of());
    }
}
