package io.alignstream.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading and checking JSON input with errors that name the file, the line and the field. */
final class JsonInput {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonInput() {
    }

    static void requireFile(Path file, String what) {
        if (!Files.exists(file)) {
            throw new IngestException(what + " " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new IngestException(what + " " + file + " is not a file");
        }
    }

    static JsonNode readTree(Path file, String what) {
        requireFile(file, what);
        try {
            return MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IngestException("Malformed JSON in " + what + " " + file + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": "
                    + e.getOriginalMessage());
        } catch (NoSuchFileException e) {
            throw new IngestException(what + " " + file + " does not exist");
        } catch (IOException e) {
            throw new IngestException("Cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** The text of {@code field}; numbers are written as text (COCO ids are numbers). */
    static String requiredText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IngestException(where + ": missing \"" + field + "\"");
        }
        if (!value.isValueNode()) {
            throw new IngestException(where + ": \"" + field + "\" must be a string or number, not " + value);
        }
        return value.asText();
    }

    static String optionalText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : requiredText(node, field, where);
    }

    static Integer optionalInt(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new IngestException(where + ": \"" + field + "\" must be an integer, not " + value);
        }
        return value.intValue();
    }
}
