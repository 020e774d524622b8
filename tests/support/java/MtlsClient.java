import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A mutual-TLS client configured the way a typical Java application is: a JKS keystore whose
 * key password equals the store password, a JKS truststore, default key and trust manager
 * algorithms (SunX509, PKIX). It proves a store we built works for the JDK, not just for pyjks.
 *
 * Usage: java MtlsClient HOST PORT KEYSTORE KEYSTORE_PASSWORD TRUSTSTORE TRUSTSTORE_PASSWORD
 *        [KEYSTORE_TYPE TRUSTSTORE_TYPE [HTTP_PATH]]   (JKS or PKCS12; JKS when left out)
 *
 * On success prints "server-said: ...", "protocol: ...", "client-certificate: ..." and
 * "client-chain-length: N", and exits 0. Exits 1 when the handshake or the first read fails,
 * 3 when the handshake completed but no client certificate was sent, 2 on bad usage.
 *
 * With HTTP_PATH it behaves like the platform talking to a web server (issue 20): after the
 * handshake it sends "GET HTTP_PATH HTTP/1.1" (Host, Connection: close), and server-said is
 * the status line; it also prints "http-status: N" and "http-body: ..." (the first line of
 * text in the body). The exit codes stay the same: any HTTP answer is a completed exchange,
 * its status is for the caller to judge.
 */
public final class MtlsClient {
    private static final int TIMEOUT_MILLIS = 10_000;

    public static void main(String[] args) {
        if (args.length < 6 || args.length > 9 || args.length == 7) {
            System.err.println("usage: MtlsClient HOST PORT KEYSTORE KS_PASSWORD TRUSTSTORE"
                    + " TS_PASSWORD [KS_TYPE TS_TYPE [HTTP_PATH]]");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        char[] keystorePassword = args[3].toCharArray();
        char[] truststorePassword = args[5].toCharArray();
        try {
            String keystoreType = args.length >= 8 ? args[6] : "JKS";
            String truststoreType = args.length >= 8 ? args[7] : "JKS";
            String httpPath = args.length == 9 ? args[8] : null;
            KeyStore keystore = load(args[2], keystoreType, keystorePassword);
            KeyStore truststore = load(args[4], truststoreType, truststorePassword);
            SSLContext context = buildContext(keystore, keystorePassword, truststore);
            System.exit(talk(context, host, port, httpPath));
        } catch (GeneralSecurityException | IOException e) {
            System.err.println("failed: " + e);
            System.exit(1);
        }
    }

    private static KeyStore load(String path, String type, char[] password)
            throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(path)) {
            store.load(in, password);
        }
        return store;
    }

    private static SSLContext buildContext(
            KeyStore keystore, char[] keyPassword, KeyStore truststore)
            throws GeneralSecurityException {
        // The key password is the store password: that is what the platform assumes.
        KeyManagerFactory keys =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keystore, keyPassword);
        TrustManagerFactory trust =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(truststore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    private static int talk(SSLContext context, String host, int port, String httpPath)
            throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            // Check the server's name as an HTTPS client would, so the truststore is really used.
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            if (httpPath != null) {
                String request = "GET " + httpPath + " HTTP/1.1\r\nHost: " + host + ":" + port
                        + "\r\nUser-Agent: MtlsClient\r\nConnection: close\r\n\r\n";
                socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            }
            // Under TLS 1.3 the server judges our certificate after startHandshake returns;
            // a rejection only shows up here, as an alert while reading.
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line = reader.readLine();
            if (line == null) {
                System.err.println("failed: the server closed the connection without answering");
                return 1;
            }
            if (httpPath != null) {
                printHttp(line, reader);
            }
            SSLSession session = socket.getSession();
            Certificate[] sent = session.getLocalCertificates();
            System.out.println("server-said: " + line);
            System.out.println("protocol: " + session.getProtocol());
            System.out.println("client-certificate: " + describe(sent));
            System.out.println("client-chain-length: " + (sent == null ? 0 : sent.length));
            if (sent == null || sent.length == 0) {
                System.err.println("failed: no client certificate was sent");
                return 3;
            }
            return 0;
        }
    }

    private static void printHttp(String statusLine, BufferedReader reader) throws IOException {
        String[] parts = statusLine.split(" ", 3);
        System.out.println("http-status: " + (parts.length > 1 ? parts[1] : "none"));
        String line;
        while ((line = reader.readLine()) != null && !line.isEmpty()) {
            // headers: skipped
        }
        String text = "";
        while (text.isEmpty() && (line = reader.readLine()) != null) {
            text = line.replaceAll("<[^>]*>", " ").trim();
        }
        System.out.println("http-body: " + text);
    }

    private static String describe(Certificate[] sent) {
        if (sent == null || sent.length == 0) {
            return "none";
        }
        return ((X509Certificate) sent[0]).getSubjectX500Principal().getName();
    }
}
