package org.smimed.daemon.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A SoftHSM2 token of its own, labelled "node", in {@code dir} (its configuration
 * {@code softhsm2.conf}, its PIN in {@code user.pin}), holding a {@link FilePki}'s identity
 * imported with the SoftHSM2 tools under one CKA_ID and label, as an HSM restore would.
 */
public record ImportedToken(Path dir, Path softHsmConf, String pin, FilePki pki, String id,
                            String label) {

    /** Creates the token and imports the identity's key and certificate. */
    public static ImportedToken create(Path dir, FilePki pki, String id, String label)
            throws Exception {
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path conf = Files.writeString(dir.resolve("softhsm2.conf"), "directories.tokendir = "
                + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        String pin = HexFormat.of().formatHex(new SecureRandom().generateSeed(6));
        Path pinFile = Files.writeString(dir.resolve("user.pin"), pin);
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        ImportedToken token = new ImportedToken(dir, conf, pin, pki, id, label);
        token.tool(List.of("softhsm2-util", "--init-token", "--free", "--label", "node",
                "--pin", pin, "--so-pin", pin + "so"));
        token.importIdentity();
        return token;
    }

    /** Where SoftHSM2 keeps the token's files. */
    public Path tokens() {
        return dir.resolve("tokens");
    }

    /** The same key material, CKA_ID and label each time, as an HSM restore would give. */
    public void importIdentity() throws Exception {
        tool(List.of("softhsm2-util", "--import", pki.keyFile().toString(), "--token", "node",
                "--label", label, "--id", id, "--pin", pin));
        tool(List.of("pkcs11-tool", "--module", SoftHsm.LIBRARY.toString(), "--token-label",
                "node", "--login", "--pin", pin, "--write-object", pki.certFile().toString(),
                "--type", "cert", "--id", id, "--label", label));
    }

    /** Another process deletes the identity's private key, public key and certificate. */
    public void deleteIdentity() throws Exception {
        for (String type : List.of("privkey", "pubkey", "cert")) {
            tool(List.of("pkcs11-tool", "--module", SoftHsm.LIBRARY.toString(),
                    "--token-label", "node", "--login", "--pin", pin, "--delete-object",
                    "--type", type, "--id", id));
        }
    }

    private void tool(List<String> command) throws Exception {
        Processes.check(command, dir, Map.of("SOFTHSM2_CONF", softHsmConf.toString()));
    }
}
