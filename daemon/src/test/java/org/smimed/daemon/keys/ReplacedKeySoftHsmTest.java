package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenException;

/**
 * Found by an operator trial: a private key replaced outside smimed under a version's CKA_ID
 * and label was served after the next heal and after a restart, every signature failing to
 * verify and every decryption failing, with health SERVING. The key its certificate names is
 * missing: not served, and said so.
 */
class ReplacedKeySoftHsmTest {
    private static final Clock CLOCK = Clock.systemUTC();
    @TempDir
    static Path dir;
    private static SoftHsm.Token files;
    private static Pkcs11Token token;

    /** One token for the class: SoftHSM2 shows a process only the tokens there at its start. */
    @BeforeAll
    static void token() throws Exception {
        files = SoftHsm.createToken("replaced");
        token = files.login();
    }

    @Test
    void rsaKeyReplacedUnderTheSameIdAndLabel_isNotServed() throws Exception {
        replacedKey_isNotServed("swapped-rsa@smimed.example", KeyAlgorithm.RSA_2048, "RSA",
                "rsa_keygen_bits:2048");
    }

    /** An EC private key object holds no public point: a test signature finds it. */
    @Test
    void ecKeyReplacedUnderTheSameIdAndLabel_isNotServed() throws Exception {
        replacedKey_isNotServed("swapped-ec@smimed.example", KeyAlgorithm.EC_P256, "EC",
                "ec_paramgen_curve:P-256");
    }

    private static void replacedKey_isNotServed(String id, KeyAlgorithm algorithm, String kind,
                                                String option) throws Exception {
        KeyAdministration admin = KeyAdministration.open(token, new SecureRandom(), CLOCK);
        TokenVersion v = OfficerCa.create(CLOCK).activateNewKey(admin, id, algorithm,
                KeyUsage.BOTH, Duration.ofDays(30));
        assertThat(admin.registry().signingKey(id).id()).isEqualTo(v.name());

        Path other = dir.resolve("other-" + kind + ".der");
        Processes.check(List.of("openssl", "genpkey", "-algorithm", kind, "-pkeyopt", option,
                "-outform", "DER", "-out", other.toString()), dir);
        pkcs11Tool(files, "--delete-object", "--type", "privkey", "--label", v.name());
        pkcs11Tool(files, "--write-object", other.toString(), "--type", "privkey", "--id",
                v.keyId(), "--label", v.name(), "--usage-sign", "--usage-decrypt",
                "--usage-derive");

        assertThatThrownBy(admin::refreshAfterTokenFault).as("a heal does not take it")
                .isInstanceOf(TokenException.class);
        KeyAdministration restarted = KeyAdministration.open(token, new SecureRandom(), CLOCK);
        assertThat(restarted.registry().identities()).doesNotContain(id);
        assertThat(restarted.registry().problems()).anySatisfy(p -> assertThat(p).startsWith(
                v.name() + ": its private key is missing from the token (the private key under"
                        + " its id and label is not the key its certificate names: replaced"
                        + " outside smimed?)"));
    }

    private static void pkcs11Tool(SoftHsm.Token token, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("pkcs11-tool", "--module",
                SoftHsm.LIBRARY.toString(), "--token-label", token.label(), "--login", "--pin",
                token.pin()));
        command.addAll(List.of(args));
        Processes.check(command, dir);
    }
}
