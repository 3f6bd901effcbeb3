package org.smimed.client;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a fixed list of daemon endpoints ("host1:8443,host2:8443") for one channel, so
 * gRPC's own round-robin balancing spreads calls over them and its retry policy moves a failed
 * call to another one. For a DNS name with several addresses no resolver is needed: use
 * {@code dns:///name:port}.
 *
 * <p>The TLS authority (the name every daemon's certificate must carry) is the first
 * endpoint's host.
 */
final class StaticEndpoints extends NameResolver.Factory {
  static final String SCHEME = "smimed-endpoints";

  private final List<String> endpoints;

  StaticEndpoints(List<String> endpoints) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    for (String e : endpoints) {
      HostPort.parse(e);
    }
    this.endpoints = List.copyOf(endpoints);
  }

  /** The channel target that selects this resolver. */
  String target() {
    return SCHEME + ":///" + HostPort.parse(endpoints.get(0)).host();
  }

  @Override
  public NameResolver newNameResolver(URI uri, NameResolver.Args args) {
    if (!SCHEME.equals(uri.getScheme())) {
      return null;
    }
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return HostPort.parse(endpoints.get(0)).host();
      }

      @Override
      public void start(Listener2 listener) {
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        for (String e : endpoints) {
          HostPort hp = HostPort.parse(e);
          InetSocketAddress address = new InetSocketAddress(hp.host(), hp.port());
          if (address.isUnresolved()) {
            listener.onError(Status.UNAVAILABLE.withDescription("cannot resolve " + e));
            return;
          }
          groups.add(new EquivalentAddressGroup(address));
        }
        listener.onResult(ResolutionResult.newBuilder().setAddresses(groups)
            .setAttributes(Attributes.EMPTY).build());
      }

      @Override
      public void shutdown() {
        // Nothing to release: the list is fixed.
      }
    };
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  /** "host:port" or "[v6]:port". */
  record HostPort(String host, int port) {
    static HostPort parse(String text) {
      int colon = text.lastIndexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        throw new IllegalArgumentException("endpoint '" + text + "' is not HOST:PORT");
      }
      String host = text.substring(0, colon).replaceAll("^\\[|\\]$", "");
      try {
        return new HostPort(host, Integer.parseInt(text.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("endpoint '" + text + "' has no numeric port");
      }
    }
  }
}
