package io.alignstream.embedded.kafka;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The users a SASL/PLAIN client listener accepts, plus the broker's own user, which the broker
 * logs in as on its inter-broker listener (that is the client listener on a single node) and which
 * {@link EmbeddedKafkaBroker}'s own Admin client uses.
 *
 * <p>Kafka's PLAIN implementation keeps the users in the listener's JAAS configuration as {@code
 * user_<name>="<password>"} options, so names and passwords are limited to what that syntax
 * carries without escaping.
 */
record SaslPlainUsers(String brokerUser, String brokerPassword, Map<String, String> users) {

    /** What a JAAS option name can hold after {@code user_} without quoting. */
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    static final String MECHANISM = "PLAIN";
    static final String LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";

    SaslPlainUsers {
        requireUser(brokerUser, brokerPassword);
        users.forEach(SaslPlainUsers::requireUser);
        if (users.containsKey(brokerUser)) {
            throw new IllegalArgumentException("The user name " + brokerUser
                    + " is the embedded broker's own");
        }
        users = Map.copyOf(users);
    }

    /**
     * The client listener's {@code sasl.jaas.config}: the broker's own login (its {@code
     * username}/{@code password}, for inter-broker connections) and every accepted user.
     */
    String serverJaasConfig() {
        Map<String, String> accepted = new LinkedHashMap<>();
        accepted.put(brokerUser, brokerPassword);
        accepted.putAll(new TreeMap<>(users));
        StringBuilder jaas = new StringBuilder(LOGIN_MODULE).append(" required")
                .append(" username=\"").append(brokerUser).append('"')
                .append(" password=\"").append(brokerPassword).append('"');
        accepted.forEach((user, password) ->
                jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
        return jaas.append(';').toString();
    }

    /** A client's {@code sasl.jaas.config} for {@code user}. */
    static String clientJaasConfig(String user, String password) {
        return LOGIN_MODULE + " required username=\"" + user + "\" password=\"" + password + "\";";
    }

    static void requireUser(String user, String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (!USER_NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("A SASL/PLAIN user name here is letters, digits, '_'"
                    + " and '-': " + user);
        }
        if (password.isEmpty() || password.chars().anyMatch(c -> c == '"' || c == '\\'
                || Character.isISOControl(c))) {
            throw new IllegalArgumentException("The password of " + user + " must be non-empty,"
                    + " without quotes, backslashes or control characters");
        }
    }
}
