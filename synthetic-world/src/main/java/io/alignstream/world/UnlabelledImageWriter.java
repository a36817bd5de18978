package io.alignstream.world;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes only the images of training-split scenes {@code [from, from + count)}, no captions:
 * TEVI's sparse autoencoder needs many image embeddings but no text, and a 3072-latent
 * dictionary learnt from the 6000 captioned images alone memorises attribute conjunctions.
 * The scenes follow the training distribution, held-out pairs included (never drawn).
 *
 * <p>Usage: {@code UnlabelledImageWriter <file> [seed] [from] [count]}; writes uint8
 * [count, 64, 64, 3] HWC RGB.
 */
public final class UnlabelledImageWriter {

    private UnlabelledImageWriter() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: UnlabelledImageWriter <file> [seed] [from] [count]");
            System.exit(2);
        }
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 7L;
        int from = args.length > 2 ? Integer.parseInt(args[2]) : 6000;
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 30000;
        write(new SyntheticWorld(seed), Path.of(args[0]), from, count);
    }

    public static void write(SyntheticWorld world, Path file, int from, int count) throws IOException {
        SceneRenderer renderer = new SceneRenderer();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            for (int i = from; i < from + count; i++) {
                out.write(renderer.render(world.scene(Split.TRAIN, i)).pixels());
            }
        }
    }
}
