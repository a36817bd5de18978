package io.alignstream.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.registry.client.FakeRegistry;
import io.alignstream.registry.client.InMemorySchemaRegistryClient;
import io.alignstream.registry.client.RestSchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClient;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RegistryClientHolder: who builds the registry client and who closes it")
class RegistryClientHolderTest {

    /** Nothing listens there; building a REST client does not connect, and a closed one fails before connecting. */
    private static final AvroSerdeConfig REST = new AvroSerdeConfig(
            Map.of("schema.registry.url", FakeRegistry.refusingUrl(), "max.retries", 0));

    /** An in-memory registry that counts its closes. */
    static final class CountingClient extends InMemorySchemaRegistryClient {
        int closes;

        @Override
        public void close() {
            closes++;
        }
    }

    @Test
    @DisplayName("with neither a client nor configure, asking for the client says what to do")
    void nothingYet() {
        RegistryClientHolder holder = new RegistryClientHolder();

        assertThat(holder.hasClient()).isFalse();
        assertThatThrownBy(() -> holder.client("KafkaAvroSerializer"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("KafkaAvroSerializer is not configured: call configure(...) or pass a "
                        + "SchemaRegistryClient to the constructor");
    }

    @Test
    @DisplayName("configure builds a client from schema.registry.url, configuring again keeps it, close closes it")
    void buildsKeepsAndCloses() {
        RegistryClientHolder holder = new RegistryClientHolder();

        SchemaRegistryClient built = holder.configure(REST);
        SchemaRegistryClient again = holder.configure(REST);
        holder.close();

        assertThat(built).isInstanceOf(RestSchemaRegistryClient.class).isSameAs(again);
        assertThatThrownBy(built::getAllSubjects).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(holder.hasClient()).as("a closed client is forgotten").isFalse();
    }

    @Test
    @DisplayName("after close, the next configure builds a new client")
    void rebuildsAfterClose() {
        RegistryClientHolder holder = new RegistryClientHolder();
        SchemaRegistryClient first = holder.configure(REST);
        holder.close();

        SchemaRegistryClient second = holder.configure(REST);

        assertThat(second).isNotSameAs(first);
        assertThat(holder.client("test")).isSameAs(second);
        holder.close();
    }

    @Test
    @DisplayName("a given client is used as it is: configure does not replace it and close does not close it")
    void givenIsNeverClosed() {
        CountingClient given = new CountingClient();
        RegistryClientHolder holder = new RegistryClientHolder(given);

        SchemaRegistryClient configured = holder.configure(REST);
        holder.close();

        assertThat(configured).isSameAs(given);
        assertThat(given.closes).isZero();
        assertThat(holder.client("test")).as("still usable after close, as before").isSameAs(given);
    }

    @Test
    @DisplayName("a lent client is used instead of building one, and left for its owner to close")
    void lentIsNeverClosed() {
        CountingClient lent = new CountingClient();
        RegistryClientHolder holder = new RegistryClientHolder();

        holder.lend(lent);
        SchemaRegistryClient configured = holder.configure(REST);
        holder.close();

        assertThat(configured).isSameAs(lent);
        assertThat(lent.closes).isZero();
    }
}
