package io.alignstream.app.config;

import io.alignstream.registry.serde.AvroSerdeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Where {@link AlignstreamConfig} comes from, lowest precedence first: the declared defaults, a
 * properties file, the environment, explicit overrides (the command line).
 *
 * <p>Environment variables: {@code ALIGNSTREAM_KAFKA_<NAME>} sets the pass-through key
 * {@code <name>} ({@code ALIGNSTREAM_KAFKA_BOOTSTRAP_SERVERS} sets {@code bootstrap.servers},
 * {@code ALIGNSTREAM_KAFKA_SCHEMA_REGISTRY_URL} sets {@code schema.registry.url}), and
 * {@code ALIGNSTREAM_<NAME>} sets {@code alignstream.<name>} ({@code ALIGNSTREAM_BATCH_MAX_SIZE}
 * sets {@code alignstream.batch.max.size}); names are lower-cased, {@code __} becomes {@code -} and
 * {@code _} becomes {@code .}. An {@code ALIGNSTREAM_} variable that names no key of ours is an
 * error that suggests the closest key, except the few in {@link #NON_CONFIG_VARIABLES}.
 */
public final class ConfigSources {

    public static final String ENV_PREFIX = "ALIGNSTREAM_";
    public static final String KAFKA_ENV_PREFIX = "ALIGNSTREAM_KAFKA_";
    /** The path of the properties file, when none is given explicitly. */
    public static final String CONFIG_FILE_VARIABLE = "ALIGNSTREAM_CONFIG_FILE";
    /**
     * {@code ALIGNSTREAM_} variables that are not configuration: the properties file, the launcher's
     * JVM options ({@code ./alignstream}), and the Python the interoperability test runs.
     */
    public static final Set<String> NON_CONFIG_VARIABLES =
            Set.of(CONFIG_FILE_VARIABLE, "ALIGNSTREAM_JAVA_OPTS", "ALIGNSTREAM_PYTHON");

    /** What a hidden value is shown as. */
    public static final String HIDDEN = "[hidden]";
    private static final List<String> SECRET_MARKERS = List.of("password", "secret", "jaas", "user.info", "token");
    /**
     * Where a URL starts, up to its {@code //}: a scheme at the start or after a separator, so that
     * a {@code ://} inside a password does not pass for the next URL of a list.
     */
    private static final Pattern URL_SCHEME = Pattern.compile("(?<![^\\s,;=(\\[\"'<])[A-Za-z][A-Za-z0-9+.-]*://");
    /** Every key a definition the service's clients read declares {@link Type#PASSWORD}, lower case. */
    private static final Set<String> PASSWORD_KEYS = passwordKeys(ProducerConfig.configDef(),
            ConsumerConfig.configDef(), AdminClientConfig.configDef(), StreamsConfig.configDef(),
            AvroSerdeConfig.configDef(), AlignstreamConfig.CONFIG);

    private ConfigSources() {
    }

    private static Set<String> passwordKeys(ConfigDef... definitions) {
        Set<String> keys = new HashSet<>();
        for (ConfigDef definition : definitions) {
            definition.configKeys().values().stream().filter(key -> key.type == Type.PASSWORD)
                    .forEach(key -> keys.add(key.name.toLowerCase(Locale.ROOT)));
        }
        return Set.copyOf(keys);
    }

    /**
     * Loads the configuration.
     *
     * @param propertiesFile a properties file (UTF-8); when empty, the file named by
     *                       {@value #CONFIG_FILE_VARIABLE} in {@code environment}, if any
     * @param environment    the process environment ({@code System.getenv()}); only {@code ALIGNSTREAM_}
     *                       variables are read
     * @param overrides      keys set explicitly, e.g. on the command line; they win over everything
     * @throws ConfigException for an unreadable file, an {@code ALIGNSTREAM_} variable that names no key,
     *                         or any error {@link AlignstreamConfig} finds
     */
    public static AlignstreamConfig load(Optional<Path> propertiesFile, Map<String, String> environment,
                                         Map<String, String> overrides) {
        return new AlignstreamConfig(merge(propertiesFile, environment, overrides));
    }

    /** The settings {@link #load} builds its configuration from, before defaults are applied. */
    public static Map<String, Object> merge(Optional<Path> propertiesFile, Map<String, String> environment,
                                            Map<String, String> overrides) {
        Map<String, Object> merged = new LinkedHashMap<>();
        Optional<Path> file = propertiesFile.or(() -> Optional.ofNullable(environment.get(CONFIG_FILE_VARIABLE))
                .filter(path -> !path.isBlank()).map(path -> Path.of(path.trim())));
        file.ifPresent(path -> merged.putAll(readProperties(path, propertiesFile.isEmpty())));
        merged.putAll(fromEnvironment(environment));
        merged.putAll(overrides);
        return merged;
    }

    /** The keys the {@code ALIGNSTREAM_} variables of {@code environment} set, in key order. */
    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> settings = new TreeMap<>();
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            if (!name.startsWith(ENV_PREFIX) || NON_CONFIG_VARIABLES.contains(name)) {
                continue;
            }
            settings.put(configKey(name), variable.getValue());
        }
        return settings;
    }

    /**
     * The key an {@code ALIGNSTREAM_} variable sets.
     *
     * @throws ConfigException when it names no key of ours, suggesting the closest one
     */
    public static String configKey(String variable) {
        if (variable.startsWith(KAFKA_ENV_PREFIX)) {
            String rest = variable.substring(KAFKA_ENV_PREFIX.length());
            if (rest.isEmpty()) {
                throw new ConfigException("Environment variable " + variable + " names no key: write "
                        + KAFKA_ENV_PREFIX + "<KEY>, e.g. " + KAFKA_ENV_PREFIX + "BOOTSTRAP_SERVERS");
            }
            return toKey(rest);
        }
        if (!variable.startsWith(ENV_PREFIX)) {
            throw new IllegalArgumentException(variable + " does not start with " + ENV_PREFIX);
        }
        String key = AlignstreamConfig.PREFIX + toKey(variable.substring(ENV_PREFIX.length()));
        if (!AlignstreamConfig.CONFIG.names().contains(key)) {
            String closest = AlignstreamConfig.closestKey(key);
            throw new ConfigException("Environment variable " + variable + " maps to " + key
                    + ", which is not an alignstream configuration key. Did you mean " + closest + " ("
                    + environmentVariable(closest) + ")? Pass-through keys for Kafka and the Schema Registry "
                    + "take the prefix " + KAFKA_ENV_PREFIX + ", e.g. " + KAFKA_ENV_PREFIX + "BOOTSTRAP_SERVERS.");
        }
        return key;
    }

    /** The environment variable that sets {@code key}: the inverse of {@link #configKey}. */
    public static String environmentVariable(String key) {
        String name;
        String prefix;
        if (key.startsWith(AlignstreamConfig.PREFIX)) {
            name = key.substring(AlignstreamConfig.PREFIX.length());
            prefix = ENV_PREFIX;
        } else {
            name = key;
            prefix = KAFKA_ENV_PREFIX;
        }
        return prefix + name.toUpperCase(Locale.ROOT).replace("-", "__").replace('.', '_');
    }

    private static String toKey(String name) {
        return name.toLowerCase(Locale.ROOT).replace("__", "-").replace('_', '.');
    }

    private static Map<String, String> readProperties(Path path, boolean fromEnvironment) {
        String origin = fromEnvironment ? " (named by " + CONFIG_FILE_VARIABLE + ")" : "";
        if (Files.isDirectory(path)) {
            throw new ConfigException("Cannot read the properties file " + path.toAbsolutePath() + origin
                    + ": it is a directory");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException("Cannot read the properties file " + path.toAbsolutePath() + origin
                    + ": no such file");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("Cannot read the properties file " + path.toAbsolutePath() + origin + ": "
                    + e);
        }
        Map<String, String> settings = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key)));
        return settings;
    }

    // ---- logging ------------------------------------------------------------------------------

    /**
     * Whether {@code key} holds a secret. By definition: Kafka's producer, consumer, admin and
     * Streams definitions, the registry Serde's and ours declare it {@link Type#PASSWORD}, also
     * behind a prefix ({@code producer.}, {@code main.consumer.}, {@code listener.name.x.}, ...). By
     * name, for keys no definition knows: it contains password, secret, jaas, user.info or token, or
     * ends in {@code .key}; case-insensitive.
     */
    public static boolean isSecret(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (SECRET_MARKERS.stream().anyMatch(lower::contains) || lower.equals("key") || lower.endsWith(".key")) {
            return true;
        }
        // A prefixed key is the definition's key after some dot: try every such suffix.
        int from = 0;
        while (true) {
            if (PASSWORD_KEYS.contains(lower.substring(from))) {
                return true;
            }
            int dot = lower.indexOf('.', from);
            if (dot < 0) {
                return false;
            }
            from = dot + 1;
        }
    }

    /**
     * {@code value} as it may be logged: {@value #HIDDEN} for a secret key or a {@link Password};
     * otherwise the user info of every URL in it hidden.
     */
    public static String mask(String key, Object value) {
        if (isSecret(key) || value instanceof Password) {
            return HIDDEN;
        }
        if (value == null) {
            return "";
        }
        String text = value instanceof List<?> list
                ? String.join(",", list.stream().map(String::valueOf).toList()) : String.valueOf(value);
        return hideUrlUserInfo(text);
    }

    /**
     * {@code text} with everything between each URL's {@code //} and the last {@code @} before the
     * next URL (or the end) replaced by {@value #HIDDEN}. Wider than RFC 3986's authority on purpose:
     * an unencoded {@code /}, {@code ?} or {@code #} in a password ends that authority early and would
     * leave the rest of the password in the log; hiding a path that holds an {@code @} costs less.
     */
    static String hideUrlUserInfo(String text) {
        Matcher scheme = URL_SCHEME.matcher(text);
        List<int[]> starts = new ArrayList<>();
        while (scheme.find()) {
            starts.add(new int[] {scheme.start(), scheme.end()});
        }
        if (starts.isEmpty()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.substring(0, starts.get(0)[0]));
        for (int i = 0; i < starts.size(); i++) {
            int authority = starts.get(i)[1];
            int next = i + 1 < starts.size() ? starts.get(i + 1)[0] : text.length();
            String url = text.substring(authority, next);
            int at = url.lastIndexOf('@');
            out.append(text, starts.get(i)[0], authority)
                    .append(at < 0 ? url : HIDDEN + url.substring(at));
        }
        return out.toString();
    }

    /**
     * The effective configuration as log lines, {@code key = value}, secrets hidden: every
     * {@code alignstream.*} key with its value (or default), then every key Kafka Streams and its
     * clients get (pass-through keys and the defaults {@link AlignstreamConfig#streamsProperties()} adds).
     */
    public static String render(AlignstreamConfig config) {
        StringBuilder out = new StringBuilder();
        new TreeMap<String, Object>(config.values()).forEach((key, value) ->
                out.append(key).append(" = ").append(mask(key, value)).append('\n'));
        new TreeMap<>(config.streamsProperties()).forEach((key, value) ->
                out.append(key).append(" = ").append(mask(String.valueOf(key), value)).append('\n'));
        return out.toString();
    }
}
