package org.smimed.daemon.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A TLS listener's certificate chain and key as the TLS library asks for them in each
 * handshake, replaceable while the listener runs: a handshake after {@link #replace} presents
 * the new pair; connections already made keep theirs.
 *
 * <p>Each pair gets an alias of its own, never reused. TLS libraries ask for the alias first
 * and for the chain and key by alias afterwards, and netty's OpenSSL provider may cache the
 * material by alias; so a new alias per pair means no cache serves an old pair, and keeping
 * the pair before the current one means a handshake that chose its alias just before a
 * replacement still gets a chain and key that go together.
 *
 * <p>Guarantee: only ever offers a pair {@link ServerKeyPair#read} checked; never acts as a
 * client.
 */
public final class ServerKeyMaterial extends X509ExtendedKeyManager {
    private record Generation(String alias, ServerKeyPair pair) {}

    private long replacements;
    private volatile Generation current;
    private volatile Generation previous;

    public ServerKeyMaterial(ServerKeyPair initial) {
        this.current = new Generation(alias(0), initial);
        this.previous = current;
    }

    /** The pair new handshakes get. */
    public ServerKeyPair current() {
        return current.pair();
    }

    /** From now on new handshakes get {@code next}. */
    public synchronized void replace(ServerKeyPair next) {
        replacements++;
        previous = current;
        current = new Generation(alias(replacements), next);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers,
                                          SSLEngine engine) {
        return serverAlias(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return serverAlias(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = serverAlias(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Generation generation = byAlias(alias);
        return generation == null ? null
                : generation.pair().chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Generation generation = byAlias(alias);
        return generation == null ? null : generation.pair().key();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null; // a server's key material only
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers,
                                          SSLEngine engine) {
        return null;
    }

    /**
     * The current alias when the key fits {@code keyType} ("RSA", "EC", "EC_RSA": the key's
     * algorithm, then the signer's), else none, so that the library tries its next key type
     * rather than offering a key the cipher suite cannot use. Keys of other algorithms
     * (Ed25519) fit any type: the TLS library decides.
     */
    private String serverAlias(String keyType) {
        Generation generation = current;
        String algorithm = generation.pair().key().getAlgorithm();
        if (keyType == null || !(algorithm.equals("RSA") || algorithm.equals("EC"))) {
            return generation.alias();
        }
        int separator = keyType.indexOf('_');
        String keyAlgorithm = separator < 0 ? keyType : keyType.substring(0, separator);
        return keyAlgorithm.equals(algorithm) ? generation.alias() : null;
    }

    private Generation byAlias(String alias) {
        Generation now = current;
        if (now.alias().equals(alias)) {
            return now;
        }
        Generation before = previous;
        return before.alias().equals(alias) ? before : null;
    }

    private static String alias(long generation) {
        return "smimed-server-" + generation;
    }
}
