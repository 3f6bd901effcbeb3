package org.smimed.daemon.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.daemon.config.PinSource;
import org.smimed.daemon.keys.KeyRegistry;
import org.smimed.daemon.provision.DemoSetup;
import org.smimed.daemon.provision.IdentityProvisioner;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenKeys;
import org.smimed.daemon.token.TokenObjects;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code smimed provision-demo}: demo CA, TLS certificate and two identities in the token. */
@Command(name = "provision-demo", mixinStandardHelpOptions = true,
        description = {"Create a demo CA, a localhost TLS certificate and two identities"
                + " (rsa-demo@smimed.example, ec-demo@smimed.example) whose keys are generated"
                + " inside the token. Keeps what already exists. Development and tests only."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:provisioned (each line says what was made or already there)",
            "1:a file could not be written", "2:bad usage",
            "4:token unusable (no token with the label, PIN rejected or unreadable)"})
final class ProvisionDemoCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "Directory for the demo CA and certificates.")
    Path dir;

    @Option(names = "--library", defaultValue = "/usr/lib/softhsm/libsofthsm2.so",
            paramLabel = "PATH", description = "PKCS#11 library (default: ${DEFAULT-VALUE}).")
    Path library;

    @Option(names = "--token-label", required = true, paramLabel = "LABEL",
            description = "Label of the (already initialised) token.")
    String label;

    @ArgGroup(multiplicity = "1")
    PinOption pin;

    @Spec
    CommandSpec spec;

    /** Exactly one PIN source; never the PIN itself on the command line. */
    static final class PinOption {
        @Option(names = "--pin-file", paramLabel = "FILE",
                description = "File holding the user PIN (mode 600).")
        Path file;

        @Option(names = "--pin-env", paramLabel = "VAR",
                description = "Environment variable holding the user PIN.")
        String env;

        PinSource source() {
            return file != null ? new PinSource.FromFile(file) : new PinSource.FromEnvironment(env);
        }
    }

    private final UnaryOperator<String> environment;
    private final Clock clock;

    ProvisionDemoCommand(UnaryOperator<String> environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    @Override
    public Integer call() throws Exception {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            // Before the login; it was FileAlreadyExistsException's trace (a CLI review).
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--dir " + dir + " is a file, not a directory");
        }
        Pkcs11Token token;
        try {
            token = Pkcs11Token.login(Pkcs11Library.load(library), label,
                    pin.source().read(environment));
        } catch (org.smimed.daemon.token.TokenException | PinSource.PinUnavailableException e) {
            System.err.println("smimed: token: " + e.getMessage());
            return ExitCodes.TOKEN;
        }
        TokenKeys.Scan scan = new TokenKeys(token).scan();
        var existing = KeyRegistry.of(scan.entries(), scan.skipped(), clock).identities();
        SecureRandom random = new SecureRandom();
        var setup = new DemoSetup(new BouncyCastleProvider(), clock, random);
        var provisioner = new IdentityProvisioner(new TokenObjects(token, random));
        for (String line : setup.run(dir, provisioner, existing)) {
            System.out.println(line);
        }
        return ExitCodes.OK;
    }
}
