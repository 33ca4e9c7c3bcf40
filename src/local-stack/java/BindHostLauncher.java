import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local exactly as its own launcher does (same arguments, same
 * Jetty server and handler), but binds the listening socket to the address in
 * the system property wallet.bindHost instead of every interface. The
 * launcher has only -port; the host is a setting of the Jetty connector it
 * builds, so it is set here before the server starts: same server, same
 * throughput, one socket on the chosen address.
 */
public final class BindHostLauncher {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("wallet.bindHost", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector serverConnector) {
        serverConnector.setHost(host);
        bound++;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local built no ServerConnector to bind to " + host);
    proxy.start();
  }
}
