package org.smimed.daemon.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.smimed.daemon.config.ConfigException;
import org.smimed.daemon.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code smimed check-config}: validates a configuration file without starting. It reads the
 * file only; the token, the PIN, the policy's rules and the audit log are left to serve.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = {"Validate a configuration file and list every problem found: every key"
                + " and value, and that the files it names exist.",
            "It does not use the token: the PKCS#11 library is not loaded, the token label is"
                + " not looked up, and the PIN is neither read nor tried (nor are the PIN"
                + " file's permissions checked). Only 'smimed serve' checks those, and exits 4"
                + " when one is wrong. Nor does it read the policy file's rules (serve: exit 3)"
                + " or open the audit log (serve: exit 5)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the configuration is valid (prints FILE: OK)", "2:bad usage",
            "3:invalid configuration (every problem is listed, one per line)"})
final class CheckConfigCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "YAML configuration file.")
    Path config;

    @Override
    public Integer call() {
        try {
            new ConfigLoader().load(config);
            System.out.println(config + ": OK");
            return ExitCodes.OK;
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println("smimed: config: " + p));
            return ExitCodes.CONFIG;
        }
    }
}
