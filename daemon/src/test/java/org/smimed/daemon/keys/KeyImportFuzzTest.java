package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.client.testing.Mutations;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeptInToken;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyObjects;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;

/**
 * Fuzz targets: the officer's certificate-chain import and PKCS#12 migration, through
 * {@link KeyAdministration} into a real SoftHSM2 token. The contract: the version the import
 * names or makes is PENDING with a leaf certifying its identity, or the import fails with
 * {@link InvalidKeyRequestException} and a message; never another exception, never a hang.
 *
 * <p>The token holds PENDING versions of fixed keys (the fuzz keys and the RFC 9216 examples,
 * migrated from the corpus's own PKCS#12 files), so valid corpus chains really import. Each
 * input goes to the version of the identity its certificates name (the fuzz RSA version when
 * they name none); each PKCS#12 file migrates under the identity it names, password "fuzz",
 * into a second token (the first already holds those keys, and a key is imported only once),
 * and a successful migration is disabled and destroyed again, its DESTROYED record removed, so
 * the token does not grow and the same key migrates again.
 */
class KeyImportFuzzTest {
    static final int GENERATED = 1000;
    static final String RSA = "fuzz-rsa@smimed.example";
    static final char[] PASSWORD = "fuzz".toCharArray();
    private static final Path INPUTS = Path.of("src/test/resources/org/smimed/daemon/keys",
            "KeyImportFuzzTestInputs");

    static KeyAdministration admin;
    /** Where PKCS#12 files migrate: a token that holds none of their keys. */
    static KeyAdministration migrations;
    /** That token, for reading the migrated keys' attributes. */
    static Pkcs11Token migrationToken;
    /** Identity → the PENDING version chains are imported into. */
    static final Map<String, String> VERSIONS = new LinkedHashMap<>();

    @BeforeAll
    static void token() throws Exception {
        // Both before the library is loaded: it sees the tokens present when it starts.
        SoftHsm.Token created = SoftHsm.createToken("import");
        SoftHsm.Token second = SoftHsm.createToken("migrate");
        Pkcs11Library library = Pkcs11Library.load(SoftHsm.LIBRARY);
        Pkcs11Token token = Pkcs11Token.login(library, created.label(),
                created.pin().toCharArray());
        admin = KeyAdministration.open(token, new SecureRandom(), Clock.systemUTC());
        migrationToken = Pkcs11Token.login(library, second.label(), second.pin().toCharArray());
        migrations = KeyAdministration.open(migrationToken, new SecureRandom(),
                Clock.systemUTC());
        for (String file : new String[] {"rsa-chain.p12", "ec-chain.p12", "rfc9216-alice-rsa.p12",
                "rfc9216-bob-rsa-encrypt.p12", "rfc9216-carlos-ed25519.p12",
                "rfc9216-dana-x25519.p12"}) {
            byte[] p12 = input("pkcs12", file);
            String identity = pkcs12Identity(p12);
            TokenVersion v = admin.importPkcs12(identity, p12, PASSWORD.clone(), false);
            VERSIONS.put(identity, v.name());
        }
    }

    @FuzzTest(maxDuration = "10m")
    void certificateChain(byte[] chain) {
        checkChain(chain);
    }

    @FuzzTest(maxDuration = "10m")
    void pkcs12(byte[] file) {
        checkPkcs12(file);
    }

    @Test
    void generatedChains_importOrGetATypedError() {
        Mutations mutations = new Mutations(8, Mutations.corpus(getClass(), "certificateChain"));
        int accepted = 0;
        for (int i = 0; i < GENERATED; i++) {
            accepted += checkChain(mutations.next()) ? 1 : 0;
        }
        // Both outcomes occur: code refusing everything (or nothing) would pass check alone.
        assertThat(accepted).as("chains that imported").isPositive().isLessThan(GENERATED);
    }

    @Test
    void generatedPkcs12Files_migrateOrGetATypedError() {
        Mutations mutations = new Mutations(8, Mutations.corpus(getClass(), "pkcs12"));
        int accepted = 0;
        for (int i = 0; i < GENERATED; i++) {
            accepted += checkPkcs12(mutations.next()) ? 1 : 0;
        }
        // A file's MAC makes a mutated one that still migrates rare (none in 1,000 here): the
        // way in is validPkcs12Files_migrateAsPendingVersions; here, that not all get in.
        assertThat(accepted).as("files that migrated").isLessThan(GENERATED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-chain.pem", "ec-chain.pem", "rsa-chain-root-first.pem",
            "rsa-chain-der.der", "rsa-chain-pkcs7.p7b", "ec-chain-pkcs7.p7b",
            "rfc9216-alice-rsa.pem", "rfc9216-bob-rsa-encrypt.pem", "rfc9216-carlos-ed25519.pem",
            "rfc9216-dana-x25519.pem", "nasty-text-around.pem"})
    void validChains_import(String file) throws Exception {
        byte[] chain = input("certificateChain", file);

        TokenVersion v = admin.importCertificateChain(VERSIONS.get(chainIdentity(chain)), chain);

        assertThat(v.state()).isEqualTo(KeyState.PENDING);
        assertThat(v.chain()).hasSize(2);
    }

    /** migrate() itself checks the key is kept in the token; here, that it is the file's key. */
    @ParameterizedTest
    @CsvSource({"rsa-chain.p12, RSA_2048", "ec-chain.p12, EC_P256", "ec-chain-iter1.p12, EC_P256",
            "rsa-chain-3des-sha1mac.p12, RSA_2048", "rsa-chain-nomac.p12, RSA_2048",
            "rfc9216-carlos-ed25519.p12, ED25519", "rfc9216-dana-x25519.p12, X25519"})
    void validPkcs12Files_migrateAsPendingVersions(String file, KeyAlgorithm algorithm)
            throws Exception {
        assertThat(migrate(input("pkcs12", file))).isEqualTo(algorithm);
    }

