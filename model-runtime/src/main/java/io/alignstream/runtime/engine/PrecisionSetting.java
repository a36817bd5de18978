package io.alignstream.runtime.engine;

import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.Precision;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which precision each head runs in: {@code alignstream.model.precision} (docs/int8.md).
 *
 * <p>A comma-separated list of one default and any per-head choices, e.g. {@code auto},
 * {@code fp32}, {@code int8} or {@code int8,vision=fp32}:
 * <ul>
 *   <li>{@code auto} (the default): int8 for each head whose bundle carries an int8 file not
 *       marked {@code "auto": false}, when the heads run on the CPU (where int8 matrix multiplies
 *       are several times faster); fp32 on a GPU and for the other heads. A bundle's builder
 *       measures each int8 file's quality cost against fp32 and marks those beyond the bound
 *       (docs/int8.md).</li>
 *   <li>{@code fp32}: every head in fp32.</li>
 *   <li>{@code int8}: int8 for every head that has an int8 file, fp32 for the others.</li>
 *   <li>{@code <head>=fp32|int8}: that head so; asking int8 of a head without an int8 file is
 *       refused at startup, not quietly run in fp32.</li>
 * </ul>
 */
public record PrecisionSetting(Choice fallback, Map<String, Precision> perHead) {

    /** The default for heads not named. */
    public enum Choice {
        AUTO, FP32, INT8;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final PrecisionSetting AUTO = new PrecisionSetting(Choice.AUTO, Map.of());
    public static final PrecisionSetting FP32 = new PrecisionSetting(Choice.FP32, Map.of());
    public static final PrecisionSetting INT8 = new PrecisionSetting(Choice.INT8, Map.of());

    public PrecisionSetting {
        // Head order (BundleManifest.HEADS), so the setting prints the same way in every run.
        Map<String, Precision> ordered = new LinkedHashMap<>();
        for (String head : BundleManifest.HEADS) {
            if (perHead.containsKey(head)) {
                ordered.put(head, perHead.get(head));
            }
        }
        perHead = java.util.Collections.unmodifiableMap(ordered);
    }

    /** Parses the setting's text; the message names what was wrong. */
    public static PrecisionSetting parse(String value) {
        Choice fallback = null;
        Map<String, Precision> perHead = new LinkedHashMap<>();
        for (String part : value.split(",", -1)) {
            String item = part.trim().toLowerCase(Locale.ROOT);
            int equals = item.indexOf('=');
            if (equals < 0) {
                if (fallback != null) {
                    throw invalid(value, "more than one default (" + fallback + ", " + item + ")");
                }
                fallback = choice(value, item);
                continue;
            }
            String head = item.substring(0, equals).trim();
            if (!BundleManifest.HEADS.contains(head)) {
                throw invalid(value, "\"" + head + "\" is not a head (" + String.join(", ", BundleManifest.HEADS) + ")");
            }
            Precision precision;
            try {
                precision = Precision.parse(item.substring(equals + 1));
            } catch (IllegalArgumentException e) {
                throw invalid(value, e.getMessage());
            }
            if (perHead.put(head, precision) != null) {
                throw invalid(value, head + " is named twice");
            }
        }
        return new PrecisionSetting(fallback == null ? Choice.AUTO : fallback, perHead);
    }

    private static Choice choice(String value, String item) {
        try {
            return Choice.valueOf(item.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid(value, "\"" + item + "\" is not auto, fp32, int8 or <head>=fp32|int8");
        }
    }

    private static IllegalArgumentException invalid(String value, String why) {
        return new IllegalArgumentException("precision = \"" + value + "\": " + why);
    }

    /**
     * Each present head's precision for this bundle on this device.
     *
     * @throws IllegalArgumentException when a head is asked for int8 by name and has no int8 file
     */
    public Map<String, Precision> resolve(BundleManifest manifest, boolean gpu) {
        Map<String, Precision> out = new LinkedHashMap<>();
        for (String head : BundleManifest.HEADS) {
            BundleManifest.Head declared = manifest.head(head);
            if (declared == null) {
                continue;
            }
            Precision named = perHead.get(head);
            if (named != null && !declared.has(named)) {
                throw new IllegalArgumentException("precision: " + head + "=" + named + " but " + manifest.modelId()
                        + " " + manifest.version() + " has no " + named + " file for its " + head + " head");
            }
            Precision chosen = Optional.ofNullable(named).orElseGet(() -> switch (fallback) {
                case FP32 -> Precision.FP32;
                case INT8 -> declared.has(Precision.INT8) ? Precision.INT8 : Precision.FP32;
                case AUTO -> !gpu && declared.int8().filter(BundleManifest.Variant::auto).isPresent()
                        ? Precision.INT8 : Precision.FP32;
            });
            out.put(head, chosen);
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(fallback.toString());
        perHead.forEach((head, precision) -> out.append(',').append(head).append('=').append(precision));
        return out.toString();
    }
}
