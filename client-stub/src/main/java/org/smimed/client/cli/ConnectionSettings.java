package org.smimed.client.cli;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.smimed.client.Channels;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * What {@code smime} and {@code smimectl} do alike with their connection options: each option
 * falls back to an environment variable ({@code envPrefix} + TARGET, CA, CERT, KEY); plaintext
 * is announced on stderr every time; TLS trusts only the given CA certificates, and a client
 * certificate comes with its key or not at all. Each tool keeps its own picocli options (their
 * help names its own variables and defaults) and hands their values here.
 *
 * @param tool          the command name, for the plaintext warning
 * @param envPrefix     the environment variables' prefix, e.g. {@code SMIME_}
 * @param defaultTarget the address without option or variable
 */
public record ConnectionSettings(String tool, String envPrefix, String defaultTarget) {
  /**
   * A command makes a call or two and exits: it needs the daemon's own reason for a refusal,
   * not a health watch per daemon (an audit record each, and UNIMPLEMENTED on the admin
   * listener, which serves no health).
   */
  private static final Channels.HealthChecks ONE_SHOT = Channels.HealthChecks.NEVER;

  /** The values of a tool's connection options; null where an option was not given. */
  public record Given(String target, Path ca, Path cert, Path key, boolean plaintext,
                      long deadlineSeconds) {}

  /**
   * A channel as {@code given} says, refusing bad combinations as picocli parameter errors of
   * {@code spec}; IOException when the TLS material cannot be read.
   */
  public ManagedChannel open(CliIo io, CommandSpec spec, Given given) throws IOException {
    if (given.deadlineSeconds() <= 0) {
      throw new ParameterException(spec.commandLine(), "--deadline must be positive");
    }
    String address = given.target() != null ? given.target()
        : io.env().getOrDefault(envPrefix + "TARGET", defaultTarget);
    String badTarget = badTarget(address);
    if (badTarget != null) {
      throw new ParameterException(spec.commandLine(), "--target (or " + envPrefix
          + "TARGET) '" + address + "' is not host:port (an IPv6 address in brackets), a"
          + " comma-separated list of them, or a URI such as dns:///host:port: " + badTarget);
    }
    if (given.plaintext()) {
      io.err().println(tool + ": warning: --plaintext sends everything unencrypted;"
          + " development only");
      return Channels.plaintext(address, ONE_SHOT);
    }
    for (var option : java.util.Map.of("--ca", java.util.Optional.ofNullable(given.ca()),
        "--cert", java.util.Optional.ofNullable(given.cert()),
        "--key", java.util.Optional.ofNullable(given.key())).entrySet()) {
      // An empty option (--cert "" from an unset shell variable) would name the current
      // directory and fail as "Is a directory".
      if (option.getValue().filter(p -> p.toString().isBlank()).isPresent()) {
        throw new ParameterException(spec.commandLine(), option.getKey() + " is empty: give a"
            + " file (or leave the option out)");
      }
    }
    Path caFile = given.ca() != null ? given.ca() : envPath(io, "CA");
    Path certFile = given.cert() != null ? given.cert() : envPath(io, "CERT");
    Path keyFile = given.key() != null ? given.key() : envPath(io, "KEY");
    if (caFile == null) {
      throw new ParameterException(spec.commandLine(), "--ca (or " + envPrefix
          + "CA) is required for TLS; --plaintext is for development only");
    }
    if ((certFile == null) != (keyFile == null)) {
      throw new ParameterException(spec.commandLine(), "--cert and --key go together");
    }
    try {
      return certFile == null ? Channels.tls(address, caFile, ONE_SHOT)
          : Channels.tls(address, caFile, certFile, keyFile, ONE_SHOT);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * Why a file could not be read, for "cannot set up TLS: ..." and any command's failure: the
   * JDK names a missing or unreadable file by its path alone (found by an outside trial), so
   * the reason is added.
   */
  public static String why(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file: " + e.getMessage();
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied: " + e.getMessage();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /**
   * Why gRPC would refuse {@code target}, or null: it reads a target without a scheme as the
   * authority of a URI, and its own refusal ("Illegal character in authority at index 2")
   * came as a failure that named no option (found by a CLI review). A host without a port is
   * refused too: gRPC would quietly take port 443, and the daemon listens on 8443 and 8444 by
   * default, so the user saw only "nothing listens".
   */
  static String badTarget(String target) {
    for (String part : target.split(",", -1)) {
      String trimmed = part.trim();
      if (trimmed.contains(":/")) {
        continue; // a URI with a scheme: gRPC's name resolvers judge it
      }
      try {
        URI uri = new URI("//" + trimmed);
        if (trimmed.isEmpty() || uri.getHost() == null) {
          return "'" + trimmed + "' names no host";
        }
        if (uri.getPort() == -1) {
          return "'" + trimmed + "' names no port";
        }
      } catch (URISyntaxException e) {
        return e.getMessage();
      }
    }
    return null;
  }

  private Path envPath(CliIo io, String name) {
    String v = io.env().get(envPrefix + name);
    return v == null || v.isBlank() ? null : Path.of(v);
  }
}
