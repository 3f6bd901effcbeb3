package org.smimed.daemon.interop;

import java.util.List;
import org.smimed.daemon.provision.DemoSetup.DemoIdentity;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.token.KeyAlgorithm;

/**
 * One identity per key type the token supports. The two demo identities (RSA-2048, P-256) come
 * with every {@link TestDeployment}; the others are generated in the test token by the
 * product's provisioning code ({@link #EXTRA}).
 */
final class InteropIdentities {
    static final String RSA_2048 = TestDeployment.RSA;
    static final String RSA_3072 = "rsa3072@interop.example";
    static final String RSA_4096 = "rsa4096@interop.example";
    static final String P256 = TestDeployment.EC;
    static final String P384 = "p384@interop.example";
    static final String P521 = "p521@interop.example";

    static final List<DemoIdentity> EXTRA = List.of(
            new DemoIdentity(RSA_3072, KeyAlgorithm.RSA_3072),
            new DemoIdentity(RSA_4096, KeyAlgorithm.RSA_4096),
            new DemoIdentity(P384, KeyAlgorithm.EC_P384),
            new DemoIdentity(P521, KeyAlgorithm.EC_P521));

    static final List<String> RSA = List.of(RSA_2048, RSA_3072, RSA_4096);
    static final List<String> EC = List.of(P256, P384, P521);

    private InteropIdentities() {
    }
}
