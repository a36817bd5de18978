package io.alignstream.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.PublishedRecord;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.TeviEmbedding;
import java.io.PrintWriter;

/**
 * What {@code alignstream consume} writes: each TEVI or AlignVLM embedding the one reader hands
 * on, and each delete when the reader hands tombstones on, as one JSON object a line.
 */
public final class EmbeddingExporter {
    private final EmbeddingJson json = new EmbeddingJson(new ObjectMapper());

    /**
     * Writes what {@code reader} hands on until {@code until} says or the reader is stopped. Each
     * line is flushed before the reader takes the next record, so what a group commits has been
     * written (at least once).
     *
     * @return how many records were written
     * @throws IllegalStateException naming a record that is not an embedding or cannot be read
     */
    public long export(OutputReader reader, OutputReader.Until until, PrintWriter out) {
        long written = reader.read(until, record -> {
            out.println(json.line(toJson(record)));
            out.flush();
            return true;
        }).records();
        out.flush();
        return written;
    }

    private ObjectNode toJson(PublishedRecord record) {
        EmbeddingJson.Origin origin = new EmbeddingJson.Origin(record.topic(), record.partition(), record.offset(),
                record.key());
        if (record.isTombstone()) {
            return json.delete(origin);
        }
        Object value = record.value();
        if (value instanceof TeviEmbedding tevi) {
            return json.tevi(origin, tevi);
        }
        if (value instanceof AlignVlmEmbedding alignVlm) {
            return json.alignVlm(origin, alignVlm);
        }
        throw new IllegalStateException("Record " + record + " is a " + (value == null ? "null" : value.getClass().getName())
                + ", not a TeviEmbedding or AlignVlmEmbedding");
    }
}
