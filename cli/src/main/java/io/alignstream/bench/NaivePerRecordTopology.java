package io.alignstream.bench;

import static io.alignstream.registry.serde.SpecificAvroSerde.forValues;

import io.alignstream.schemas.TopicNames;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.registry.serde.SpecificAvroSerde;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;

/**
 * <b>The benchmark's baseline, not product code</b>: the pattern the issue compares against, a
 * model call per record inside {@code mapValues}.
 *
 * <pre>
 * images   --selectKey(imageId)--mapValues(decode + vision + code + projection, batch of 1)--+--> AlignVLM embeddings
 *                                                                                           +--\
 *                                                                                               join (window stores) --mapValues(TEVI, batch of 1)--> TEVI embeddings
 * captions --selectKey(imageId)--mapValues(text embedding, batch of 1)------------------------/
 * </pre>
 *
 * The join is a stream-stream join with a one-hour window rather than a stream-table join: with
 * a backlog, captions are embedded faster than images, and a table join would drop every caption
 * whose image was not in the table yet. Both sides are repartitioned by image id (as the product
 * topology re-keys its inputs), so the work besides inference is comparable. No dead-letter
 * handling: the inputs are known good.
 */
public final class NaivePerRecordTopology {
    static final Duration JOIN_WINDOW = Duration.ofHours(1);

    private NaivePerRecordTopology() {
    }

    static Topology build(StreamsBuilder builder, TopicNames topics, Map<String, ?> serdeConfig, NaiveModelCalls calls) {
        KStream<String, NaiveModelCalls.EmbeddedImageRecord> images = builder
                .stream(topics.images(), Consumed.with(Serdes.ByteArray(), forValues(ImageEvent.class, serdeConfig)))
                .selectKey((key, image) -> image.getImageId())
                .mapValues(calls::embedImage);
        images.mapValues(NaiveModelCalls.EmbeddedImageRecord::alignVlm)
                .to(topics.alignVlm(), Produced.with(Serdes.String(), forValues(AlignVlmEmbedding.class, serdeConfig)));

        KStream<String, NaiveSerdes.CaptionVector> captions = builder
                .stream(topics.captions(), Consumed.with(Serdes.ByteArray(), forValues(CaptionEvent.class, serdeConfig)))
                .selectKey((key, caption) -> caption.getImageId())
                .mapValues(calls::embedCaption);

        captions.join(images.mapValues(NaiveModelCalls.EmbeddedImageRecord::vector), NaiveModelCalls.Pair::new,
                        JoinWindows.ofTimeDifferenceWithNoGrace(JOIN_WINDOW),
                        StreamJoined.with(Serdes.String(), NaiveSerdes.captionVector(), NaiveSerdes.imageVector())
                                .withName("naive-join"))
                .mapValues(calls::align)
                .to(topics.tevi(), Produced.with(Serdes.String(), forValues(TeviEmbedding.class, serdeConfig)));
        return builder.build();
    }

}
