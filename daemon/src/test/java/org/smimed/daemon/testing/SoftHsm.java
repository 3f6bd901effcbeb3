package org.smimed.daemon.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenException;

/**
 * A real SoftHSM2 token for one test class, created with {@code softhsm2-util} in the private
 * token directory that the build gives each test JVM (SOFTHSM2_CONF, see daemon/pom.xml).
 *
 * <p>SoftHSM2 only sees tokens that exist when the library is initialised, so create every
 * token a test class needs before the first PKCS#11 call in that JVM.
 */
public final class SoftHsm {
    public static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");

    private SoftHsm() {
    }

    /** A freshly initialised token: its label, and a file holding its user PIN (mode 600). */
    public record Token(String label, String pin, Path pinFile) {
        /** Logs in to this token as its user, through SoftHSM2's library. */
        public Pkcs11Token login() throws TokenException {
            return Pkcs11Token.login(Pkcs11Library.load(LIBRARY), label, pin.toCharArray());
        }
    }

    /** Initialises a new token with a unique label and random PINs. */
    public static Token createToken(String prefix) throws IOException, InterruptedException {
        Path dir = directory();
        String label = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String pin = HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(
                StandardCharsets.US_ASCII), 0, 6);
        run(List.of("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
                "--so-pin", pin + "so"));
        Path pinFile = dir.resolve(label + ".pin");
        Files.writeString(pinFile, pin + "\n");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        return new Token(label, pin, pinFile);
    }

    /** The per-JVM SoftHSM2 directory, with its config file created on first use. */
    public static Path directory() throws IOException {
        String configured = System.getenv("SMIMED_TEST_SOFTHSM_DIR");
        String conf = System.getenv("SOFTHSM2_CONF");
        if (configured == null || conf == null) {
            throw new IllegalStateException("run tests through Maven: SOFTHSM2_CONF and"
                    + " SMIMED_TEST_SOFTHSM_DIR come from daemon/pom.xml");
        }
        if (!Files.isRegularFile(LIBRARY)) {
            throw new IllegalStateException("SoftHSM2 is not installed (" + LIBRARY
                    + " missing): run softhsm-config/install-deps.sh --test");
        }
        Path dir = Path.of(configured);
        Path tokens = dir.resolve("tokens");
        Files.createDirectories(tokens);
        Path confFile = Path.of(conf);
        if (!Files.exists(confFile)) {
            Files.writeString(confFile, "directories.tokendir = " + tokens + "\n"
                    + "objectstore.backend = file\nlog.level = ERROR\n");
        }
        return dir;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(command.get(0) + " failed: " + out);
        }
    }
}
