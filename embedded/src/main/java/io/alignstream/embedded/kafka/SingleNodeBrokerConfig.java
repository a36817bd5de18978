package io.alignstream.embedded.kafka;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code server.properties} of a single-node KRaft cluster: one process that is both broker
 * and controller (node id 1, a static one-voter quorum), listening on loopback only.
 *
 * <p>A static voter set ({@code controller.quorum.voters}) rather than a dynamic quorum keeps the
 * controller's address out of the metadata log, so a data directory can be reopened later on
 * different ports.
 *
 * <p>Every internal topic gets replication factor 1 and min ISR 1, which is what exactly-once
 * Kafka Streams applications (transactions, consumer offsets) need on one node.
 */
final class SingleNodeBrokerConfig {

    static final String LISTENER = "PLAINTEXT";
    static final String SASL_LISTENER = "SASL_PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";

    private SingleNodeBrokerConfig() {
    }

    /** The settings for the given ports and log directory, then {@code overrides} on top. */
    static Map<String, String> settings(int brokerPort, int controllerPort, Path logDir,
                                        Map<String, String> overrides) {
        return settings(brokerPort, controllerPort, logDir, Optional.empty(), overrides);
    }

    /**
     * As {@link #settings(int, int, Path, Map)}; with {@code saslPlain} the client listener is
     * {@value #SASL_LISTENER} with the PLAIN mechanism, and the broker reaches itself over it (the
     * inter-broker listener) as {@link SaslPlainUsers#brokerUser()}. The controller listener stays
     * PLAINTEXT: it is bound to loopback and only the broker's own process talks to it.
     */
    static Map<String, String> settings(int brokerPort, int controllerPort, Path logDir,
                                        Optional<SaslPlainUsers> saslPlain,
                                        Map<String, String> overrides) {
        String listener = saslPlain.isPresent() ? SASL_LISTENER : LISTENER;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("process.roles", "broker,controller");
        settings.put("node.id", "1");
        settings.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        settings.put("listeners", listener + "://127.0.0.1:" + brokerPort + ","
                + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        settings.put("advertised.listeners", listener + "://127.0.0.1:" + brokerPort);
        settings.put("controller.listener.names", CONTROLLER_LISTENER);
        settings.put("inter.broker.listener.name", listener);
        settings.put("listener.security.protocol.map",
                listener + ":" + listener + "," + CONTROLLER_LISTENER + ":PLAINTEXT");
        saslPlain.ifPresent(users -> {
            settings.put("sasl.enabled.mechanisms", SaslPlainUsers.MECHANISM);
            // Transaction markers and other broker-to-broker requests go over the client
            // listener on one node, so the broker itself must log in there.
            settings.put("sasl.mechanism.inter.broker.protocol", SaslPlainUsers.MECHANISM);
            settings.put("listener.name." + SASL_LISTENER.toLowerCase(Locale.ROOT) + "."
                    + SaslPlainUsers.MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                    users.serverJaasConfig());
        });
        settings.put("log.dirs", logDir.toAbsolutePath().toString());

        // One node: every replication factor and min ISR must be 1.
        settings.put("num.partitions", "1");
        settings.put("default.replication.factor", "1");
        settings.put("min.insync.replicas", "1");
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        settings.put("share.coordinator.state.topic.replication.factor", "1");
        settings.put("share.coordinator.state.topic.min.isr", "1");
        // Fewer partitions than the default 50 for the internal topics: they are created on
        // first use and 50 partitions cost seconds on a small machine.
        settings.put("offsets.topic.num.partitions", "5");
        settings.put("transaction.state.log.num.partitions", "5");
        settings.put("share.coordinator.state.topic.num.partitions", "5");
        // No waiting for more members to join a brand-new consumer group.
        settings.put("group.initial.rebalance.delay.ms", "0");
        // After a crash the restarted broker cannot register again until the controller has
        // expired its previous session: 3 s instead of the default 9 s. Heartbeats every 500 ms
        // keep a live broker well inside that even on a busy machine.
        settings.put("broker.heartbeat.interval.ms", "500");
        settings.put("broker.session.timeout.ms", "3000");

        settings.putAll(overrides);
        return settings;
    }

    static void write(Map<String, String> settings, Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("# Written by EmbeddedKafkaBroker on every start; edits are overwritten.\n");
            for (Map.Entry<String, String> e : settings.entrySet()) {
                out.write(escape(e.getKey()) + "=" + escape(e.getValue()) + "\n");
            }
        }
    }

    /** Escapes what {@link java.util.Properties#load} would otherwise interpret. */
    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '=', ':', '#', '!' -> b.append('\\').append(c);
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
