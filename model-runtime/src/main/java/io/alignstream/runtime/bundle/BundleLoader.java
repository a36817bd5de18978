package io.alignstream.runtime.bundle;

import io.alignstream.runtime.onnx.Initializer;
import io.alignstream.runtime.onnx.OnnxFormatException;
import io.alignstream.runtime.onnx.OnnxGraph;
import io.alignstream.runtime.retrieval.TeviDecoder;
import io.alignstream.text.MiniLmTextEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and validates a bundle at startup, so that nothing fails later at inference time.
 * Checks, each reported as "file: field: what is wrong":
 * <ul>
 *   <li>manifest.json parses, every field is present and typed; the bundle version's major is
 *       supported and the ONNX opset is one ONNX Runtime runs;</li>
 *   <li>dims agree with each other and with the text encoder's width;</li>
 *   <li>every head declares exactly the inputs and outputs the runtime feeds and reads, with
 *       shapes that follow from dims;</li>
 *   <li>every listed file is present, of the listed size and SHA-256, and every head file and
 *       the golden file are listed;</li>
 *   <li>each ONNX file declares the same inputs, outputs, element types and fixed dimensions as
 *       the manifest; tevi.onnx's TopK keeps dims.sae_k latents and its decoder is readable;</li>
 *   <li>the text encoder's model and tokenizer are on the classpath with the manifest's
 *       SHA-256, and the tokenizer's vocabulary has dims.text_vocabulary entries.</li>
 * </ul>
 */
public final class BundleLoader {

    public static final String MANIFEST = "manifest.json";
    /** Bundle versions whose major is listed here can be served by this runtime. */
    public static final List<Integer> SUPPORTED_MAJOR_VERSIONS = List.of(0);
    /** ONNX opsets ONNX Runtime 1.21 (DJL 0.38's build) and later run. */
    public static final int MIN_OPSET = 7;
    public static final int MAX_OPSET = 21;

