package io.alignstream.registry.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;

/**
 * The Schema Registry client settings, under Confluent's key names and with Confluent's defaults,
 * so that a configuration written for Confluent's client works here and the other way round.
 * This class is the one place these keys are declared; {@code AvroSerdeConfig} includes them.
 *
 * <p>Confluent keys not supported here (and rejected or ignored rather than half-honoured):
 * {@code SASL_INHERIT} as credentials source, bearer/OAuth auth ({@code bearer.auth.*}),
 * {@code proxy.host}/{@code proxy.port}, {@code request.header.*}, the missing-id/-version
 * caches, PEM key and trust stores, and schema references.
 */
public class SchemaRegistryClientConfig extends AbstractConfig {

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "Comma-separated list of Schema Registry base URLs "
            + "(http or https). Requests go to the URL that last answered and fail over to the others. "
            + "User info in a URL (http://user:secret@host:8081) is used for basic auth when "
            + "basic.auth.credentials.source=URL. 'mock://<scope>' selects an in-memory registry shared by "
            + "every client of the same scope in this JVM, for tests.";

    public static final String MOCK_URL_PREFIX = "mock://";

    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT = "URL";
    public static final String CREDENTIALS_SOURCE_URL = "URL";
    public static final String CREDENTIALS_SOURCE_USER_INFO = "USER_INFO";
    private static final String BASIC_AUTH_CREDENTIALS_SOURCE_DOC = "Where the basic auth credentials come "
            + "from: URL (the user info of schema.registry.url, if any) or USER_INFO (basic.auth.user.info). "
            + "Confluent's SASL_INHERIT is not supported.";

    public static final String USER_INFO_CONFIG = "basic.auth.user.info";
    private static final String USER_INFO_DOC = "Basic auth credentials as <username>:<password>, used when "
            + "basic.auth.credentials.source=USER_INFO.";

    /** Confluent's deprecated spelling of {@link #USER_INFO_CONFIG}; used only when that is empty. */
    public static final String DEPRECATED_USER_INFO_CONFIG = "schema.registry.basic.auth.user.info";
    private static final String DEPRECATED_USER_INFO_DOC = "Deprecated alias of basic.auth.user.info.";

    public static final String MAX_SCHEMAS_PER_SUBJECT_CONFIG = "max.schemas.per.subject";
    public static final int MAX_SCHEMAS_PER_SUBJECT_DEFAULT = 1000;
    private static final String MAX_SCHEMAS_PER_SUBJECT_DOC = "Maximum number of schemas cached per subject "
            + "(schema to id), and of schemas cached by id; least recently used entries are evicted beyond it.";

    public static final String MISSING_ID_CACHE_TTL_SEC_CONFIG = "missing.id.cache.ttl.sec";
    public static final int MISSING_ID_CACHE_TTL_SEC_DEFAULT = 30;
    private static final String MISSING_ID_CACHE_TTL_SEC_DOC = "How long a schema id the registry answered as not "
            + "found (40403) is remembered as missing, so that records carrying it cost one request per this many "
            + "seconds rather than one each; 0 remembers nothing. Unreachable or failing registries (5xx, timeouts) "
            + "are never remembered.";

    public static final String HTTP_CONNECT_TIMEOUT_MS_CONFIG = "http.connect.timeout.ms";
    public static final int HTTP_CONNECT_TIMEOUT_MS_DEFAULT = 60_000;
    private static final String HTTP_CONNECT_TIMEOUT_MS_DOC = "Time allowed to open a connection to one "
            + "registry URL.";

    public static final String HTTP_READ_TIMEOUT_MS_CONFIG = "http.read.timeout.ms";
    public static final int HTTP_READ_TIMEOUT_MS_DEFAULT = 60_000;
    private static final String HTTP_READ_TIMEOUT_MS_DOC = "Time allowed for one registry URL to answer once "
            + "asked. A request to one URL takes at most http.connect.timeout.ms + http.read.timeout.ms.";

