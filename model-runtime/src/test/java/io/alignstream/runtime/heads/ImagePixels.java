package io.alignstream.runtime.heads;

/** HWC RGB bytes as the vision tower's float input (raw 0..255 values, per the manifest). */
final class ImagePixels {

    private ImagePixels() {
    }

    static float[] toFloats(byte[] hwc) {
        float[] out = new float[hwc.length];
        for (int i = 0; i < hwc.length; i++) {
            out[i] = hwc[i] & 0xFF;
        }
        return out;
    }
}
