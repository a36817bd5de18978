package io.alignstream.registry.serde;

import java.nio.ByteBuffer;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.errors.SerializationException;

/** What the Serdes accept and return besides records: Avro's primitive types. */
final class AvroData {

    private static final Schema NULL = Schema.create(Schema.Type.NULL);
    private static final Schema BOOLEAN = Schema.create(Schema.Type.BOOLEAN);
    private static final Schema INT = Schema.create(Schema.Type.INT);
    private static final Schema LONG = Schema.create(Schema.Type.LONG);
    private static final Schema FLOAT = Schema.create(Schema.Type.FLOAT);
    private static final Schema DOUBLE = Schema.create(Schema.Type.DOUBLE);
    private static final Schema STRING = Schema.create(Schema.Type.STRING);
    private static final Schema BYTES = Schema.create(Schema.Type.BYTES);

    private AvroData() {
    }

    /** The schema to write {@code datum} with. */
    static Schema schemaOf(Object datum) {
        if (datum instanceof GenericContainer container) {
            return container.getSchema();
        }
        if (datum == null) {
            return NULL;
        }
        if (datum instanceof Boolean) {
            return BOOLEAN;
        }
        if (datum instanceof Integer) {
            return INT;
        }
        if (datum instanceof Long) {
            return LONG;
        }
        if (datum instanceof Float) {
            return FLOAT;
        }
        if (datum instanceof Double) {
            return DOUBLE;
        }
        if (datum instanceof CharSequence) {
            return STRING;
        }
        if (datum instanceof byte[] || datum instanceof ByteBuffer) {
            return BYTES;
        }
        throw new SerializationException("Cannot serialize a " + datum.getClass().getName() + " as Avro: expected "
                + "a GenericRecord, a generated SpecificRecord, or a primitive (null, Boolean, Integer, Long, Float, "
                + "Double, CharSequence, byte[], ByteBuffer)");
    }

    /** What the datum writers expect for a top-level datum. */
    static Object toAvro(Object datum) {
        return datum instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : datum;
    }

    /** The Java types returned for top-level primitives: String, not Utf8; byte[], not ByteBuffer. */
    static Object fromAvro(Object datum) {
        if (datum instanceof Utf8 utf8) {
            return utf8.toString();
        }
        if (datum instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
        return datum;
    }

    /** The data model for generic records: plain, or with the standard logical type conversions. */
    static GenericData genericData(boolean logicalTypeConverters) {
        if (!logicalTypeConverters) {
            return GenericData.get();
        }
        GenericData data = new GenericData();
        data.addLogicalTypeConversion(new Conversions.DecimalConversion());
        data.addLogicalTypeConversion(new Conversions.UUIDConversion());
        data.addLogicalTypeConversion(new TimeConversions.DateConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
        data.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
        data.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
        return data;
    }
}
