package io.alignstream.runtime.image;

/**
 * What a JPEG's markers say about its colour, read before decoding: the number of components in
 * the frame header (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK) and the colour transform of an Adobe APP14
 * marker, if there is one. Scanning stops at the first start-of-scan.
 *
 * @param components     components in the first SOF marker; 0 when none was found
 * @param adobeTransform the APP14 "Adobe" marker's transform (0 none/CMYK, 1 YCbCr, 2 YCCK), or
 *                       {@link #NO_ADOBE_MARKER}
 */
record JpegStructure(int components, int adobeTransform) {

    static final int NO_ADOBE_MARKER = -1;

    boolean hasAdobeMarker() {
        return adobeTransform != NO_ADOBE_MARKER;
    }

    static JpegStructure scan(byte[] jpeg) {
        int components = 0;
        int adobeTransform = NO_ADOBE_MARKER;
        int offset = 2; // after SOI
        while (offset + 1 < jpeg.length) {
            if ((jpeg[offset] & 0xFF) != 0xFF) {
                break; // not at a marker: leave the judgement to the decoder
            }
            int marker = jpeg[offset + 1] & 0xFF;
            if (marker == 0xFF) {
                offset++; // fill byte
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                offset += 2; // markers without a length
                continue;
            }
            if (marker == 0xDA || marker == 0xD9 || offset + 3 >= jpeg.length) {
                break; // start of scan, end of image, or no room for a length
            }
            int length = ((jpeg[offset + 2] & 0xFF) << 8) | (jpeg[offset + 3] & 0xFF);
            if (length < 2) {
                break;
            }
            int data = offset + 4;
            int dataLength = length - 2;
            if (data + dataLength > jpeg.length) {
                break;
            }
            if (isStartOfFrame(marker) && components == 0 && dataLength >= 6) {
                components = jpeg[data + 5] & 0xFF;
            } else if (marker == 0xEE && dataLength >= 12 && isAdobe(jpeg, data)) {
                adobeTransform = jpeg[data + 11] & 0xFF;
            }
            offset = data + dataLength;
        }
        return new JpegStructure(components, adobeTransform);
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static boolean isAdobe(byte[] jpeg, int offset) {
        return jpeg[offset] == 'A' && jpeg[offset + 1] == 'd' && jpeg[offset + 2] == 'o'
                && jpeg[offset + 3] == 'b' && jpeg[offset + 4] == 'e';
    }
}
