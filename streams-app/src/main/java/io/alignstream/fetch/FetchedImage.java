package io.alignstream.fetch;

/**
 * The encoded bytes of one image, as fetched.
 *
 * @param bytes the encoded image (PNG, JPEG, ...), not decoded or checked here
 * @param contentType the event's content type when it has one, else the HTTP {@code Content-Type},
 *     else {@code ""}
 */
public record FetchedImage(byte[] bytes, String contentType) {

    @Override
    public String toString() {
        // The default would print an array identity; the length is what a log reader wants.
        return "FetchedImage[" + bytes.length + " bytes, contentType=" + contentType + "]";
    }
}