    public static final String MAX_RETRIES_CONFIG = "max.retries";
    public static final int MAX_RETRIES_DEFAULT = 3;
    private static final String MAX_RETRIES_DOC = "How many times a request is retried, over all URLs, after "
            + "a connection failure, a timeout, or an HTTP 5xx/429 answer. 4xx answers are never retried.";

    public static final String RETRIES_WAIT_MS_CONFIG = "retries.wait.ms";
    public static final int RETRIES_WAIT_MS_DEFAULT = 1000;
    private static final String RETRIES_WAIT_MS_DOC = "Wait before the first retry; it doubles for each "
            + "further retry, up to retries.max.wait.ms. Jitter may shorten a wait by up to half.";

    public static final String RETRIES_MAX_WAIT_MS_CONFIG = "retries.max.wait.ms";
    public static final int RETRIES_MAX_WAIT_MS_DEFAULT = 20_000;
    private static final String RETRIES_MAX_WAIT_MS_DOC = "Longest wait between two retries.";

    /** Prefix of the TLS keys, as in Confluent's client. */
    public static final String SSL_PREFIX = "schema.registry.";

    public static final String SSL_TRUSTSTORE_LOCATION_CONFIG = SSL_PREFIX + SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG;
    public static final String SSL_TRUSTSTORE_PASSWORD_CONFIG = SSL_PREFIX + SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG;
    public static final String SSL_TRUSTSTORE_TYPE_CONFIG = SSL_PREFIX + SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG;
    public static final String SSL_KEYSTORE_LOCATION_CONFIG = SSL_PREFIX + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG;
    public static final String SSL_KEYSTORE_PASSWORD_CONFIG = SSL_PREFIX + SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG;
    public static final String SSL_KEYSTORE_TYPE_CONFIG = SSL_PREFIX + SslConfigs.SSL_KEYSTORE_TYPE_CONFIG;
    public static final String SSL_KEY_PASSWORD_CONFIG = SSL_PREFIX + SslConfigs.SSL_KEY_PASSWORD_CONFIG;
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG =
            SSL_PREFIX + SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG;
    public static final String SSL_PROTOCOL_CONFIG = SSL_PREFIX + SslConfigs.SSL_PROTOCOL_CONFIG;

    private static final ConfigDef CONFIG = define(new ConfigDef());

    public SchemaRegistryClientConfig(Map<?, ?> originals) {
        super(CONFIG, originals, false);
    }

