package io.alignstream.world;

import java.util.List;

/**
 * One scene with its rendered image and all its captions.
 *
 * @param webCaptions    short web-like captions naming one or two attributes each
 * @param longCaption    the long multi-sentence caption naming every attribute
 * @param singleCaptions one caption per primary family naming only that family, in
 *                       {@link AttributeFamily#primaryFamilies()} order (the TEVI probe captions)
 */
public record WorldSample(
        Scene scene,
        RgbImage image,
        List<Caption> webCaptions,
        Caption longCaption,
        List<Caption> singleCaptions) {

    public WorldSample {
        webCaptions = List.copyOf(webCaptions);
        singleCaptions = List.copyOf(singleCaptions);
    }
}
