import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A Java application as the platform runs it, made to fail: it prints the real JDK stack trace
 * (with its "Caused by:" chain) on stderr, the text a user pastes into the explain page.
 *
 * Unlike MtlsClient it takes the KEY password apart from the store password (to provoke
 * "Cannot recover key") and lets the caller choose the timeouts (to provoke "Read timed out").
 *
 * Usage: java JavaErrors HOST PORT KEYSTORE KS_TYPE KS_PASSWORD KEY_PASSWORD
 *                        TRUSTSTORE TS_TYPE TS_PASSWORD TIMEOUT_MILLIS [HTTPS_PATH]
 *
 * With HTTPS_PATH it sends a GET through HttpsURLConnection, as an integration platform
 * posts a message, and logs the error body of a 4xx answer before the IOException.
 *
 * Prints "connected: <line>" and exits 0 when the handshake and the first read succeed;
 * otherwise prints the stack trace and exits 1.
 */
public final class JavaErrors {
    public static void main(String[] args) {
        if (args.length != 10 && args.length != 11) {
            System.err.println("usage: JavaErrors HOST PORT KS KS_TYPE KS_PASS KEY_PASS"
                    + " TS TS_TYPE TS_PASS TIMEOUT_MILLIS");
            System.exit(2);
        }
        try {
            KeyStore keystore = load(args[2], args[3], args[4].toCharArray());
            KeyStore truststore = load(args[6], args[7], args[8].toCharArray());
            KeyManagerFactory keys =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keystore, args[5].toCharArray());
            TrustManagerFactory trust =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(truststore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            int timeout = Integer.parseInt(args[9]);
            if (args.length == 11) {
                https(context, args[0], args[1], args[10], timeout);
                return;
            }
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
                socket.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), timeout);
                socket.setSoTimeout(timeout);
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                BufferedReader reader = new BufferedReader(
                        new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                System.out.println("connected: " + reader.readLine());
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void https(SSLContext context, String host, String port, String path,
            int timeout) throws Exception {
        URL url = new URL("https://" + host + ":" + port + path);
        HttpsURLConnection connection = (HttpsURLConnection) url.openConnection();
        connection.setSSLSocketFactory(context.getSocketFactory());
        connection.setConnectTimeout(timeout);
        connection.setReadTimeout(timeout);
        int status = connection.getResponseCode();
        if (status >= 400) {
            InputStream error = connection.getErrorStream();
            String body = error == null ? "" : new String(error.readAllBytes(), StandardCharsets.UTF_8);
            System.err.println("Delivery failed: HTTP " + status + " " + connection.getResponseMessage()
                    + ", response body: " + body.replaceAll("\\s+", " ").trim());
        }
        System.out.println("connected: " + new String(
                connection.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static KeyStore load(String path, String type, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(path)) {
            store.load(in, password);
        }
        return store;
    }
}
