package io.alignstream.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.ModelRef;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.events.VocabularyWeight;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * One published embedding as a JSON object, for an indexing pipeline: where it came from
 * ({@code topic}, {@code partition}, {@code offset}, {@code key}), {@code type} ({@code tevi} or
 * {@code alignvlm}, or {@code delete} for a deleted image), and every field of the record; times as ISO-8601, AlignVLM token bytes as
 * base64 ({@code tokens}, row-major {@code [tokenCount, tokenWidth]} little-endian in {@code dtype}).
 */
public final class EmbeddingJson {
    public static final String TEVI = "tevi";
    public static final String ALIGNVLM = "alignvlm";
    public static final String DELETE = "delete";

    private final ObjectMapper mapper;

    public EmbeddingJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Where a record was read from. */
    public record Origin(String topic, int partition, long offset, String key) { }

    public ObjectNode tevi(Origin origin, TeviEmbedding record) {
        ObjectNode json = header(origin, TEVI);
        json.put("imageId", record.getImageId());
        json.put("captionId", record.getCaptionId());
        json.set("model", model(record.getModel()));
        json.set("captionEmbedding", floats(record.getCaptionEmbedding()));
        json.set("alignedEmbedding", floats(record.getAlignedEmbedding()));
        json.set("queryEmbedding", record.getQueryEmbedding() == null
                ? mapper.nullNode() : floats(record.getQueryEmbedding()));
        json.set("subCaptions", record.getSubCaptions() == null
                ? mapper.nullNode() : mapper.getNodeFactory().numberNode(record.getSubCaptions().intValue()));
        json.set("rawImageEmbedding", record.getRawImageEmbedding() == null
                ? mapper.nullNode() : floats(record.getRawImageEmbedding()));
        ObjectNode codes = json.putObject("codes");
        codes.put("dictionarySize", record.getCodes().getDictionarySize());
        ArrayNode indices = codes.putArray("indices");
        record.getCodes().getIndices().forEach(indices::add);
        codes.set("values", floats(record.getCodes().getValues()));
        ObjectNode mask = json.putObject("mask");
        mask.put("mean", record.getMask().getMean());
        mask.put("density", record.getMask().getDensity());
        mask.put("activeKept", record.getMask().getActiveKept());
        ObjectNode scores = json.putObject("scores");
        scores.put("raw", record.getScores().getRaw());
        scores.put("tevi", record.getScores().getTevi());
        times(json, record.getEventTime(), record.getProcessingTime());
        return json;
    }

    /**
     * A deleted image (a tombstone, keyed by its id): on the TEVI topic every pair of the image is
     * gone, on the AlignVLM topic its record is.
     */
    public ObjectNode delete(Origin origin) {
        ObjectNode json = header(origin, DELETE);
        json.put("imageId", origin.key());
        return json;
    }

    public ObjectNode alignVlm(Origin origin, AlignVlmEmbedding record) {
        ObjectNode json = header(origin, ALIGNVLM);
        json.put("imageId", record.getImageId());
        json.set("model", model(record.getModel()));
        ArrayNode shape = json.putArray("tokenShape");
        shape.add(record.getTokenCount());
        shape.add(record.getTokenWidth());
        json.put("dtype", record.getDtype().name());
        json.put("tokens", Base64.getEncoder().encodeToString(bytes(record.getTokens())));
        json.set("pooled", floats(record.getPooled()));
        ArrayNode words = json.putArray("topWords");
        for (VocabularyWeight word : record.getTopWords()) {
            ObjectNode entry = words.addObject();
            entry.put("tokenId", word.getTokenId());
            entry.put("word", word.getWord());
            entry.put("weight", word.getWeight());
        }
        times(json, record.getEventTime(), record.getProcessingTime());
        return json;
    }

    /** One JSON Lines line (no line break). */
    public String line(JsonNode json) {
        try {
            return mapper.writeValueAsString(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ObjectNode header(Origin origin, String type) {
        ObjectNode json = mapper.createObjectNode();
        json.put("topic", origin.topic());
        json.put("partition", origin.partition());
        json.put("offset", origin.offset());
        json.put("key", origin.key());
        json.put("type", type);
        return json;
    }

    private ObjectNode model(ModelRef model) {
        ObjectNode json = mapper.createObjectNode();
        json.put("id", model.getId());
        json.put("version", model.getVersion());
        json.put("precision", model.getPrecision());    // an index must not mix fp32 and int8 unknowingly
        return json;
    }

    private ArrayNode floats(List<Float> values) {
        ArrayNode array = mapper.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static void times(ObjectNode json, Instant eventTime, Instant processingTime) {
        json.put("eventTime", eventTime.toString());
        json.put("processingTime", processingTime.toString());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
