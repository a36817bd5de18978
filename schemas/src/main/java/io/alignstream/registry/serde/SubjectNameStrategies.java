package io.alignstream.registry.serde;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Resolves the value of {@code key.subject.name.strategy} / {@code value.subject.name.strategy}:
 * our class names, their simple names, Confluent's class names
 * ({@code io.confluent.kafka.serializers.subject.TopicNameStrategy} etc., so a Confluent
 * configuration works unchanged), or the name of any class implementing
 * {@link SubjectNameStrategy}.
 */
public final class SubjectNameStrategies {

    private static final String CONFLUENT_PACKAGE = "io.confluent.kafka.serializers.subject.";

    private static final Map<String, Class<? extends SubjectNameStrategy>> BUILT_IN = Map.of(
            "TopicNameStrategy", TopicNameStrategy.class,
            "RecordNameStrategy", RecordNameStrategy.class,
            "TopicRecordNameStrategy", TopicRecordNameStrategy.class);

    private SubjectNameStrategies() {
    }

    /**
     * @throws ConfigException naming the key and the accepted values when the name resolves to no
     *                         strategy
     */
    public static SubjectNameStrategy resolve(String configKey, String name) {
        String trimmed = name == null ? "" : name.trim();
        String simple = trimmed;
        if (trimmed.startsWith(CONFLUENT_PACKAGE)) {
            simple = trimmed.substring(CONFLUENT_PACKAGE.length());
        } else if (trimmed.startsWith(SubjectNameStrategy.class.getPackageName() + ".")) {
            simple = trimmed.substring(SubjectNameStrategy.class.getPackageName().length() + 1);
        }
        Class<? extends SubjectNameStrategy> builtIn = BUILT_IN.get(simple);
        if (builtIn != null) {
            return instantiate(configKey, builtIn);
        }
        Class<?> custom;
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            custom = Class.forName(trimmed, true, loader != null ? loader : SubjectNameStrategies.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(configKey, name, "not a known subject name strategy (TopicNameStrategy, "
                    + "RecordNameStrategy, TopicRecordNameStrategy, in " + SubjectNameStrategy.class.getPackageName()
                    + " or " + CONFLUENT_PACKAGE.substring(0, CONFLUENT_PACKAGE.length() - 1)
                    + ") and no class of that name is on the classpath");
        }
        if (!SubjectNameStrategy.class.isAssignableFrom(custom)) {
            throw new ConfigException(configKey, name, "the class does not implement "
                    + SubjectNameStrategy.class.getName());
        }
        return instantiate(configKey, custom.asSubclass(SubjectNameStrategy.class));
    }

    private static SubjectNameStrategy instantiate(String configKey, Class<? extends SubjectNameStrategy> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException
                 | InvocationTargetException e) {
            throw new ConfigException(configKey, type.getName(), "could not create it with a public no-argument "
                    + "constructor: " + e);
        }
    }
}
