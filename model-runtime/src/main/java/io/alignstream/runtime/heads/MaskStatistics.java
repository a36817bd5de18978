package io.alignstream.runtime.heads;

/**
 * How much of an image's code a caption's TEVI mask keeps.
 *
 * @param mean      mean mask value over the whole dictionary
 * @param density   share of dictionary latents with mask above 0.5 (kept rather than dropped)
 * @param keptMass  sum(z * mask) / sum(z) over the image's active latents: the share of the code's
 *                  activation mass the caption keeps (0 for an all-zero code)
 */
public record MaskStatistics(double mean, double density, double keptMass) {

    static MaskStatistics of(float[] mask, SparseCode code) {
        double sum = 0;
        int above = 0;
        for (float m : mask) {
            sum += m;
            if (m > 0.5f) {
                above++;
            }
        }
        double mass = 0;
        double kept = 0;
        for (int i = 0; i < code.size(); i++) {
            mass += code.values()[i];
            kept += code.values()[i] * mask[code.indices()[i]];
        }
        return new MaskStatistics(sum / mask.length, (double) above / mask.length, mass == 0 ? 0 : kept / mass);
    }
}
