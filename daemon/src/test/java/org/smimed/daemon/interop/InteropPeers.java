package org.smimed.daemon.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.smimed.daemon.testing.Processes;

/**
 * The independent S/MIME implementations the interoperability suite checks the daemon against,
 * each set up once per test class in its own directory: OpenSSL {@code cms}, NSS
 * {@code cmsutil} (with a fresh NSS database that trusts the demo CA and knows the recipient
 * certificates) and GnuPG {@code gpgsm} (a throwaway GNUPGHOME with the CA in trustlist.txt and
 * CRL and policy checks off, because the demo CA publishes neither).
 */
final class InteropPeers implements AutoCloseable {
    private final Path dir;
    private final Path nssDb;
    private final Path gnupgHome;

    private InteropPeers(Path dir, Path nssDb, Path gnupgHome) {
        this.dir = dir;
        this.nssDb = nssDb;
        this.gnupgHome = gnupgHome;
    }

    /** Sets up NSS and gpgsm to trust {@code ca} and to know {@code certificates}. */
    static InteropPeers create(Path dir, Path ca, List<Path> certificates) throws Exception {
        Path nss = Files.createDirectories(dir.resolve("nssdb"));
        Processes.check(List.of("certutil", "-N", "-d", nss.toString(), "--empty-password"), dir);
        Processes.check(List.of("certutil", "-A", "-d", nss.toString(), "-n", "ca", "-t",
                "C,C,C", "-i", ca.toString()), dir);
        Path home = Files.createDirectories(dir.resolve("gnupg"));
        Files.setPosixFilePermissions(home,
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.writeString(home.resolve("gpgsm.conf"), "disable-crl-checks\n"
                + "disable-policy-checks\n");
        String fingerprint = Processes.check(List.of("openssl", "x509", "-in", ca.toString(),
                "-noout", "-fingerprint", "-sha1"), dir).stdout().trim().split("=")[1];
        Files.writeString(home.resolve("trustlist.txt"), fingerprint + " S\n");
        InteropPeers peers = new InteropPeers(dir, nss, home);
        peers.gpgsm(List.of("--import", ca.toString()));
        int n = 0;
        for (Path certificate : certificates) {
            Processes.check(List.of("certutil", "-A", "-d", nss.toString(), "-n", "r" + n++,
                    "-t", ",,", "-i", certificate.toString()), dir);
            peers.gpgsm(List.of("--import", certificate.toString()));
        }
        return peers;
    }

    /** Runs {@code openssl} with {@code args}. */
    Processes.Result openssl(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(args);
        return Processes.run(command, dir);
    }

    /** Runs NSS {@code cmsutil} against the suite's NSS database. */
    Processes.Result cmsutil(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("cmsutil"));
        command.addAll(args);
        command.addAll(List.of("-d", nssDb.toString()));
        return Processes.run(command, dir);
    }

    /** Runs {@code gpgsm --batch} in the suite's GNUPGHOME. */
    Processes.Result gpgsm(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("gpgsm", "--homedir",
                gnupgHome.toString(), "--batch", "--yes"));
        command.addAll(args);
        return Processes.run(command, dir);
    }

    /** Stops the gpg-agent that gpgsm started for this GNUPGHOME. */
    @Override
    public void close() throws Exception {
        Processes.run(List.of("gpgconf", "--homedir", gnupgHome.toString(), "--kill", "all"),
                dir);
    }
}
