package io.alignstream.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.alignstream.registry.client.FakeRegistry.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS against an HTTPS fake registry, with key pairs made by the JDK's keytool: one certificate
 * that names 127.0.0.1, and one that names another host.
 */
@DisplayName("RegistryHttpTransport over TLS")
class RegistryHttpTransportTlsTest {

    private static final String PASSWORD = "changeit";

    @TempDir
    static Path dir;
    /** Key pair whose certificate names 127.0.0.1; also used as the client's key pair. */
    private static Path goodKeys;
    /** Key pair whose certificate names registry.invalid only. */
    private static Path misnamedKeys;
    private static Path goodTrustJks;
    private static Path misnamedTrustPkcs12;

    @BeforeAll
    static void makeKeys() throws Exception {
        goodKeys = dir.resolve("good.p12");
        misnamedKeys = dir.resolve("misnamed.p12");
        List<Process> keytools = new ArrayList<>();
        keytools.add(keytool(goodKeys, "ip:127.0.0.1"));
        keytools.add(keytool(misnamedKeys, "dns:registry.invalid"));
        for (Process process : keytools) {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes())).isZero();
        }
        goodTrustJks = trustStore(goodKeys, "JKS", dir.resolve("good-trust.jks"));
        misnamedTrustPkcs12 = trustStore(misnamedKeys, "PKCS12", dir.resolve("misnamed-trust.p12"));
    }

    @Test
    @DisplayName("trusts a registry whose certificate is in a JKS trust store and names the host")
    void jksTrustStore() throws Exception {
        try (FakeRegistry registry = https(goodKeys, false)) {
            registry.on("GET", "/subjects", Reply.ok("[\"alignstream.captions-value\"]"));
            Map<String, Object> settings = settings(registry);
            settings.put("schema.registry.ssl.truststore.location", goodTrustJks.toString());
            settings.put("schema.registry.ssl.truststore.password", PASSWORD);

            try (RegistryHttpTransport transport = transport(settings)) {
                assertThat(listSubjects(transport)).containsExactly(TextNode.valueOf("alignstream.captions-value"));
            }
        }
    }

    @Test
    @DisplayName("fails at once, saying which trust store to set, when the certificate is not trusted")
    void untrusted() throws Exception {
        try (FakeRegistry registry = https(goodKeys, false)) {
            registry.on("GET", "/subjects", Reply.ok("[]"));

            try (RegistryHttpTransport transport = transport(settings(registry))) {
                assertThatThrownBy(() -> listSubjects(transport))
                        .isExactlyInstanceOf(SchemaRegistryException.class)
                        .hasMessageContaining("TLS handshake with the Schema Registry at " + registry.url())
                        .hasMessageContaining("schema.registry.ssl.truststore.location");
            }
        }
    }

    @Test
    @DisplayName("checks the host name unless endpoint identification is turned off")
    void endpointIdentification() throws Exception {
        try (FakeRegistry registry = https(misnamedKeys, false)) {
            registry.on("GET", "/subjects", Reply.ok("[]"));
            Map<String, Object> settings = settings(registry);
            settings.put("schema.registry.ssl.truststore.location", misnamedTrustPkcs12.toString());
            settings.put("schema.registry.ssl.truststore.password", PASSWORD);
            settings.put("schema.registry.ssl.truststore.type", "PKCS12");

            try (RegistryHttpTransport checking = transport(settings)) {
                assertThatThrownBy(() -> listSubjects(checking))
                        .isInstanceOf(SchemaRegistryException.class)
                        .hasMessageContaining("schema.registry.ssl.endpoint.identification.algorithm");
            }

            settings.put("schema.registry.ssl.endpoint.identification.algorithm", "");
            try (RegistryHttpTransport lenient = transport(settings)) {
                assertThat(listSubjects(lenient)).isEmpty();
            }
        }
    }

    @Test
    @DisplayName("presents a client certificate from a PKCS12 key store to a registry that requires one")
    void clientCertificate() throws Exception {
        try (FakeRegistry registry = https(goodKeys, true)) {
            registry.on("GET", "/subjects", Reply.ok("[]"));
            Map<String, Object> settings = settings(registry);
            settings.put("schema.registry.ssl.truststore.location", goodTrustJks.toString());
            settings.put("schema.registry.ssl.truststore.password", PASSWORD);

            try (RegistryHttpTransport anonymous = transport(settings)) {
                assertThatThrownBy(() -> listSubjects(anonymous)).isInstanceOf(SchemaRegistryException.class);
            }

            settings.put("schema.registry.ssl.keystore.location", goodKeys.toString());
            settings.put("schema.registry.ssl.keystore.password", PASSWORD);
            settings.put("schema.registry.ssl.keystore.type", "PKCS12");
            settings.put("schema.registry.ssl.key.password", PASSWORD);
            try (RegistryHttpTransport authenticated = transport(settings)) {
                assertThat(listSubjects(authenticated)).isEmpty();
            }
        }
    }

    @Test
    @DisplayName("a trust store that cannot be opened is a configuration error naming the key")
    void badTrustStore() throws Exception {
        try (FakeRegistry registry = https(goodKeys, false)) {
            Map<String, Object> settings = settings(registry);
            settings.put("schema.registry.ssl.truststore.location", goodTrustJks.toString());
            settings.put("schema.registry.ssl.truststore.password", "wrong");

            assertThatThrownBy(() -> transport(settings))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("schema.registry.ssl.truststore.location")
                    .hasMessageContaining("schema.registry.ssl.truststore.password");

            settings.put("schema.registry.ssl.truststore.location", dir.resolve("missing.jks").toString());
            assertThatThrownBy(() -> transport(settings))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("no such file");
        }
    }

    private static RegistryHttpTransport transport(Map<String, Object> settings) {
        return new RegistryHttpTransport(new SchemaRegistryClientConfig(settings));
    }

    private static JsonNode listSubjects(RegistryHttpTransport transport) {
        return transport.send("Listing subjects", "GET", "/subjects", null);
    }

    private static Map<String, Object> settings(FakeRegistry registry) {
        Map<String, Object> settings = new HashMap<>();
        settings.put("schema.registry.url", registry.url());
        settings.put("max.retries", 0);
        settings.put("http.connect.timeout.ms", 2000);
        settings.put("http.read.timeout.ms", 2000);
        return settings;
    }

    private static FakeRegistry https(Path keys, boolean needClientAuth) throws Exception {
        KeyStore keyStore = load(keys, "PKCS12");
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keyStore, PASSWORD.toCharArray());
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(load(goodTrustJks, "JKS"));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return FakeRegistry.startHttps(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(parameters);
            }
        });
    }

    private static Process keytool(Path keyStore, String subjectAlternativeName) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        return new ProcessBuilder(keytool.toString(), "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC",
                "-genkeypair", "-alias", "registry",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=fake-registry",
                "-ext", "SAN=" + subjectAlternativeName, "-validity", "2",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true)
                .start();
    }

    private static Path trustStore(Path keys, String type, Path target) throws Exception {
        Certificate certificate = load(keys, "PKCS12").getCertificate("registry");
        KeyStore trust = KeyStore.getInstance(type);
        trust.load(null, null);
        trust.setCertificateEntry("registry", certificate);
        try (OutputStream out = Files.newOutputStream(target)) {
            trust.store(out, PASSWORD.toCharArray());
        }
        return target;
    }

    private static KeyStore load(Path path, String type) throws Exception {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(path)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }
}
