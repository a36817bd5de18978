package io.alignstream.runtime.imports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A bundle completed by the label-free trainer ({@code labelfree --quick}) on
 * {@code labelfree_fake}'s data and encoders, built with Debian's python3 into
 * {@code target/labelfree/NAME} (reused while the options and the training scripts are
 * unchanged). The trainer exports its caption adapter inside tevi.onnx (output
 * {@code caption_aligned}), so this is a bundle with one.
 *
 * <p>The fake data's image and caption embeddings are drawn, not computed by the fake vision and
 * text heads, so golden.json's vision and text outputs are not those heads' outputs; its tevi and
 * align outputs are the exported heads' on the golden inputs, and are exact.
 */
final class LabelFreeBundle {

    /** labelfree_fake's default embedding width. */
    static final int EMBEDDING = 48;

    private LabelFreeBundle() {
    }

    /**
     * The trained bundle; 600 fake images so that every stage chooses a trained checkpoint
     * (the untrained caption side is a validation candidate too, and it is the identity adapter).
     * {@code settings} are the trainer's {@code --set KEY=VALUE} overrides.
     */
    static synchronized Path build(String name, int images, int seed, String... settings) {
        Path dir = StandIn.moduleDir().resolve("target/labelfree").resolve(name);
        Path done = dir.resolve(".built-with");
        try {
            String marker = images + " " + seed + " " + String.join(" ", settings) + "\n" + scriptsDigest();
            if (Files.isRegularFile(done) && Files.readString(done).equals(marker)) {
                return dir.resolve("bundle");
            }
            StandIn.deleteTree(dir);
            StandIn.python("labelfree_fake", 120, List.of(dir.toString(), "--images", Integer.toString(images),
                    "--seed", Integer.toString(seed)));
            List<String> args = new java.util.ArrayList<>(List.of("--data", dir.resolve("data").toString(),
                    "--bundle", dir.resolve("bundle").toString(), "--quick"));
            for (String setting : settings) {
                args.addAll(List.of("--set", setting));
            }
            StandIn.python("labelfree", 300, args);
            Files.writeString(done, marker);
            return dir.resolve("bundle");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every training script's bytes: an edited trainer rebuilds, a rerun reuses. */
    private static String scriptsDigest() throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> scripts = Files.list(StandIn.moduleDir().resolve("training/alignstream_training"))) {
            for (Path script : scripts.filter(p -> p.toString().endsWith(".py")).sorted().toList()) {
                all.append(script.getFileName()).append(' ').append(ClipImport.sha256(Files.readAllBytes(script))).append('\n');
            }
        }
        return all.toString();
    }
}
