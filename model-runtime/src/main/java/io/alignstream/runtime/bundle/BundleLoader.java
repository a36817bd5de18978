package io.alignstream.runtime.bundle;

import io.alignstream.runtime.onnx.Initializer;
import io.alignstream.runtime.onnx.OnnxFormatException;
import io.alignstream.runtime.onnx.OnnxGraph;
import io.alignstream.runtime.retrieval.TeviDecoder;
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
 *   <li>the manifest's format is one this runtime reads (1, read as 2, or 2);</li>
 *   <li>dims agree with each other;</li>
 *   <li>every head declares exactly the inputs and outputs the runtime feeds and reads, with
 *       shapes that follow from dims;</li>
 *   <li>every listed file is present, of the listed size and SHA-256, and every head file and
 *       the golden file are listed;</li>
 *   <li>each ONNX file declares the same inputs, outputs, element types and fixed dimensions as
 *       the manifest; tevi.onnx's TopK keeps dims.sae_k latents and its decoder is readable;</li>
 *   <li>a file referenced from a Maven artifact is on the classpath with the manifest's SHA-256;
 *       the text head's tokenizer has dims.text_vocabulary entries and its word-embedding
 *       initializer, when named, is [dims.text_vocabulary, AlignVLM's width].</li>
 * </ul>
 */
public final class BundleLoader {

    public static final String MANIFEST = "manifest.json";
    /** Bundle versions whose major is listed here can be served by this runtime. */
    public static final List<Integer> SUPPORTED_MAJOR_VERSIONS = List.of(0);
    /** Manifest formats this runtime reads (docs/bundle-format-2.md). */
    public static final List<Integer> SUPPORTED_FORMATS = List.of(1, 2);
    /** Classpath resources are the project's own dependencies: bounded only against mistakes. */
    private static final long MAX_REFERENCED_BYTES = 1L << 31;
    /** ONNX opsets ONNX Runtime 1.21 (DJL 0.38's build) and later run. */
    public static final int MIN_OPSET = 7;
    public static final int MAX_OPSET = 21;

    private static final long MAX_MANIFEST_BYTES = 1 << 20;
    /** Upper bounds on sizes the runtime allocates from (far above any CLIP's). */
    static final int MAX_IMAGE_SIZE = 4096;
    static final int MAX_TEXT_LENGTH = 8192;
    static final int MAX_WIDTH = 65536;
    static final int MAX_LATENTS = 1 << 20;
    /** A referenced resource is a file name in a jar's root: no folders, nothing relative. */
    private static final Pattern RESOURCE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}\\.(onnx|json)");
    private static final Pattern SEMVER = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)([-+].*)?");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Logger LOG = LoggerFactory.getLogger(BundleLoader.class);
    /** The classpath does not change while running: hash a referenced 90 MB text head once. */
    private static final Map<String, String> RESOURCE_DIGESTS = new ConcurrentHashMap<>();
    private static final Map<String, Long> RESOURCE_SIZES = new ConcurrentHashMap<>();
    /**
     * What the checks read from a referenced graph (its inputs, outputs and initializer shapes),
     * by resource and SHA-256: parsing a 90 MB text head on every load made each load seconds.
     */
    private static final Map<String, GraphSignature> REFERENCED_GRAPHS = new ConcurrentHashMap<>();

    /** The parts of a graph the loader checks, without its weights. */
    private record GraphSignature(List<OnnxGraph.ValueInfo> inputs, List<OnnxGraph.ValueInfo> outputs,
                                  Map<String, long[]> initializerDims) {
        static GraphSignature of(OnnxGraph graph) {
            Map<String, long[]> dims = new LinkedHashMap<>();
            graph.initializers().forEach((name, initializer) -> dims.put(name, initializer.dims()));
            return new GraphSignature(graph.inputs(), graph.outputs(), dims);
        }
    }

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
        private final Map<String, BundleManifest.FileEntry> referenced = new LinkedHashMap<>();

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
            TokenizerVocabulary vocabulary = checkText(manifest);
            if (!problems.isEmpty()) {
                throw invalid(problems);
            }
            LOG.info("model bundle {} {} (format {}) from {}: checksums, dims and heads verified",
                    manifest.modelId(), manifest.version(), manifest.format(), source.describe());
            return new ModelBundle(source.describe(), manifest, files, referenced, graphs, vocabulary);
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
            if (m.head(BundleManifest.TEVI) != null || m.head(BundleManifest.ALIGN) != null) {
                Map<String, Integer> trained = new LinkedHashMap<>();
                trained.put("sae_latents", d.saeLatents());
                trained.put("sae_k", d.saeK());
                trained.put("align_vocabulary", d.alignVocabulary());
                trained.put("align_top", d.alignTop());
                trained.forEach((name, value) -> {
                    if (value == 0 && m.format() != 1) {    // format 1 reported it while reading
                        problems.add(MANIFEST + ": dims." + name + " is missing (the tevi and align heads need it)");
                    }
                });
            }
            // Sizes the runtime allocates from: a manifest cannot make it allocate gigabytes.
            bound("preprocessing.image_size", m.preprocessing().imageSize(), MAX_IMAGE_SIZE);
            m.heads().values().forEach(h -> h.text().ifPresent(t -> bound("heads.text.max_length", t.maxLength(), MAX_TEXT_LENGTH)));
            bound("dims.embedding", d.embedding(), MAX_WIDTH);
            bound("dims.patch_tokens", d.patchTokens(), MAX_WIDTH);
            bound("dims.patch_dim", d.patchDim(), MAX_WIDTH);
            bound("dims.sae_latents", d.saeLatents(), MAX_LATENTS);
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
            // Format 1's tokens are the tower's grid; a CLIP's token output adds its class token.
            if (m.format() == 1 && d.patchTokens() != 0 && grid * grid != d.patchTokens()) {
                problems.add(MANIFEST + ": dims.patch_tokens = " + d.patchTokens() + " is not a square grid");
            }
            BundleManifest.Preprocessing p = m.preprocessing();
            requireOneOf("preprocessing.layout", p.layout(), List.of("NHWC", "NCHW"));
            requireOneOf("preprocessing.channels", p.channels(), List.of("RGB"));
            requireOneOf("preprocessing.dtype", p.dtype(), List.of("float32"));
            if (p.std().stream().anyMatch(v -> !(v > 0))) {
                problems.add(MANIFEST + ": preprocessing.std = " + p.std() + ": every value must be above 0");
            }
        }

        private void bound(String field, int value, int max) {
            if (value > max) {
                problems.add(MANIFEST + ": " + field + " = " + value + ": at most " + max);
            }
        }

        private void requireOneOf(String field, String actual, List<String> expected) {
            if (!actual.isEmpty() && !expected.contains(actual)) {
                problems.add(MANIFEST + ": " + field + " = \"" + actual + "\": this runtime feeds "
                        + String.join(" or ", expected.stream().map(e -> "\"" + e + "\"").toList()));
            }
        }

        private void checkHeadDeclarations(BundleManifest m) {
            Map<String, Map<String, Map<String, HeadContract.Tensor>>> expected = HeadContract.expected(m);
            for (String head : m.heads().keySet()) {
                if (!BundleManifest.HEADS.contains(head)) {
                    problems.add(MANIFEST + ": heads." + head + " is not a head this runtime runs (expected "
                            + BundleManifest.HEADS + ")");
                }
            }
            boolean trained = m.head(BundleManifest.TEVI) != null || m.head(BundleManifest.ALIGN) != null;
            for (String head : BundleManifest.HEADS) {
                BundleManifest.Head declared = m.head(head);
                if (declared == null) {
                    // An imported bundle has its encoders only, until the trainer adds the rest.
                    if (BundleManifest.ENCODERS.contains(head) || trained) {
                        problems.add(MANIFEST + ": heads." + head + " is missing");
                    }
                    continue;
                }
                compareSignature(m, head, declared, HeadContract.INPUTS, declared.inputs(), expected.get(head).get(HeadContract.INPUTS));
                compareSignature(m, head, declared, HeadContract.OUTPUTS, declared.outputs(), expected.get(head).get(HeadContract.OUTPUTS));
            }
        }

        private void compareSignature(BundleManifest m, String head, BundleManifest.Head declaredHead, String side,
                                      Map<String, List<Object>> declared, Map<String, HeadContract.Tensor> expected) {
            String path = MANIFEST + ": heads." + head + "." + side;
            boolean inputs = side.equals(HeadContract.INPUTS);
            Map<String, String> bound = new LinkedHashMap<>();
            if (side.equals(HeadContract.INPUTS)) {
                for (String role : declaredHead.roles().keySet()) {
                    boolean known = expected.containsKey(role)
                            || HeadContract.expected(m).get(head).get(HeadContract.OUTPUTS).containsKey(role);
                    if (!known || head.equals(BundleManifest.TEVI) || head.equals(BundleManifest.ALIGN)) {
                        problems.add(MANIFEST + ": heads." + head + ".roles." + role + ": "
                                + (known ? "the " + head + " head's tensors keep their own names (no roles)"
                                : "not a role of the " + head + " head"));
                    }
                }
            }
            for (Map.Entry<String, HeadContract.Tensor> want : expected.entrySet()) {
                String tensor = declaredHead.tensor(want.getKey());
                List<Object> got = declared.get(tensor);
                String role = tensor.equals(want.getKey()) ? "" : " (role " + want.getKey() + ")";
                if (got == null) {
                    if (want.getValue().required()) {
                        problems.add(path + "." + tensor + " is missing (the runtime "
                                + (inputs ? "feeds" : "reads") + " it" + role + ")");
                    }
                    continue;
                }
                String earlier = bound.put(tensor, want.getKey());
                if (earlier != null) {
                    problems.add(path + "." + tensor + ": roles " + earlier + " and " + want.getKey()
                            + " both name it; each role needs its own tensor");
                }
                if (!want.getValue().values().equals(got)) {
                    problems.add(path + "." + tensor + role + " = " + got + " but (" + want.getValue().sources()
                            + ") = " + want.getValue().values());
                }
            }
            for (String name : declared.keySet()) {
                // Format 2 may declare outputs the runtime does not read (computed, ignored).
                if (!bound.containsKey(name) && (inputs || m.format() == 1)) {
                    problems.add(path + "." + name + " is not one the runtime knows (expected "
                            + expected.keySet().stream().map(declaredHead::tensor).toList() + ")");
                }
            }
        }

        private void checkFiles(BundleManifest m) throws IOException {
            List<String> required = new ArrayList<>();
            for (BundleManifest.Head head : m.heads().values()) {
                if (!head.file().isEmpty()) {
                    required.add(head.file());
                }
                head.int8().map(BundleManifest.Variant::file).filter(f -> !f.isEmpty()).ifPresent(required::add);
                head.text().map(BundleManifest.TextSettings::tokenizer).filter(t -> !t.isEmpty()).ifPresent(required::add);
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
                if (want.referenced()) {
                    checkReferenced(m, name, want);
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

        /**
         * A file read from a Maven artifact on the classpath: present, of the listed size (when
         * listed) and SHA-256. Its bytes are not kept; {@link ModelBundle#file} reads them again.
         */
        private void checkReferenced(BundleManifest m, String name, BundleManifest.FileEntry want) {
            ClassLoader loader = BundleLoader.class.getClassLoader();
            // Problems name the field the manifest itself wrote: format 1 named both files in text_encoder.
            BundleManifest.Head text = m.head(BundleManifest.TEXT);
            String formatOne = "text_encoder." + (text != null && name.equals(text.file()) ? "model" : "tokenizer");
            String resourceField = m.format() == 1 ? formatOne + "_resource" : "files." + name + ".resource";
            String shaField = m.format() == 1 ? formatOne + "_sha256" : "files." + name + ".sha256";
            if (!RESOURCE_NAME.matcher(want.resource()).matches()) {
                problems.add(MANIFEST + ": files." + name + ".resource = \"" + want.resource() + "\": a referenced file is"
                        + " an .onnx or .json file at the root of a Maven artifact (a plain file name)");
                return;
            }
            if (loader.getResource(want.resource()) == null) {
                problems.add(want.resource() + ": not on the classpath (manifest.json " + resourceField
                        + "); add the Maven artifact " + want.maven());
                return;
            }
            String actual;
            long size;
            try {
                actual = RESOURCE_DIGESTS.computeIfAbsent(want.resource(), r -> digestResource(loader, r));
                size = RESOURCE_SIZES.get(want.resource());
            } catch (RuntimeException e) {
                problems.add(want.resource() + ": unreadable on the classpath: " + e.getMessage());
                return;
            }
            if (want.bytes() > 0 && size != want.bytes()) {
                problems.add(want.resource() + ": " + size + " bytes but manifest.json files." + name + ".bytes = "
                        + want.bytes() + " (a different file than the bundle was built with; expected " + want.maven() + ")");
                return;
            }
            if (!actual.equals(want.sha256())) {
                // The resource's own hash is not echoed: a bundle is not a way to fingerprint the classpath.
                problems.add(want.resource() + ": its SHA-256 is not manifest.json " + shaField + " = "
                        + want.sha256() + " (a different file than the bundle was built with; expected "
                        + want.maven() + ")");
                return;
            }
            referenced.put(name, want);
        }

        /** A verified file's bytes: kept ones from memory, referenced ones read again. */
        private byte[] verified(String name) throws IOException {
            byte[] kept = files.get(name);
            if (kept != null || !referenced.containsKey(name)) {
                return kept;
            }
            return readResource(referenced.get(name));
        }

        private void checkGraphs(BundleManifest m) throws IOException {
            Map<String, Map<String, Map<String, HeadContract.Tensor>>> expected = HeadContract.expected(m);
            for (String head : BundleManifest.HEADS) {
                BundleManifest.Head declared = m.head(head);
                if (declared == null) {
                    continue;
                }
                // The TEVI head is scored from its fp32 decoder (TeviRetrievalScorer): an int8 file of it would
                // publish embeddings the monitor scores with other weights.
                if (head.equals(BundleManifest.TEVI) && declared.int8().isPresent()) {
                    problems.add(MANIFEST + ": heads.tevi.int8: the TEVI head runs in fp32 only (its decoder is read"
                            + " for retrieval scoring; docs/int8.md)");
                } else if (declared.int8().isPresent()) {
                    // An int8 file stands in for the head's fp32 file: the same tensors, checked the same way.
                    checkGraph(head, declared, declared.file(Precision.INT8), false, expected);
                }
                GraphSignature signature = checkGraph(head, declared, declared.file(), true, expected);
                if (signature == null) {
                    continue;
                }
                if (head.equals(BundleManifest.TEVI) && graphs.containsKey(head)) {
                    checkTevi(m, graphs.get(head));
                } else if (head.equals(BundleManifest.TEXT)) {
                    checkWordEmbeddings(m, declared, signature);
                }
            }
        }

        /** One file of a head against the head's declaration; null when unreadable (reported). */
        private GraphSignature checkGraph(String head, BundleManifest.Head declared, String file, boolean keep,
                                          Map<String, Map<String, Map<String, HeadContract.Tensor>>> expected)
                throws IOException {
            GraphSignature signature;
            try {
                signature = signature(head, file, keep);
            } catch (OnnxFormatException e) {
                problems.add(file + ": not a readable ONNX model: " + e.getMessage());
                return null;
            }
            if (signature == null) {
                return null;    // already reported
            }
            compareGraph(declared, file, "input", signature.inputs(), declared.inputs(), expected.get(head).get(HeadContract.INPUTS));
            compareGraph(declared, file, "output", signature.outputs(), declared.outputs(), expected.get(head).get(HeadContract.OUTPUTS));
            return signature;
        }

        /**
         * A head's checked parts: parsed from the bundle's bytes, or remembered for a referenced file.
         * {@code keep}: remember the parsed graph as the head's (its fp32 file, which the runtime reads
         * weights from).
         */
        private GraphSignature signature(String head, String file, boolean keep) throws IOException {
            BundleManifest.FileEntry reference = referenced.get(file);
            if (reference != null) {
                String key = reference.resource() + "@" + reference.sha256();
                GraphSignature known = REFERENCED_GRAPHS.get(key);
                if (known == null) {
                    known = GraphSignature.of(OnnxGraph.parse(readResource(reference)));
                    REFERENCED_GRAPHS.put(key, known);
                }
                return known;
            }
            byte[] bytes = files.get(file);
            if (bytes == null) {
                return null;
            }
            OnnxGraph graph = OnnxGraph.parse(bytes);
            if (keep) {
                graphs.put(head, graph);
            }
            return GraphSignature.of(graph);
        }

        private void compareGraph(BundleManifest.Head head, String file, String side, List<OnnxGraph.ValueInfo> actual,
                                  Map<String, List<Object>> declared, Map<String, HeadContract.Tensor> expected) {
            Map<String, OnnxGraph.ValueInfo> byName = new LinkedHashMap<>();
            actual.forEach(v -> byName.put(v.name(), v));
            Map<String, HeadContract.Tensor> byTensor = new LinkedHashMap<>();
            expected.forEach((role, tensor) -> byTensor.put(head.tensor(role), tensor));
            for (Map.Entry<String, List<Object>> want : declared.entrySet()) {
                OnnxGraph.ValueInfo got = byName.get(want.getKey());
                if (got == null) {
                    problems.add(file + ": has no " + side + " " + want.getKey() + " (manifest.json declares it; the file has "
                            + byName.keySet() + ")");
                    continue;
                }
                HeadContract.Tensor contract = byTensor.get(want.getKey());
                if (contract != null && got.elementType() != contract.elementType()) {
                    int elementType = contract.elementType();
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

        /** AlignVLM mixes these rows: they must be one per token of the tokenizer, AlignVLM's width wide. */
        private void checkWordEmbeddings(BundleManifest m, BundleManifest.Head text, GraphSignature graph) {
            String name = text.text().map(BundleManifest.TextSettings::wordEmbeddings).orElse("");
            if (name.isEmpty()) {
                if (m.head(BundleManifest.ALIGN) != null) {
                    problems.add(MANIFEST + ": heads.text.word_embeddings is missing: AlignVLM needs the matrix it mixes");
                }
                return;
            }
            java.util.Optional.ofNullable(graph.initializerDims().get(name)).ifPresentOrElse(dims -> {
                if (dims.length != 2 || dims[0] != m.dims().textVocabulary() || dims[1] != m.dims().wordWidth()) {
                    problems.add(text.file() + ": word embeddings " + name + " are " + java.util.Arrays.toString(dims)
                            + " but manifest.json dims.text_vocabulary, AlignVLM's width = [" + m.dims().textVocabulary()
                            + ", " + m.dims().wordWidth() + "]");
                }
            }, () -> problems.add(text.file() + ": has no initializer " + name
                    + " (manifest.json heads.text.word_embeddings)"));
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

        private TokenizerVocabulary checkText(BundleManifest m) throws IOException {
            BundleManifest.Head text = m.head(BundleManifest.TEXT);
            String tokenizer = text == null ? "" : text.text().map(BundleManifest.TextSettings::tokenizer).orElse("");
            byte[] bytes = tokenizer.isEmpty() ? null : verified(tokenizer);
            if (bytes == null) {
                return null;    // already reported
            }
            try {
                TokenizerVocabulary vocabulary = TokenizerVocabulary.parse(bytes);
                if (m.dims().textVocabulary() != 0 && vocabulary.size() != m.dims().textVocabulary()) {
                    problems.add(MANIFEST + ": dims.text_vocabulary = " + m.dims().textVocabulary() + " but "
                            + tokenizer + " has " + vocabulary.size() + " word pieces");
                }
                return vocabulary;
            } catch (IOException e) {
                problems.add(tokenizer + ": unreadable vocabulary: " + e.getMessage());
                return null;
            }
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
            RESOURCE_SIZES.put(resource, in.transferTo(OutputStream.nullOutputStream()));
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash " + resource, e);
        }
    }

    /** A referenced file's bytes from the classpath (checked once at load, see checkReferenced). */
    static byte[] readResource(BundleManifest.FileEntry entry) throws IOException {
        InputStream in = BundleLoader.class.getClassLoader().getResourceAsStream(entry.resource());
        if (in == null) {
            throw new IOException(entry.resource() + " is no longer on the classpath");
        }
        long max = entry.bytes() > 0 ? entry.bytes() : MAX_REFERENCED_BYTES;
        try (in) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (bytes.length > max) {
                throw new IOException(entry.resource() + " is larger than " + max + " bytes");
            }
            return bytes;
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
