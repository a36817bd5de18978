package io.alignstream.runtime.bundle;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The numeric precision a head's file computes in. Every head has an {@code fp32} file; a head
 * may also carry an {@code int8} file (its MatMul/Gemm weights quantized per output channel,
 * activations quantized per batch at run time: docs/int8.md), declared as {@code heads.<h>.int8}.
 */
public enum Precision {
    FP32,
    INT8;

    /** Parses "fp32" or "int8" (any case). */
    public static Precision parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("precision = \"" + value + "\": expected one of "
                    + Arrays.stream(values()).map(Precision::toString).collect(Collectors.joining(", ")), e);
        }
    }

    /** Each head's precision, for people: {@code vision fp32, text int8, ...}. */
    public static String describe(java.util.Map<String, Precision> byHead) {
        return byHead.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    /**
     * The label output records carry ({@code ModelRef.precision}): the one precision when every
     * head ran in it, else each head's, {@code vision=fp32,text=int8,...}.
     */
    public static String label(java.util.Map<String, Precision> byHead) {
        if (new java.util.HashSet<>(byHead.values()).size() == 1) {
            return byHead.values().iterator().next().toString();
        }
        return byHead.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