    @Test
    void leafWithoutItsCa_isRefusedNamingTheMissingChain() throws Exception {
        byte[] chain = input("certificateChain", "nasty-leaf-only.pem");

        assertThatThrownBy(() -> admin.importCertificateChain(VERSIONS.get(RSA), chain))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("the chain must include the issuing CA certificates up to the root"
                        + " (only the certificate itself was given: put the CA certificates"
                        + " after it in the same file)");
    }

    @Test
    void curveTheJdkCannotSignWith_isRefusedNamingTheCurve() throws Exception {
        byte[] p12 = input("pkcs12", "nasty-secp256k1-unsupported.p12");

        assertThatThrownBy(() -> admin.importPkcs12(RSA, p12, PASSWORD.clone(), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("cannot import the PKCS#12 file: unsupported key: EC on the curve"
                        + " secp256k1 (1.3.132.0.10); smimed takes RSA_2048, RSA_3072, RSA_4096,"
                        + " EC_P256, EC_P384, EC_P521, ED25519, X25519");
    }

    @Test
    void otherPassword_isRefusedWithoutSayingWhichPartFailed() throws Exception {
        byte[] p12 = input("pkcs12", "nasty-other-password.p12");

        assertThatThrownBy(() -> admin.importPkcs12(RSA, p12, PASSWORD.clone(), false))
                .isInstanceOf(InvalidKeyRequestException.class)
                .hasMessage("cannot open the PKCS#12 file: wrong password or not a PKCS#12 file");
    }

    /** Whether {@code chain} imported; anything else must be a typed refusal. */
    static boolean checkChain(byte[] chain) {
        String identity = chainIdentity(chain);
        try {
            TokenVersion v = admin.importCertificateChain(VERSIONS.get(identity), chain);
            assertThat(v.state()).isEqualTo(KeyState.PENDING);
            assertThat(CertificateIdentity.email(v.chain().get(0))).contains(identity);
            return true;
        } catch (InvalidKeyRequestException e) {
            assertThat(e.getMessage()).isNotBlank();
            return false;
        } catch (Exception e) {
            throw new AssertionError("unexpected " + e, e);
        }
    }

    /** Whether {@code file} migrated; anything else must be a typed refusal. */
    static boolean checkPkcs12(byte[] file) {
        try {
            migrate(file);
            return true;
        } catch (InvalidKeyRequestException e) {
            assertThat(e.getMessage()).isNotBlank();
            return false;
        } catch (Exception e) {
            throw new AssertionError("unexpected " + e, e);
        }
    }

    /**
     * Migrates, checks the new version and that its key is kept in the token (read before
     * anything is destroyed), then removes it again; the migrated key's algorithm.
     */
    private static KeyAlgorithm migrate(byte[] file) throws Exception {
        String identity = pkcs12Identity(file);
        TokenVersion v = migrations.importPkcs12(identity, file.clone(), PASSWORD.clone(), false);
        TokenVersion destroyed;
        try {
            assertThat(v.state()).isEqualTo(KeyState.PENDING);
            assertThat(v.record().identity()).isEqualTo(identity);
            assertThat(CertificateIdentity.email(v.chain().get(0))).contains(identity);
            KeptInToken.assertKeptInToken(migrationToken, v.name(), false);
        } finally {
            // Even after a failed check: a key left behind makes every later migration of
            // the same file fail as "already in the token", hiding what really failed.
            migrations.disable(v.name());
            TokenVersion disabled = migrations.list().stream()
                    .filter(o -> o.name().equals(v.name())).findFirst().orElseThrow();
            destroyed = migrations.destroy(v.name(),
                    migrations.view().fingerprint(disabled).orElseThrow());
            // The DESTROYED record remembers the key, and a destroyed key is not imported
            // again: the record goes too, so the next migration of this key reaches the end.
            new KeyObjects(migrationToken, new SecureRandom()).destroyData(v.name());
            migrations.followChangesElsewhere();
        }
        assertThat(destroyed.state()).isEqualTo(KeyState.DESTROYED);
        return v.record().algorithm();
    }

    /** Routing only: the first known identity the certificates name, else the RSA one. */
    private static String chainIdentity(byte[] chain) {
        try {
            for (Certificate c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(chain))) {
                Optional<String> email = CertificateIdentity.email((X509Certificate) c);
                if (email.isPresent() && VERSIONS.containsKey(email.get())) {
                    return email.get();
                }
            }
        } catch (Exception e) {
            // Unparseable here: the import itself must say so.
        }
        return RSA;
    }

    /** Routing only: the identity the PKCS#12 file's key certificate names, else the RSA one. */
    private static String pkcs12Identity(byte[] file) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(file), PASSWORD);
            for (String alias : Collections.list(store.aliases())) {
                if (store.getCertificate(alias) instanceof X509Certificate c
                        && store.isKeyEntry(alias)) {
                    return CertificateIdentity.email(c).orElse(RSA);
                }
            }
        } catch (Exception e) {
            // Unreadable here: the migration itself must say so.
        }
        return RSA;
    }

    private static byte[] input(String method, String file) throws Exception {
        return Files.readAllBytes(INPUTS.resolve(method).resolve(file));
    }
}