    /** A copy of the definition of these keys, to extend or to document ({@code toHtml()}, {@code toRst()}). */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** Adds the client keys to {@code def} and returns it. */
    public static ConfigDef define(ConfigDef def) {
        return def
                .define(SCHEMA_REGISTRY_URL_CONFIG, Type.LIST, List.of(), ConfigDef.LambdaValidator.with(
                        SchemaRegistryClientConfig::validateUrls, () -> "http(s)://host:port[,...] or mock://scope"),
                        Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
                .define(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT,
                        ConfigDef.LambdaValidator.with(SchemaRegistryClientConfig::validateCredentialsSource,
                                () -> "[" + CREDENTIALS_SOURCE_URL + ", " + CREDENTIALS_SOURCE_USER_INFO + "]"),
                        Importance.MEDIUM, BASIC_AUTH_CREDENTIALS_SOURCE_DOC)
                .define(USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, USER_INFO_DOC)
                .define(DEPRECATED_USER_INFO_CONFIG, Type.PASSWORD, null, Importance.LOW, DEPRECATED_USER_INFO_DOC)
                .define(MAX_SCHEMAS_PER_SUBJECT_CONFIG, Type.INT, MAX_SCHEMAS_PER_SUBJECT_DEFAULT, Range.atLeast(1),
                        Importance.LOW, MAX_SCHEMAS_PER_SUBJECT_DOC)
                .define(MISSING_ID_CACHE_TTL_SEC_CONFIG, Type.INT, MISSING_ID_CACHE_TTL_SEC_DEFAULT, Range.atLeast(0),
                        Importance.LOW, MISSING_ID_CACHE_TTL_SEC_DOC)
                .define(HTTP_CONNECT_TIMEOUT_MS_CONFIG, Type.INT, HTTP_CONNECT_TIMEOUT_MS_DEFAULT, Range.atLeast(1),
                        Importance.LOW, HTTP_CONNECT_TIMEOUT_MS_DOC)
                .define(HTTP_READ_TIMEOUT_MS_CONFIG, Type.INT, HTTP_READ_TIMEOUT_MS_DEFAULT, Range.atLeast(1),
                        Importance.LOW, HTTP_READ_TIMEOUT_MS_DOC)
                .define(MAX_RETRIES_CONFIG, Type.INT, MAX_RETRIES_DEFAULT, Range.atLeast(0),
                        Importance.LOW, MAX_RETRIES_DOC)
                .define(RETRIES_WAIT_MS_CONFIG, Type.INT, RETRIES_WAIT_MS_DEFAULT, Range.atLeast(0),
                        Importance.LOW, RETRIES_WAIT_MS_DOC)
                .define(RETRIES_MAX_WAIT_MS_CONFIG, Type.INT, RETRIES_MAX_WAIT_MS_DEFAULT, Range.atLeast(0),
                        Importance.LOW, RETRIES_MAX_WAIT_MS_DOC)
                .define(SSL_TRUSTSTORE_LOCATION_CONFIG, Type.STRING, null, Importance.MEDIUM,
                        "Trust store (JKS or PKCS12) with the certificates that sign the registry's certificate. "
                                + "Unset: the JVM's default trust store.")
                .define(SSL_TRUSTSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM,
                        "Password of the trust store.")
                .define(SSL_TRUSTSTORE_TYPE_CONFIG, Type.STRING, SslConfigs.DEFAULT_SSL_TRUSTSTORE_TYPE,
                        ConfigDef.CaseInsensitiveValidString.in("JKS", "PKCS12"), Importance.MEDIUM,
                        "Format of the trust store: JKS or PKCS12.")
                .define(SSL_KEYSTORE_LOCATION_CONFIG, Type.STRING, null, Importance.MEDIUM,
                        "Key store (JKS or PKCS12) with this client's certificate and key, for registries that "
                                + "require TLS client authentication.")
                .define(SSL_KEYSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM,
                        "Password of the key store.")
                .define(SSL_KEYSTORE_TYPE_CONFIG, Type.STRING, SslConfigs.DEFAULT_SSL_KEYSTORE_TYPE,
                        ConfigDef.CaseInsensitiveValidString.in("JKS", "PKCS12"), Importance.MEDIUM,
                        "Format of the key store: JKS or PKCS12.")
                .define(SSL_KEY_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM,
                        "Password of the private key in the key store; defaults to the key store password.")
                .define(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, Type.STRING,
                        SslConfigs.DEFAULT_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM,
                        ConfigDef.CaseInsensitiveValidString.in("https", ""), Importance.LOW,
                        "'https' checks that the registry's certificate names the host in the URL; an empty "
                                + "value turns that check off (the certificate chain is still verified).")
                .define(SSL_PROTOCOL_CONFIG, Type.STRING, SslConfigs.DEFAULT_SSL_PROTOCOL, Importance.LOW,
                        "TLS protocol of the SSLContext (TLSv1.3 also allows TLSv1.2).");
    }

    private static void validateUrls(String name, Object value) {
        if (!(value instanceof List<?> list)) {
            return;
        }
        boolean mock = false;
        for (Object item : list) {
            String url = String.valueOf(item).trim();
            if (url.startsWith(MOCK_URL_PREFIX)) {
                mock = true;
                continue;
            }
            try {
                URI uri = new URI(url);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null) {
                    throw new ConfigException(name, withoutUserInfo(url), "expected an http:// or https:// URL "
                            + "with a host, or mock://<scope>");
                }
            } catch (URISyntaxException e) {
                // getReason(), not getMessage(): the message quotes the input, credentials included.
                throw new ConfigException(name, withoutUserInfo(url), "not a valid URL: " + e.getReason());
            }
        }
        if (mock && list.size() > 1) {
            throw new ConfigException(name, list.stream().map(u -> withoutUserInfo(String.valueOf(u))).toList(),
                    "a mock:// URL must be the only URL");
        }
    }

