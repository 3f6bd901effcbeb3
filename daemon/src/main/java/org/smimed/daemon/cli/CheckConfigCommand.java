package org.smimed.daemon.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.smimed.daemon.config.ConfigException;
import org.smimed.daemon.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code smimed check-config}: validates a configuration file without starting. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate a configuration file and list every problem found.")
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
