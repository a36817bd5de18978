package io.alignstream.registry.client;

import io.alignstream.events.CaptionEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/** Plausible next versions of the real CaptionEvent schema, for evolution tests. */
public final class EvolvedSchemas {

    private EvolvedSchemas() {
    }

    /** CaptionEvent plus a string field 'moderation' with a default: a backward-compatible change. */
    public static Schema captionWithDefaultedField() {
        return withField(CaptionEvent.getClassSchema(), new Schema.Field("moderation",
                Schema.create(Schema.Type.STRING), "Moderation verdict.", "unreviewed"));
    }

    /** CaptionEvent plus a required string field 'moderation': old data cannot be read with it. */
    public static Schema captionWithRequiredField() {
        return withField(CaptionEvent.getClassSchema(), new Schema.Field("moderation",
                Schema.create(Schema.Type.STRING), "Moderation verdict.", (Object) null));
    }

    /** CaptionEvent without its defaulted 'language' field: what an older producer may have written. */
    public static Schema captionWithoutLanguage() {
        Schema base = CaptionEvent.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : base.getFields()) {
            if (!field.name().equals("language")) {
                fields.add(new Schema.Field(field, field.schema()));
            }
        }
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    private static Schema withField(Schema base, Schema.Field extra) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : base.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        fields.add(extra);
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }
}
