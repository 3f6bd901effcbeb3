package org.smimed.daemon.approval;

import java.util.Arrays;
import org.smimed.daemon.keys.InvalidKeyRequestException;
import org.smimed.daemon.keys.KeyAdministration;
import org.smimed.daemon.keys.KeyStateException;
import org.smimed.daemon.keys.TokenVersion;
import org.smimed.daemon.keys.UnknownKeyVersionException;
import org.smimed.daemon.token.TokenException;

/** An officer action waiting for its approval; {@link #wipe} clears any secret it holds. */
sealed interface HeldAction {
    TokenVersion run(KeyAdministration admin) throws UnknownKeyVersionException,
            KeyStateException, InvalidKeyRequestException, TokenException;

    void wipe();

    /** Activate of the certificate the approver was shown: nothing secret is held. */
    record Activate(String version, String certificateSha256) implements HeldAction {
        @Override
        public TokenVersion run(KeyAdministration admin) throws UnknownKeyVersionException,
                KeyStateException, TokenException {
            return admin.activate(version, certificateSha256);
        }

        @Override
        public void wipe() {
        }
    }

    /**
     * Disable: nothing secret is held. The fingerprint is checked again when approved, as a
     * destroy's is: an import-cert (not under dual control) may change a PENDING version's.
     */
    record Disable(String version, String fingerprint) implements HeldAction {
        @Override
        public TokenVersion run(KeyAdministration admin) throws UnknownKeyVersionException,
                KeyStateException, InvalidKeyRequestException, TokenException {
            admin.view().requireConfirmation(admin.checkDisable(version), fingerprint);
            return admin.disable(version);
        }

        @Override
        public void wipe() {
        }
    }

    /** Destroy: nothing secret is held. */
    record Destroy(String version, String fingerprint) implements HeldAction {
        @Override
        public TokenVersion run(KeyAdministration admin) throws UnknownKeyVersionException,
                KeyStateException, InvalidKeyRequestException, TokenException {
            return admin.destroy(version, fingerprint);
        }

        @Override
        public void wipe() {
        }
    }

    /** Import: the daemon's own copies of the PKCS#12 file and password. */
    record Import(String identity, byte[] file, char[] password, boolean archive)
            implements HeldAction {
        @Override
        public TokenVersion run(KeyAdministration admin) throws UnknownKeyVersionException,
                KeyStateException, InvalidKeyRequestException, TokenException {
            return admin.importPkcs12(identity, file, password, archive);
        }

        @Override
        public void wipe() {
            Arrays.fill(file, (byte) 0);
            Arrays.fill(password, '\0');
        }

        @Override
        public String toString() {
            return "Import[identity=" + identity + ", archive=" + archive
                    + ", file and password withheld]";
        }
    }
}
