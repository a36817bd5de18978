package io.alignstream.ingest;

import io.alignstream.app.config.AlignstreamConfig;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The settings a plain producer or consumer gets from alignstream's configuration: the
 * pass-through keys it knows (bootstrap servers, security, ...), then any {@code producer.} or
 * {@code consumer.} prefixed key with its prefix removed, as Kafka Streams would hand them on.
 * Keys only Kafka Streams or the Schema Registry understand are left out.
 */
public final class ClientSettings {
    private ClientSettings() {
    }

    public static Map<String, Object> producer(AlignstreamConfig config) {
        return select(config, ProducerConfig.configNames(), "producer.");
    }

    public static Map<String, Object> consumer(AlignstreamConfig config) {
        return select(config, ConsumerConfig.configNames(), "consumer.");
    }

    private static Map<String, Object> select(AlignstreamConfig config, Set<String> known, String prefix) {
        Map<String, Object> selected = new TreeMap<>();
        config.passThrough().forEach((key, value) -> {
            if (known.contains(key)) {
                selected.put(key, value);
            }
        });
        config.passThrough().forEach((key, value) -> {
            if (key.startsWith(prefix) && known.contains(key.substring(prefix.length()))) {
                selected.put(key.substring(prefix.length()), value);
            }
        });
        return selected;
    }
}
