package io.alignstream.app.topics;

import io.alignstream.app.config.AlignstreamConfig;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Some of alignstream's topics do not exist and {@value AlignstreamConfig#TOPICS_CREATE_CONFIG} is
 * false, so the service does not create them. The message names each missing topic and the key
 * that names it.
 */
public final class MissingTopicsException extends TopicProvisioningException {
    private final Map<String, String> keyByTopic;

    /** @param keyByTopic each missing topic's name with the configuration key that names it, in order */
    public MissingTopicsException(Map<String, String> keyByTopic) {
        super(message(keyByTopic));
        this.keyByTopic = Map.copyOf(keyByTopic);
    }

    /** The missing topics, each with the configuration key that names it. */
    public Map<String, String> keyByTopic() {
        return keyByTopic;
    }

    private static String message(Map<String, String> keyByTopic) {
        String list = keyByTopic.entrySet().stream()
                .map(entry -> "  " + entry.getKey() + " (named by " + entry.getValue() + ")")
                .collect(Collectors.joining("\n"));
        return keyByTopic.size() + (keyByTopic.size() == 1 ? " topic is" : " topics are") + " missing and "
                + AlignstreamConfig.TOPICS_CREATE_CONFIG + "=false, so the service does not create them:\n" + list
                + "\nCreate them, point those keys at existing topics, or set "
                + AlignstreamConfig.TOPICS_CREATE_CONFIG + "=true.";
    }
}