    private static final long MAX_MANIFEST_BYTES = 1 << 20;
    private static final Pattern SEMVER = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)([-+].*)?");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Logger LOG = LoggerFactory.getLogger(BundleLoader.class);
    /** The classpath does not change while running: hash the 90 MB text encoder once. */
    private static final Map<String, String> RESOURCE_DIGESTS = new ConcurrentHashMap<>();

    private BundleLoader() {
    }

    /** Reads, verifies and returns the bundle, closing the source. */
    public static ModelBundle load(BundleSource source) {
        try (source) {
            return new Validation(source).run();
        } catch (IOException e) {
            throw new InvalidBundleException(source.describe(), List.of("bundle: unreadable: " + e));
        }
    }

    /** One validation run: collects problems, throws them all at the end. */
    private static final class Validation {
        private final BundleSource source;
        private final List<String> problems = new ArrayList<>();
        private final Map<String, byte[]> files = new LinkedHashMap<>();
        private final Map<String, OnnxGraph> graphs = new LinkedHashMap<>();

        Validation(BundleSource source) {
            this.source = source;
        }

        ModelBundle run() throws IOException {
            byte[] json;
            try {
                json = source.read(MANIFEST, MAX_MANIFEST_BYTES).orElse(null);
            } catch (BundleSource.FileTooLargeException e) {
                throw invalid(MANIFEST + ": larger than " + MAX_MANIFEST_BYTES + " bytes");
            }
            if (json == null) {
                throw invalid(MANIFEST + ": not found");
            }
            BundleManifest manifest = new ManifestReader(problems).read(json);
            if (manifest == null) {
                throw invalid(problems);
            }
            checkVersions(manifest);
            checkDims(manifest);
            checkHeadDeclarations(manifest);
            checkFiles(manifest);
            checkGraphs(manifest);
            TokenizerVocabulary vocabulary = checkTextEncoder(manifest);
            if (!problems.isEmpty()) {
                throw invalid(problems);
            }
            LOG.info("model bundle {} {} from {}: checksums, dims and heads verified",
                    manifest.modelId(), manifest.version(), source.describe());
            return new ModelBundle(source.describe(), manifest, files, graphs, vocabulary);
        }

        private void checkVersions(BundleManifest m) {
            Matcher version = SEMVER.matcher(m.version());
            if (!version.matches()) {
                if (!m.version().isEmpty()) {
                    problems.add(MANIFEST + ": version = \"" + m.version() + "\" is not a semantic version (major.minor.patch)");
                }
            } else if (!SUPPORTED_MAJOR_VERSIONS.contains(Integer.parseInt(version.group(1)))) {
                problems.add(MANIFEST + ": version = " + m.version() + ": this runtime serves bundle versions "
                        + SUPPORTED_MAJOR_VERSIONS.stream().map(v -> v + ".x").toList());
            }
            if (m.onnxOpset() != 0 && (m.onnxOpset() < MIN_OPSET || m.onnxOpset() > MAX_OPSET)) {
                problems.add(MANIFEST + ": onnx_opset = " + m.onnxOpset() + ": supported are " + MIN_OPSET + ".." + MAX_OPSET);
            }
        }

        private void checkDims(BundleManifest m) {
            BundleManifest.Dims d = m.dims();
            if (d.embedding() != 0 && d.embedding() != MiniLmTextEncoder.DIMENSION) {
                problems.add(MANIFEST + ": dims.embedding = " + d.embedding() + " but the text encoder "
                        + m.textEncoder().name() + " produces " + MiniLmTextEncoder.DIMENSION + "-d embeddings");
            }
            if (d.saeK() > d.saeLatents()) {
                problems.add(MANIFEST + ": dims.sae_k = " + d.saeK() + " exceeds dims.sae_latents = " + d.saeLatents());
            }
            if (d.alignTop() > d.alignVocabulary()) {
                problems.add(MANIFEST + ": dims.align_top = " + d.alignTop() + " exceeds dims.align_vocabulary = " + d.alignVocabulary());
            }
            if (d.alignVocabulary() > d.textVocabulary()) {
                problems.add(MANIFEST + ": dims.align_vocabulary = " + d.alignVocabulary()
                        + " exceeds dims.text_vocabulary = " + d.textVocabulary());
            }
            int grid = (int) Math.round(Math.sqrt(d.patchTokens()));
            if (d.patchTokens() != 0 && grid * grid != d.patchTokens()) {
                problems.add(MANIFEST + ": dims.patch_tokens = " + d.patchTokens() + " is not a square grid");
            }
            BundleManifest.Preprocessing p = m.preprocessing();
            requireEqual("preprocessing.layout", p.layout(), "NHWC");
            requireEqual("preprocessing.channels", p.channels(), "RGB");
            requireEqual("preprocessing.dtype", p.dtype(), "float32");
        }

        private void requireEqual(String field, String actual, String expected) {
            if (!actual.isEmpty() && !actual.equals(expected)) {
                problems.add(MANIFEST + ": " + field + " = \"" + actual + "\": this runtime feeds \"" + expected + "\"");
            }
        }

        private void checkHeadDeclarations(BundleManifest m) {
            Map<String, Map<String, Map<String, HeadContract.Tensor>>> expected = HeadContract.expected(m);
            for (String head : BundleManifest.HEADS) {
                BundleManifest.Head declared = m.head(head);
                if (declared == null) {
                    problems.add(MANIFEST + ": heads." + head + " is missing");
                    continue;
                }
                compareSignature(head, "inputs", declared.inputs(), expected.get(head).get("inputs"));
                compareSignature(head, "outputs", declared.outputs(), expected.get(head).get("outputs"));
            }
        }

        private void compareSignature(String head, String side, Map<String, List<Object>> declared,
                                      Map<String, HeadContract.Tensor> expected) {
            String path = MANIFEST + ": heads." + head + "." + side;
            for (Map.Entry<String, HeadContract.Tensor> want : expected.entrySet()) {
                List<Object> got = declared.get(want.getKey());
                if (got == null) {
                    problems.add(path + "." + want.getKey() + " is missing (the runtime "
                            + (side.equals("inputs") ? "feeds" : "reads") + " it)");
                } else if (!want.getValue().values().equals(got)) {
                    problems.add(path + "." + want.getKey() + " = " + got + " but (" + want.getValue().sources()
                            + ") = " + want.getValue().values());
                }
            }
            for (String name : declared.keySet()) {
                if (!expected.containsKey(name)) {
                    problems.add(path + "." + name + " is not one the runtime knows (expected "
                            + expected.keySet() + ")");
                }
            }
        }

        private void checkFiles(BundleManifest m) throws IOException {
            List<String> required = new ArrayList<>();
            for (String head : BundleManifest.HEADS) {
                if (m.head(head) != null && !m.head(head).file().isEmpty()) {
                    required.add(m.head(head).file());
                }
            }
            if (!m.golden().isEmpty()) {
                required.add(m.golden());
            }
            for (String name : required) {
                if (!m.files().containsKey(name)) {
                    problems.add(MANIFEST + ": files." + name + " is missing: every bundle file needs its sha256 and bytes");
                }
            }
            for (Map.Entry<String, BundleManifest.FileEntry> entry : m.files().entrySet()) {
                String name = entry.getKey();
                BundleManifest.FileEntry want = entry.getValue();
                if (!SHA256.matcher(want.sha256()).matches()) {
                    if (!want.sha256().isEmpty()) {
                        problems.add(MANIFEST + ": files." + name + ".sha256 is not 64 lower-case hex digits");
                    }
                    continue;
                }
                if (want.bytes() < 0) {
                    continue;
                }
                byte[] bytes;
                try {
                    bytes = source.read(name, want.bytes()).orElse(null);
                } catch (BundleSource.FileTooLargeException e) {
                    problems.add(name + ": larger than manifest.json files." + name + ".bytes = " + want.bytes());
                    continue;
                }
                if (bytes == null) {
                    problems.add(name + ": listed in manifest.json files but missing from the bundle");
                    continue;
                }
                if (bytes.length != want.bytes()) {
                    problems.add(name + ": " + bytes.length + " bytes but manifest.json files." + name
                            + ".bytes = " + want.bytes());
                    continue;
                }
                String actual = sha256(bytes);
                if (!actual.equals(want.sha256())) {
                    problems.add(name + ": SHA-256 " + actual + " but manifest.json files." + name
                            + ".sha256 = " + want.sha256() + " (corrupt or replaced file)");
                    continue;
                }
                files.put(name, bytes);
            }
        }

        private void checkGraphs(BundleManifest m) {
            Map<String, Map<String, Map<String, HeadContract.Tensor>>> expected = HeadContract.expected(m);
            for (String head : BundleManifest.HEADS) {
                BundleManifest.Head declared = m.head(head);
                if (declared == null || !files.containsKey(declared.file())) {
                    continue;    // already reported
                }
                OnnxGraph graph;
                try {
                    graph = OnnxGraph.parse(files.get(declared.file()));
                } catch (OnnxFormatException e) {
                    problems.add(declared.file() + ": not a readable ONNX model: " + e.getMessage());
                    continue;
                }
                graphs.put(head, graph);
                compareGraph(declared.file(), "input", graph.inputs(), declared.inputs(), expected.get(head).get("inputs"));
                compareGraph(declared.file(), "output", graph.outputs(), declared.outputs(), expected.get(head).get("outputs"));
            }
            OnnxGraph tevi = graphs.get(BundleManifest.TEVI);
            if (tevi != null) {
                checkTevi(m, tevi);
            }
        }

        private void compareGraph(String file, String side, List<OnnxGraph.ValueInfo> actual,
                                  Map<String, List<Object>> declared, Map<String, HeadContract.Tensor> expected) {
            Map<String, OnnxGraph.ValueInfo> byName = new LinkedHashMap<>();
            actual.forEach(v -> byName.put(v.name(), v));
            for (Map.Entry<String, List<Object>> want : declared.entrySet()) {
                OnnxGraph.ValueInfo got = byName.get(want.getKey());
                if (got == null) {
                    problems.add(file + ": has no " + side + " " + want.getKey() + " (manifest.json declares it; the file has "
                            + byName.keySet() + ")");
                    continue;
                }
                HeadContract.Tensor contract = expected.get(want.getKey());
                int elementType = contract == null ? Initializer.FLOAT : contract.elementType();
                if (got.elementType() != elementType) {
                    problems.add(file + ": " + side + " " + got.name() + " has element type " + got.elementType()
                            + ", expected " + elementType + (elementType == Initializer.INT64 ? " (int64)" : " (float32)"));
                }
                if (got.dims().size() != want.getValue().size()) {
                    problems.add(file + ": " + side + " " + got.name() + " has rank " + got.dims().size()
                            + " but manifest.json declares " + want.getValue());
                    continue;
                }
                for (int i = 0; i < got.dims().size(); i++) {
                    Object fileDim = got.dims().get(i);
                    Object manifestDim = want.getValue().get(i);
                    // Symbolic dims in the file cannot be checked statically (exporters name
                    // inferred sizes); the runtime's first inference checks those.
                    if (fileDim instanceof Long size && !(manifestDim instanceof Integer n && n == size.intValue())) {
                        problems.add(file + ": " + side + " " + got.name() + " has shape " + got.dims()
                                + " but manifest.json heads declare " + want.getValue());
                        break;
                    }
                }
            }
            for (String name : byName.keySet()) {
                if (!declared.containsKey(name)) {
                    problems.add(file + ": " + side + " " + name + " is not declared in manifest.json");
                }
            }
        }

        private void checkTevi(BundleManifest m, OnnxGraph graph) {
            String file = m.head(BundleManifest.TEVI).file();
            graph.nodes().stream().filter(n -> n.opType().equals("TopK")).findFirst().ifPresentOrElse(topK -> {
                long[] k = topK.inputs().size() < 2 ? new long[0]
                        : graph.constant(topK.inputs().get(1)).map(Initializer::longs).orElse(new long[0]);
                if (k.length != 1) {
                    problems.add(file + ": TopK's k is not a constant; cannot confirm dims.sae_k = " + m.dims().saeK());
                } else if (k[0] != m.dims().saeK()) {
                    problems.add(MANIFEST + ": dims.sae_k = " + m.dims().saeK() + " but " + file
                            + " keeps " + k[0] + " latents (TopK k) in output sparse_codes");
                }
            }, () -> problems.add(file + ": no TopK node: not a TopK sparse autoencoder head"));
            try {
                TeviDecoder decoder = TeviDecoder.read(graph, "sparse_codes", "mask");
                if (decoder.latents() != m.dims().saeLatents() || decoder.dimension() != m.dims().embedding()) {
                    problems.add(file + ": decoder W_dec is [" + decoder.dimension() + ", " + decoder.latents()
                            + "] but manifest.json dims.embedding, dims.sae_latents = " + m.dims().embedding() + ", "
                            + m.dims().saeLatents());
                }
            } catch (OnnxFormatException e) {
                problems.add(file + ": " + e.getMessage());
            }
        }

        private TokenizerVocabulary checkTextEncoder(BundleManifest m) {
            BundleManifest.TextEncoder text = m.textEncoder();
            ClassLoader loader = BundleLoader.class.getClassLoader();
            checkResource(loader, text.modelResource(), "model_sha256", text.modelSha256(), text);
            if (!checkResource(loader, text.tokenizerResource(), "tokenizer_sha256", text.tokenizerSha256(), text)) {
                return null;
            }
            try (InputStream in = loader.getResourceAsStream(text.tokenizerResource())) {
                TokenizerVocabulary vocabulary = TokenizerVocabulary.parse(Objects.requireNonNull(in).readAllBytes());
                if (m.dims().textVocabulary() != 0 && vocabulary.size() != m.dims().textVocabulary()) {
                    problems.add(MANIFEST + ": dims.text_vocabulary = " + m.dims().textVocabulary() + " but "
                            + text.tokenizerResource() + " has " + vocabulary.size() + " word pieces");
                }
                return vocabulary;
            } catch (IOException e) {
                problems.add(text.tokenizerResource() + ": unreadable vocabulary: " + e.getMessage());
                return null;
            }
        }

        private boolean checkResource(ClassLoader loader, String resource, String field, String sha256,
                                      BundleManifest.TextEncoder text) {
            if (resource.isEmpty()) {
                return false;
            }
            if (loader.getResource(resource) == null) {
                problems.add(resource + ": text encoder resource not on the classpath (manifest.json text_encoder."
                        + (field.startsWith("model") ? "model_resource" : "tokenizer_resource")
                        + "); add the Maven artifact " + text.mavenCoordinates());
                return false;
            }
            String actual = RESOURCE_DIGESTS.computeIfAbsent(resource, r -> digestResource(loader, r));
            if (!actual.equals(sha256)) {
                problems.add(resource + ": SHA-256 " + actual + " but manifest.json text_encoder." + field + " = "
                        + sha256 + " (a different text encoder than the bundle was trained with; expected "
                        + text.mavenCoordinates() + ")");
                return false;
            }
            return true;
        }

        private InvalidBundleException invalid(String problem) {
            return invalid(List.of(problem));
        }

        private InvalidBundleException invalid(List<String> all) {
            return new InvalidBundleException(source.describe(), all);
        }
    }

    private static String digestResource(ClassLoader loader, String resource) {
        try (InputStream in = new DigestInputStream(Objects.requireNonNull(loader.getResourceAsStream(resource)),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash " + resource, e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
