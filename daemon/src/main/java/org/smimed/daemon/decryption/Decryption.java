package org.smimed.daemon.decryption;

import java.io.InputStream;
import java.util.List;
import org.smimed.daemon.cms.CmsDecryptor;
import org.smimed.daemon.cms.DecryptedMessage;
import org.smimed.daemon.cms.OpenedEnvelope;
import org.smimed.daemon.cms.PlaintextStream;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.policy.AccessControl;
import org.smimed.daemon.policy.Caller;
import org.smimed.daemon.policy.Operation;
import org.smimed.daemon.token.TokenRecovery;

/**
 * Decryption as callers ask for it, whatever carries the message (DecryptMessage whole, Decrypt
 * streamed): who may decrypt with which keys, the decrypt budget, and what a token fault does.
 *
 * <p>Guarantees: a caller decrypts only with versions of identities the policy grants it (the
 * named one, or all it may use when none is named), and each call is charged once against its
 * decrypt budget however often the token is retried; a retry after a token fault looks the keys
 * up again (fresh handles), only for "token gone" codes, never for a padding failure, and
 * before any plaintext has left: a stream's fault comes before its content is read, and a whole
 * message's returns nothing of the readings before it (each reading may try another recipient,
 * {@link CmsDecryptor#decrypt(byte[], java.util.Collection)}).
 */
public final class Decryption {
    private final KeyRegistry keys;
    private final CmsDecryptor decryptor;
    private final AccessControl access;
    private final TokenRecovery recovery;

    public Decryption(KeyRegistry keys, CmsDecryptor decryptor, AccessControl access,
                      TokenRecovery recovery) {
        this.keys = keys;
        this.decryptor = decryptor;
        this.access = access;
        this.recovery = recovery;
    }

    /**
     * Checks that this caller may decrypt (with the named identity, or with any when
     * {@code identity} is blank) and counts the call against its decrypt budget.
     */
    public void authorize(Caller caller, String identity) throws Exception {
        if (identity.isBlank()) {
            access.checkAny(caller, Operation.DECRYPT);
        } else {
            access.check(caller, Operation.DECRYPT, identity);
        }
        candidates(caller, identity); // an unknown identity fails before the budget is charged
        access.chargeDecrypt(caller);
    }

    /** Decrypts a whole message in memory for an authorized caller. */
    public DecryptedMessage decrypt(Caller caller, String identity, byte[] message)
            throws Exception {
        // Idempotent as a whole: the message is in memory, so after a token fault it is parsed
        // and decrypted once more with fresh key handles.
        return recovery.retryOnce(() -> decryptor.decrypt(message,
                candidates(caller, identity)));
    }

    /** Reads the header of a streamed message, up to its content; nothing is decrypted yet. */
    public OpenedEnvelope open(InputStream message, long maxMessageBytes) throws Exception {
        return decryptor.open(message, maxMessageBytes);
    }

    /** Recovers the content key of an opened message for an authorized caller. */
    public PlaintextStream decrypt(Caller caller, String identity, OpenedEnvelope envelope)
            throws Exception {
        // Idempotent up to here: no content has been read yet.
        return recovery.retryOnce(() -> envelope.decrypt(candidates(caller, identity)));
    }

    /**
     * The keys this caller may decrypt with: those of the named identity, otherwise those of
     * every identity the policy grants it. Read from the current snapshot on each attempt.
     */
    private List<KeyVersion> candidates(Caller caller, String identity) throws Exception {
        if (identity.isBlank()) {
            return access.filter(caller, Operation.DECRYPT, keys.decryptionKeys(),
                    KeyVersion::identity);
        }
        return keys.decryptionKeys(identity);
    }
}
