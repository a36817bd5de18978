package io.alignstream.runtime.image;

import io.alignstream.runtime.image.ImageRejectedException.Reason;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.ImageReaderSpi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an encoded image (the bytes of an event, from anyone) into the vision tower's input for
 * one image: {@code float[height * width * 3]}, HWC, RGB, raw 0..255 values (normalisation is
 * inside the model), or an {@link ImageRejectedException} with a reason.
 *
 * <p>Checks, in this order, each before any more work is done:
 * <ol>
 *   <li>the payload is not empty ({@link Reason#EMPTY}) and not over
 *       {@link ImageLimits#maxEncodedBytes()} ({@link Reason#TOO_MANY_BYTES}), before parsing;</li>
 *   <li>its magic bytes name JPEG, PNG, GIF or BMP ({@link Reason#UNSUPPORTED_FORMAT} otherwise);
 *       the declared content type is only compared, never trusted;</li>
 *   <li>the width and height its header declares, read through the format's
 *       {@link ImageReader} without decoding, are within {@link ImageLimits#maxDeclaredPixels()}
 *       ({@link Reason#TOO_MANY_PIXELS}): decompression bombs stop here;</li>
 *   <li>it decodes completely ({@link Reason#CORRUPT} otherwise, truncation included); only the
 *       centre crop that the resize keeps is decoded.</li>
 * </ol>
 * Then it is converted to 8-bit RGB from the decoded samples (grey copied to all channels,
 * palette looked up, alpha dropped, 16-bit rounded to 8, CMYK converted), centre-cropped to the
 * target's aspect ratio and resized (area average down, bilinear up, whole values); see
 * {@code docs/preprocessing.md}. An image already at the target size comes out exactly as stored.
 *
 * <p>Thread-safe: every call makes its own reader and buffers; nothing is cached on disk (this
 * class turns ImageIO's disk cache off and reads through an in-memory stream in any case).
 */
public final class ImagePreprocessor {

    private static final Logger LOG = LoggerFactory.getLogger(ImagePreprocessor.class);
    private static final String JDK_PLUGIN_PACKAGE = "com.sun.imageio.plugins.";
    private static final int MAX_TARGET_SIDE = 4096;

    static {
        ImageIO.setUseCache(false);
    }

    private final int targetWidth;
    private final int targetHeight;
    private final ImageLimits limits;
    private final Map<ImageFormat, ImageReaderSpi> readers;

    /** The given target size with {@link ImageLimits#defaults()}. */
    public ImagePreprocessor(int targetWidth, int targetHeight) {
        this(targetWidth, targetHeight, ImageLimits.defaults());
    }

    /**
     * @param targetWidth  the model's input width (the bundle manifest's, 64 for the default bundle)
     * @param targetHeight the model's input height
     * @param limits       what an image may cost before decoding
     */
    public ImagePreprocessor(int targetWidth, int targetHeight, ImageLimits limits) {
        if (targetWidth < 1 || targetHeight < 1 || targetWidth > MAX_TARGET_SIDE || targetHeight > MAX_TARGET_SIDE) {
            throw new IllegalArgumentException("target size must be between 1 and " + MAX_TARGET_SIDE
                    + " on each side, got " + targetWidth + "x" + targetHeight);
        }
        this.targetWidth = targetWidth;
        this.targetHeight = targetHeight;
        this.limits = Objects.requireNonNull(limits, "limits");
        this.readers = readerProviders();
    }

    public int targetWidth() {
        return targetWidth;
    }

    public int targetHeight() {
        return targetHeight;
    }

    public ImageLimits limits() {
        return limits;
    }

    /** Floats per image: target height x width x 3. */
    public int inputLength() {
        return targetWidth * targetHeight * 3;
    }

    /** The formats decoded here: JPEG, PNG, GIF (first frame) and BMP. */
    public List<ImageFormat> supportedFormats() {
        return List.copyOf(readers.keySet());
    }

    /** {@link #preprocess(byte[], String)} without a declared content type. */
    public float[] preprocess(byte[] encoded) throws ImageRejectedException {
        return preprocess(encoded, null);
    }

    /**
     * The model input for one image.
     *
     * @param encoded             the image file's bytes (not modified)
     * @param declaredContentType the sender's content type, or null; a mismatch with the real
     *                            format is logged at debug level and otherwise ignored
     * @return height x width x 3 floats, HWC, RGB, whole values 0..255
     */
    public float[] preprocess(byte[] encoded, String declaredContentType) throws ImageRejectedException {
        float[] input = new float[inputLength()];
        preprocessInto(encoded, declaredContentType, input, 0);
        return input;
    }

    /**
     * Like {@link #preprocess(byte[], String)}, written into {@code destination} from
     * {@code offset} on (a slot of a batch buffer). On rejection the slot may be partly written.
     */
    public void preprocessInto(byte[] encoded, String declaredContentType, float[] destination, int offset)
            throws ImageRejectedException {
        Objects.requireNonNull(destination, "destination");
        Objects.checkFromIndexSize(offset, inputLength(), destination.length);
        ImageFormat format = checkPayload(encoded, declaredContentType);
        ImageReader reader = newReader(format);
        try (ByteArrayImageInputStream stream = new ByteArrayImageInputStream(encoded)) {
            reader.setInput(stream, true, true);
            ImageHeader header = readHeader(reader, format, declaredContentType);
            Resampler resampler = Resampler.plan(header.width(), header.height(), targetWidth, targetHeight);
            RgbRows rows = decode(reader, encoded, format, resampler.region(), header);
            resampler.resample(rows, destination, offset);
        } catch (IOException e) {
            throw corrupt(format, "could not be read", e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * Checks 1 to 3 (bytes, format, declared pixels) without decoding, and what the header says.
     * An image that passes may still be {@link Reason#CORRUPT} when decoded.
     */
    public ImageHeader inspect(byte[] encoded, String declaredContentType) throws ImageRejectedException {
        ImageFormat format = checkPayload(encoded, declaredContentType);
        ImageReader reader = newReader(format);
        try (ByteArrayImageInputStream stream = new ByteArrayImageInputStream(encoded)) {
            reader.setInput(stream, true, true);
            return readHeader(reader, format, declaredContentType);
        } catch (IOException e) {
            throw corrupt(format, "could not be read", e);
        } finally {
            reader.dispose();
        }
    }

    /** Checks 1 and 2: size, then format by magic bytes. */
    private ImageFormat checkPayload(byte[] encoded, String declaredContentType) throws ImageRejectedException {
        if (encoded == null || encoded.length == 0) {
            throw new ImageRejectedException(Reason.EMPTY, "the image payload is empty ("
                    + (encoded == null ? "null" : "0 bytes") + "); send the encoded JPEG or PNG file's bytes");
        }
        if (encoded.length > limits.maxEncodedBytes()) {
            throw new ImageRejectedException(Reason.TOO_MANY_BYTES, String.format(Locale.ROOT,
                    "the image payload is %,d bytes, over the limit of %,d bytes (maxEncodedBytes);"
                            + " send a smaller or more compressed image",
                    encoded.length, limits.maxEncodedBytes()));
        }
        Optional<ImageFormat> sniffed = ImageFormat.sniff(encoded);
        if (sniffed.isEmpty()) {
            throw new ImageRejectedException(Reason.UNSUPPORTED_FORMAT, "the payload is not an image format we"
                    + " recognise (" + encoded.length + " bytes" + declared(declaredContentType)
                    + "); send " + supportedNames());
        }
        ImageFormat format = sniffed.get();
        if (!format.decodable() || !readers.containsKey(format)) {
            throw new ImageRejectedException(Reason.UNSUPPORTED_FORMAT, format.displayName()
                    + " images are not supported" + declared(declaredContentType) + "; convert to "
                    + supportedNames());
        }
        return format;
    }

    /** Check 3: the declared size, from the header only. */
    private ImageHeader readHeader(ImageReader reader, ImageFormat format, String declaredContentType)
            throws ImageRejectedException {
        int width;
        int height;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw corrupt(format, "has a header that cannot be read", e);
        }
        if (width < 1 || height < 1) {
            throw new ImageRejectedException(Reason.CORRUPT, "the " + format.displayName() + " declares "
                    + width + " x " + height + " pixels; an image needs at least one");
        }
        long pixels = (long) width * height;
        if (pixels > limits.maxDeclaredPixels()) {
            throw new ImageRejectedException(Reason.TOO_MANY_PIXELS, String.format(Locale.ROOT,
                    "the %s declares %d x %d = %,d pixels, over the limit of %,d pixels (maxDeclaredPixels);"
                            + " downscale it before sending",
                    format.displayName(), width, height, pixels, limits.maxDeclaredPixels()));
        }
        ImageFormat declaredFormat = ImageFormat.fromContentType(declaredContentType).orElse(null);
        ImageHeader header = new ImageHeader(format, width, height, declaredFormat);
        if (header.contentTypeMismatch()) {
            LOG.debug("content type {} declared, but the bytes are {}; decoding as {}",
                    declaredContentType, format.displayName(), format.displayName());
        }
        return header;
    }

    /** Check 4: decode the region the resize needs, refusing truncated or damaged files. */
    private RgbRows decode(ImageReader reader, byte[] encoded, ImageFormat format, Rectangle region, ImageHeader header)
            throws ImageRejectedException {
        if (format == ImageFormat.PNG) {
            String problem = PngStructure.problem(encoded);
            if (problem != null) {
                throw new ImageRejectedException(Reason.CORRUPT, problem);
            }
        }
        ImageReadParam param = reader.getDefaultReadParam();
        if (region.width != header.width() || region.height != header.height()) {
            param.setSourceRegion(region);
        }
        TruncationWarnings warnings = new TruncationWarnings();
        reader.addIIOReadWarningListener(warnings);
        RgbRows rows;
        try {
            JpegStructure jpeg = format == ImageFormat.JPEG ? JpegStructure.scan(encoded) : null;
            if (jpeg != null && jpeg.components() == 4) {
                // ImageIO's colour conversion of CMYK is not Pillow's (and older JDKs refuse it):
                // take the raw samples and convert them ourselves.
                rows = RgbRows.ofCmyk(reader.readRaster(0, param), jpeg.hasAdobeMarker(), jpeg.adobeTransform() == 2);
            } else {
                BufferedImage image = reader.read(0, param);
                rows = RgbRows.of(image, format);
            }
        } catch (IOException | RuntimeException e) {
            throw corrupt(format, "could not be decoded", e);
        }
        if (!warnings.truncations.isEmpty()) {
            // A fixed sentence: the decoder's warnings are libjpeg's text, which may quote the payload.
            throw new ImageRejectedException(Reason.CORRUPT, "the " + format.displayName()
                    + " is truncated or damaged (its data ends before the image does)");
        }
        if (rows.width() != region.width || rows.height() != region.height) {
            throw new ImageRejectedException(Reason.CORRUPT, "the " + format.displayName() + " decoded to "
                    + rows.width() + " x " + rows.height() + " where its header promised a "
                    + region.width + " x " + region.height + " region");
        }
        return rows;
    }

    private ImageReader newReader(ImageFormat format) {
        try {
            return readers.get(format).createReaderInstance();
        } catch (IOException e) {
            throw new IllegalStateException("the ImageIO " + format.displayName() + " reader cannot be created", e);
        }
    }

    private static ImageRejectedException corrupt(ImageFormat format, String what, Exception cause) {
        // The decoder's own message may quote the payload (libjpeg names marker bytes, the PNG reader
        // filter bytes): only its type goes into the message; the exception stays as the cause.
        return new ImageRejectedException(Reason.CORRUPT, "the " + format.displayName() + " " + what
                + " (" + cause.getClass().getSimpleName() + "); it is damaged or truncated", cause);
    }

    private String supportedNames() {
        List<String> names = new ArrayList<>();
        for (ImageFormat format : readers.keySet()) {
            names.add(format.displayName());
        }
        if (names.size() < 2) {
            return String.join("", names);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    private static String declared(String contentType) {
        return contentType == null ? "" : ", declared as '" + contentType + "'";
    }

    /**
     * The reader provider for each decodable format: the JDK's own plugin when there is one, so
     * that results do not depend on which ImageIO plugins happen to be on the class path.
     */
    private static Map<ImageFormat, ImageReaderSpi> readerProviders() {
        Map<ImageFormat, ImageReaderSpi> providers = new EnumMap<>(ImageFormat.class);
        for (ImageFormat format : ImageFormat.values()) {
            if (!format.decodable()) {
                continue;
            }
            ImageReaderSpi chosen = null;
            Iterator<ImageReader> candidates = ImageIO.getImageReadersByFormatName(format.imageIoName());
            while (candidates.hasNext()) {
                ImageReader candidate = candidates.next();
                ImageReaderSpi provider = candidate.getOriginatingProvider();
                candidate.dispose();
                if (provider == null) {
                    continue;
                }
                if (chosen == null || provider.getClass().getName().startsWith(JDK_PLUGIN_PACKAGE)) {
                    chosen = provider;
                }
            }
            if (chosen != null) {
                providers.put(format, chosen);
            }
        }
        return Collections.unmodifiableMap(providers);
    }

    /** Collects reader warnings that mean the data ended early (the JPEG reader only warns). */
    private static final class TruncationWarnings implements IIOReadWarningListener {
        private final List<String> truncations = new ArrayList<>(1);

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String text = warning.toLowerCase(Locale.ROOT);
            if (text.contains("truncated") || text.contains("premature end")) {
                truncations.add(warning);
            }
        }
    }
}
