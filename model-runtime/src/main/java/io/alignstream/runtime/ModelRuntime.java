package io.alignstream.runtime;

import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.runtime.engine.DeviceSelector;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.DeviceUnavailableException;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.ExecutionDevice;
import io.alignstream.runtime.engine.HostCapabilities;
import io.alignstream.runtime.engine.InferenceEngine;
import io.alignstream.runtime.heads.AlignVlmProjector;
import io.alignstream.runtime.heads.InferenceException;
import io.alignstream.runtime.heads.TeviAligner;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.runtime.heads.VisionTower;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle's heads (vision, text, and when trained tevi and align) loaded on one device, with
 * the text head's tokenizer, ready to hand out head instances. An imported bundle with its
 * encoders only opens too (to embed training data); asking it for a TEVI or AlignVLM head fails.
 *
 * <p>Startup does all the failing: the bundle is validated when loaded ({@link ModelBundle}),
 * the device is chosen or refused ({@link io.alignstream.runtime.engine.DeviceSelector}), and
 * {@link #open} runs each head once on a blank item so that run-time shapes are checked against
 * the manifest before any real request.
 *
 * <p>Threading: this object is thread-safe. The heads it hands out are not (each wraps one DJL
 * predictor): give each thread its own, e.g. one per batcher worker. They share this runtime's
 * ONNX Runtime sessions, which are thread-safe. Close the heads before the runtime.
 */
public final class ModelRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRuntime.class);

    private final ModelBundle bundle;
    private final InferenceEngine engine;
    private final Map<String, Model> models;
    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Precision> precisions;

    private ModelRuntime(ModelBundle bundle, InferenceEngine engine, Map<String, Model> models,
                         HuggingFaceTokenizer tokenizer, Map<String, Precision> precisions) {
        this.bundle = bundle;
        this.engine = engine;
        this.models = models;
        this.tokenizer = tokenizer;
        this.precisions = Collections.unmodifiableMap(new LinkedHashMap<>(precisions));
    }

    /** The default bundle on the CPU. */
    public static ModelRuntime openDefault() {
        return open(ModelBundle.loadDefault(), EngineConfig.defaults());
    }

    /** Loads the bundle's heads on the configured device and warms each up once. */
    public static ModelRuntime open(ModelBundle bundle, EngineConfig config) {
        return open(bundle, config, HostCapabilities.probe());
    }

    /**
     * As {@link #open(ModelBundle, EngineConfig)}, choosing the device from stated host facts.
     * With {@code auto}, a GPU device that passed the probe but still cannot load or run the
     * heads (a library mismatch the probe cannot see) falls back to the CPU, with a warning
     * saying why; an explicitly requested device never falls back.
     */
    public static ModelRuntime open(ModelBundle bundle, EngineConfig config, HostCapabilities host) {
        ExecutionDevice device = DeviceSelector.select(config, host);
        Map<String, Precision> precisions = config.precision().resolve(bundle.manifest(), device.isGpu());
        if (device.isGpu() && precisions.containsValue(Precision.INT8)) {
            // ONNX Runtime's GPU providers may lack the dynamic int8 kernels and run them on the CPU.
            LOG.warn("precision {} runs int8 heads on {}: never measured here, and int8 is for the CPU (docs/int8.md)",
                    precisions, device.kind());
        }
        try {
            return open(bundle, new InferenceEngine(device, config.intraOpThreads()), precisions);
        } catch (DeviceUnavailableException | InferenceException e) {
            if (config.device() != DeviceSetting.AUTO || !device.isGpu()) {
                throw e;
            }
            LOG.warn("auto: {} was chosen but failed at startup ({}); falling back to cpu", device.kind(), e.getMessage());
            ExecutionDevice cpu = new ExecutionDevice(DeviceSetting.AUTO, DeviceSetting.CPU, 0, config.tensorRtCache(),
                    "auto: " + device.kind() + " failed at startup: " + e.getMessage());
            return open(bundle, new InferenceEngine(cpu, config.intraOpThreads()),
                    config.precision().resolve(bundle.manifest(), false));
        }
    }

    private static ModelRuntime open(ModelBundle bundle, InferenceEngine engine, Map<String, Precision> precisions) {
        Map<String, Model> loaded = new LinkedHashMap<>();
        HuggingFaceTokenizer tokenizer = null;
        try {
            for (Map.Entry<String, Precision> head : precisions.entrySet()) {
                loaded.put(head.getKey(), engine.load(head.getKey(), bundle.headModel(head.getKey(), head.getValue())));
            }
            tokenizer = tokenizer(bundle);
            ModelRuntime runtime = new ModelRuntime(bundle, engine, loaded, tokenizer, precisions);
            runtime.warmUp();
            LOG.info("model runtime ready: {} on {}, precision {}", bundle, engine.device(), precisions);
            return runtime;
        } catch (RuntimeException | Error e) {    // an OutOfMemoryError too: the native models must not leak
            if (tokenizer != null) {
                tokenizer.close();
            }
            loaded.values().forEach(Model::close);
            engine.close();
            throw e;
        }
    }

    /** The text head's tokenizer, offline, padding off (batches pad themselves), truncating. */
    private static HuggingFaceTokenizer tokenizer(ModelBundle bundle) {
        System.setProperty("ai.djl.offline", "true");
        int maxLength = bundle.manifest().head(BundleManifest.TEXT).text().orElseThrow().maxLength();
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bundle.tokenizer()), Map.of(
                    "padding", "false",
                    "truncation", "true",
                    "maxLength", Integer.toString(maxLength)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void warmUp() {
        BundleManifest.Dims dims = bundle.dims();
        try (VisionTower tower = newVisionTower(); TextTower text = newTextTower()) {
            tower.embed(List.of(new float[tower.imageValues()]));
            text.embedAll(List.of("a photo"));
        }
        if (!bundle.manifest().servable()) {
            return;
        }
        try (TeviAligner aligner = newTeviAligner(); AlignVlmProjector projector = newAlignVlmProjector()) {
            float[] unit = new float[dims.embedding()];
            unit[0] = 1;
            aligner.align(List.of(unit), List.of(unit));
            projector.project(List.of(new float[dims.patchTokens() * dims.patchDim()]));
        }
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public ExecutionDevice device() {
        return engine.device();
    }

    /** The precision each loaded head runs in, in load order. */
    public Map<String, Precision> precisions() {
        return precisions;
    }

    /** The precision a loaded head runs in. */
    public Precision precision(String head) {
        Precision precision = precisions.get(head);
        if (precision == null) {
            throw new IllegalArgumentException(bundle + " has no " + head + " head loaded");
        }
        return precision;
    }

    /** A new vision tower for one thread. */
    public VisionTower newVisionTower() {
        return new VisionTower(model(BundleManifest.VISION), bundle.manifest());
    }

    /** A new text tower for one thread (the tokenizer is shared). */
    public TextTower newTextTower() {
        return new TextTower(model(BundleManifest.TEXT), bundle.manifest(), tokenizer);
    }

    /** A new TEVI aligner for one thread. */
    public TeviAligner newTeviAligner() {
        return new TeviAligner(model(BundleManifest.TEVI), bundle.manifest());
    }

    /** A new AlignVLM projector for one thread. */
    public AlignVlmProjector newAlignVlmProjector() {
        return new AlignVlmProjector(model(BundleManifest.ALIGN), bundle.manifest(), bundle.vocabulary());
    }

    private Model model(String head) {
        Model model = models.get(head);
        if (model == null) {
            throw new IllegalStateException(bundle + " has no " + head + " head: it holds the encoders of an"
                    + " imported model; train its heads first (docs/bring-your-own-model.md)");
        }
        return model;
    }

    @Override
    public void close() {
        tokenizer.close();
        List<Model> loaded = new ArrayList<>(models.values());
        Collections.reverse(loaded);
        loaded.forEach(Model::close);
        engine.close();
    }
}
