package io.alignstream.registry.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.kafka.common.config.ConfigException;

/** Builds the SSLContext of {@link RegistryHttpTransport} from the {@code schema.registry.ssl.*} keys. */
final class TlsContexts {

    private TlsContexts() {
    }

    /** Whether the registry's host name is checked against its certificate. */
    static boolean endpointIdentification(SchemaRegistryClientConfig config) {
        String algorithm = config.getString(SchemaRegistryClientConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG);
        return algorithm != null && !algorithm.isBlank();
    }

    static SSLContext build(SchemaRegistryClientConfig config) {
        try {
            KeyManager[] keyManagers = keyManagers(config);
            TrustManager[] trustManagers = trustManagers(config);
            if (!endpointIdentification(config)) {
                for (int i = 0; i < trustManagers.length; i++) {
                    if (trustManagers[i] instanceof X509TrustManager x509) {
                        trustManagers[i] = new ChainOnlyTrustManager(x509);
                    }
                }
            }
            SSLContext context = SSLContext.getInstance(config.getString(SchemaRegistryClientConfig.SSL_PROTOCOL_CONFIG));
            context.init(keyManagers, trustManagers, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("Could not set up TLS for the Schema Registry client from the "
                    + SchemaRegistryClientConfig.SSL_PREFIX + "ssl.* settings: " + e);
        }
    }

    private static KeyManager[] keyManagers(SchemaRegistryClientConfig config) throws GeneralSecurityException {
        String location = config.stringValue(SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG);
        if (location == null) {
            return null;
        }
        String storePassword = config.passwordValue(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG);
        KeyStore store = load(location, config.getString(SchemaRegistryClientConfig.SSL_KEYSTORE_TYPE_CONFIG),
                storePassword, SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG,
                SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG);
        String keyPassword = config.passwordValue(SchemaRegistryClientConfig.SSL_KEY_PASSWORD_CONFIG);
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        try {
            factory.init(store, chars(keyPassword != null ? keyPassword : storePassword));
        } catch (java.security.UnrecoverableKeyException e) {
            throw new ConfigException("Could not read the private key in " + location + " (set by "
                    + SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG + "): wrong "
                    + SchemaRegistryClientConfig.SSL_KEY_PASSWORD_CONFIG + "? " + e.getMessage());
        }
        return factory.getKeyManagers();
    }

    private static TrustManager[] trustManagers(SchemaRegistryClientConfig config) throws GeneralSecurityException {
        String location = config.stringValue(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG);
        KeyStore store = location == null ? null
                : load(location, config.getString(SchemaRegistryClientConfig.SSL_TRUSTSTORE_TYPE_CONFIG),
                        config.passwordValue(SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG),
                        SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG,
                        SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    private static KeyStore load(String location, String type, String password, String locationKey,
                                 String passwordKey) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type.toUpperCase(Locale.ROOT));
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, chars(password));
            return store;
        } catch (NoSuchFileException e) {
            throw new ConfigException(locationKey, location, "no such file");
        } catch (IOException e) {
            throw new ConfigException(locationKey, location, "could not read it as a " + type
                    + " store (wrong " + passwordKey + ", or wrong type?): " + e.getMessage());
        }
    }

    private static char[] chars(String password) {
        return password == null ? null : password.toCharArray();
    }

    /**
     * Verifies the certificate chain but not the host name. The JDK's HttpClient always asks for
     * HTTPS endpoint identification; a trust manager of type X509ExtendedTrustManager is used as
     * is, so delegating to the chain-only checks of the wrapped manager turns the name check off
     * for this client alone, without the JVM-wide system property.
     */
    private static final class ChainOnlyTrustManager extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;

        ChainOnlyTrustManager(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
