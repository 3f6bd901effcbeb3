package org.smimed.client.admin;

import io.grpc.StatusRuntimeException;
import java.util.concurrent.Callable;
import org.smimed.api.v1.KeyAdminServiceGrpc.KeyAdminServiceBlockingStub;
import org.smimed.client.cli.CliIo;
import picocli.CommandLine.Mixin;

/** A smimectl subcommand: opens the admin connection, runs one or more calls, prints. */
abstract class AdminCommand implements Callable<Integer> {
  @Mixin
  AdminConnection connection;

  final CliIo io;

  AdminCommand(CliIo io) {
    this.io = io;
  }

  @Override
  public final Integer call() throws Exception {
    try (AdminConnection.Open open = connection.open(io)) {
      run(open.stub());
      return 0;
    } catch (StatusRuntimeException e) {
      throw AdminFailure.of(e, connection.plaintext);
    }
  }

  abstract void run(KeyAdminServiceBlockingStub admin) throws Exception;

  void println(String line) {
    io.err().flush();
    byte[] bytes = (line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try {
      io.out().write(bytes);
      io.out().flush();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
