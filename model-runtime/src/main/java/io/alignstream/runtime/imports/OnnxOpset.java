package io.alignstream.runtime.imports;

import io.alignstream.runtime.onnx.OnnxFormatException;
import java.nio.charset.StandardCharsets;

/**
 * The default-domain opset a model file declares ({@code ModelProto.opset_import}). A few lines of
 * protobuf wire format here, because {@link io.alignstream.runtime.onnx.OnnxGraph} reads only the
 * graph.
 */
final class OnnxOpset {

    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;

    private OnnxOpset() {
    }

    /** The version imported for domain "" (or "ai.onnx"); -1 when the file declares none. */
    static long read(byte[] model) {
        Cursor c = new Cursor(model, 0, model.length);
        long version = -1;
        while (c.hasRemaining()) {
            long key = c.varint();
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (field == MODEL_OPSET_IMPORT && wire == 2) {
                int length = c.length();
                Cursor opset = new Cursor(model, c.position, length);
                c.position += length;
                String domain = "";
                long opsetVersion = -1;
                while (opset.hasRemaining()) {
                    long k = opset.varint();
                    int f = (int) (k >>> 3);
                    int w = (int) (k & 7);
                    if (f == OPSET_DOMAIN && w == 2) {
                        int n = opset.length();
                        domain = new String(model, opset.position, n, StandardCharsets.UTF_8);
                        opset.position += n;
                    } else if (f == OPSET_VERSION && w == 0) {
                        opsetVersion = opset.varint();
                    } else {
                        opset.skip(w);
                    }
                }
                if (domain.isEmpty() || domain.equals("ai.onnx")) {
                    version = Math.max(version, opsetVersion);
                }
            } else {
                c.skip(wire);
            }
        }
        return version;
    }

    private static final class Cursor {
        private final byte[] bytes;
        private final int end;
        private int position;

        Cursor(byte[] bytes, int offset, int length) {
            this.bytes = bytes;
            this.position = offset;
            this.end = offset + length;
        }

        boolean hasRemaining() {
            return position < end;
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= end) {
                    throw new OnnxFormatException("truncated varint at byte " + position);
                }
                byte b = bytes[position++];
                result |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new OnnxFormatException("varint longer than 10 bytes at byte " + position);
        }

        int length() {
            long n = varint();
            if (n < 0 || n > end - position) {
                throw new OnnxFormatException("field declares " + n + " bytes but only " + (end - position) + " remain");
            }
            return (int) n;
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new OnnxFormatException("unsupported wire type " + wire + " at byte " + position);
            }
        }

        private void advance(int n) {
            if (end - position < n) {
                throw new OnnxFormatException("truncated at byte " + position);
            }
            position += n;
        }
    }
}
