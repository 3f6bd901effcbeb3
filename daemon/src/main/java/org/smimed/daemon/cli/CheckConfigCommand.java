package org.smimed.daemon.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.smimed.daemon.config.ConfigException;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.policy.PolicyException;
import org.smimed.daemon.policy.PolicyLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code smimed check-config}: validates a configuration file, and the policy file it names,
 * without starting; the token, the PIN, the policy file's permissions and the audit log are
 * left to serve.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = {"Validate a configuration file and list every problem found: every key"
                + " and value, and that the files it names exist.",
            "It does not use the token: the PKCS#11 library is not loaded, the token label is"
                + " not looked up, and the PIN is neither read nor tried (nor are the PIN"
                + " file's permissions checked). Only 'smimed serve' checks those, and exits 4"
                + " when one is wrong. It validates the policy file's rules (policy.file), but"
                + " not who may write it, which serve refuses (exit 3) when group or others"
                + " can; nor does it open the audit log (serve: exit 5)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the configuration is valid (prints FILE: OK)", "2:bad usage",
            "3:invalid configuration or policy file (every problem is listed, one per line)"})
final class CheckConfigCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "YAML configuration file.")
    Path config;

    @Override
    public Integer call() {
        DaemonConfig loaded;
        try {
            loaded = new ConfigLoader().load(config);
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println("smimed: config: " + p));
            return ExitCodes.CONFIG;
        }
        // The policy too: a bad one passed here and stopped serve (an operator trial).
        Path policy = loaded.access().policyFile();
        try {
            new PolicyLoader().check(policy);
        } catch (PolicyException e) {
            e.problems().forEach(p -> System.err.println("smimed: policy: " + p));
            return ExitCodes.CONFIG;
        }
        System.out.println(config + ": OK (policy " + policy + ": OK)");
        return ExitCodes.OK;
    }
}
