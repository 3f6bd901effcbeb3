package org.smimed.client.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.smimed.client.mime.CmsDecryptor;
import org.smimed.client.mime.DecryptionReport;
import org.smimed.client.mime.SmimeOperationException;

/**
 * A daemon decryptor that connects only when a message actually has an encrypted layer, so
 * opening a message that is only signed needs no daemon and no connection options.
 *
 * <p>Guarantee: at most one connection is opened, and {@link #close()} shuts it down.
 */
final class LazyDecryptor implements CmsDecryptor, AutoCloseable {
  private final ConnectionOptions options;
  private final CliIo io;
  private final String identityOrNull;
  private ConnectionOptions.Connection connection;

  LazyDecryptor(ConnectionOptions options, CliIo io, String identityOrNull) {
    this.options = options;
    this.io = io;
    this.identityOrNull = identityOrNull;
  }

  @Override
  public DecryptionReport decrypt(InputStream cms, OutputStream plaintext)
      throws SmimeOperationException, IOException {
    if (connection == null) {
      try {
        connection = options.open(io);
      } catch (CliFailure e) {
        throw new SmimeOperationException(e.getMessage(), e);
      }
    }
    return DaemonOperations.decryptor(connection.client(), identityOrNull)
        .decrypt(cms, plaintext);
  }

  @Override
  public void close() throws InterruptedException {
    if (connection != null) {
      connection.close();
    }
  }
}
