package io.alignstream.runtime;

import ai.djl.Model;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
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
import io.alignstream.runtime.heads.VisionTower;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle's three heads loaded on one device, ready to hand out head instances.
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
    private final Model vision;
    private final Model tevi;
    private final Model align;

    private ModelRuntime(ModelBundle bundle, InferenceEngine engine, Model vision, Model tevi, Model align) {
        this.bundle = bundle;
        this.engine = engine;
        this.vision = vision;
        this.tevi = tevi;
        this.align = align;
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
        try {
            return open(bundle, new InferenceEngine(device, config.intraOpThreads()));
        } catch (DeviceUnavailableException | InferenceException e) {
            if (config.device() != DeviceSetting.AUTO || !device.isGpu()) {
                throw e;
            }
            LOG.warn("auto: {} was chosen but failed at startup ({}); falling back to cpu", device.kind(), e.getMessage());
            ExecutionDevice cpu = new ExecutionDevice(DeviceSetting.AUTO, DeviceSetting.CPU, 0, config.tensorRtCache(),
                    "auto: " + device.kind() + " failed at startup: " + e.getMessage());
            return open(bundle, new InferenceEngine(cpu, config.intraOpThreads()));
        }
    }

    private static ModelRuntime open(ModelBundle bundle, InferenceEngine engine) {
        List<Model> loaded = new ArrayList<>();
        try {
            for (String head : BundleManifest.HEADS) {
                loaded.add(engine.load(head, bundle.headModel(head)));
            }
            ModelRuntime runtime = new ModelRuntime(bundle, engine, loaded.get(0), loaded.get(1), loaded.get(2));
            runtime.warmUp();
            LOG.info("model runtime ready: {} on {}", bundle, engine.device());
            return runtime;
        } catch (RuntimeException e) {
            loaded.forEach(Model::close);
            engine.close();
            throw e;
        }
    }

    private void warmUp() {
        BundleManifest.Dims dims = bundle.dims();
        try (VisionTower tower = newVisionTower();
             TeviAligner aligner = newTeviAligner();
             AlignVlmProjector projector = newAlignVlmProjector()) {
            tower.embed(List.of(new float[tower.imageValues()]));
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

    /** A new vision tower for one thread. */
    public VisionTower newVisionTower() {
        return new VisionTower(vision, bundle.manifest());
    }

    /** A new TEVI aligner for one thread. */
    public TeviAligner newTeviAligner() {
        return new TeviAligner(tevi, bundle.manifest());
    }

    /** A new AlignVLM projector for one thread. */
    public AlignVlmProjector newAlignVlmProjector() {
        return new AlignVlmProjector(align, bundle.manifest(), bundle.vocabulary());
    }

    @Override
    public void close() {
        List<Model> models = new ArrayList<>(List.of(vision, tevi, align));
        Collections.reverse(models);
        models.forEach(Model::close);
        engine.close();
    }
}