    /**
     * {@code url} with whatever stands between {@code scheme://} and its last {@code @} hidden, so an
     * error about a URL never shows a password (which may itself hold {@code @} or {@code /}).
     */
    static String withoutUserInfo(String url) {
        int start = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (start < 0 || at < start) {
            return url;
        }
        return url.substring(0, start + 3) + "[hidden]@" + url.substring(at + 1);
    }

    private static void validateCredentialsSource(String name, Object value) {
        String source = value == null ? "" : value.toString().trim().toUpperCase(Locale.ROOT);
        if (source.equals(CREDENTIALS_SOURCE_URL) || source.equals(CREDENTIALS_SOURCE_USER_INFO)) {
            return;
        }
        if (source.equals("SASL_INHERIT")) {
            throw new ConfigException(name, value, "SASL_INHERIT is not supported by alignstream's registry "
                    + "client; use USER_INFO with " + USER_INFO_CONFIG + "=<user>:<password>");
        }
        throw new ConfigException(name, value, "expected URL or USER_INFO");
    }

    /** The configured URLs, trimmed; empty when none is set. */
    public List<String> urls() {
        return getList(SCHEMA_REGISTRY_URL_CONFIG).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The scope of a single {@code mock://<scope>} URL, or {@code null} when the URLs are real. */
    public String mockScope() {
        List<String> urls = urls();
        if (urls.size() == 1 && urls.get(0).startsWith(MOCK_URL_PREFIX)) {
            return urls.get(0).substring(MOCK_URL_PREFIX.length());
        }
        return null;
    }

    /** {@link #CREDENTIALS_SOURCE_URL} or {@link #CREDENTIALS_SOURCE_USER_INFO}. */
    public String basicAuthCredentialsSource() {
        return getString(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG).trim().toUpperCase(Locale.ROOT);
    }

    /** {@code user:password} from {@link #USER_INFO_CONFIG} or its deprecated alias, or {@code null}. */
    public String userInfo() {
        String userInfo = passwordValue(USER_INFO_CONFIG);
        return userInfo != null ? userInfo : passwordValue(DEPRECATED_USER_INFO_CONFIG);
    }

    public int maxSchemasPerSubject() {
        return getInt(MAX_SCHEMAS_PER_SUBJECT_CONFIG);
    }

    /** How long an id answered as not found is remembered; zero for not at all. */
    public Duration missingIdCacheTtl() {
        return Duration.ofSeconds(getInt(MISSING_ID_CACHE_TTL_SEC_CONFIG));
    }

    public Duration httpConnectTimeout() {
        return Duration.ofMillis(getInt(HTTP_CONNECT_TIMEOUT_MS_CONFIG));
    }

    public Duration httpReadTimeout() {
        return Duration.ofMillis(getInt(HTTP_READ_TIMEOUT_MS_CONFIG));
    }

    public int maxRetries() {
        return getInt(MAX_RETRIES_CONFIG);
    }

    public Duration retriesWait() {
        return Duration.ofMillis(getInt(RETRIES_WAIT_MS_CONFIG));
    }

    public Duration retriesMaxWait() {
        return Duration.ofMillis(getInt(RETRIES_MAX_WAIT_MS_CONFIG));
    }

    /** The configured value of a password key, or {@code null} when unset or empty. */
    public String passwordValue(String key) {
        Password password = getPassword(key);
        return password == null || password.value() == null || password.value().isEmpty() ? null : password.value();
    }

    /** The configured value of a string key, or {@code null} when unset or blank. */
    public String stringValue(String key) {
        String value = getString(key);
        return value == null || value.isBlank() ? null : value.trim();
    }
}
