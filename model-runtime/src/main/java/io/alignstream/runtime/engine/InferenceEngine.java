package io.alignstream.runtime.engine;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads ONNX models into DJL's ONNX Runtime engine on the chosen device.
 *
 * <p>Every model gets session options built here ({@link ExecutionDevice#sessionOptions}) and
 * passed to DJL as its {@code sessionOptions} load option, and the DJL model itself stays on
 * DJL's CPU device: a GPU device would make DJL append the CUDA provider a second time. Inputs
 * and outputs live in host memory either way; ONNX Runtime copies them to and from the GPU.
 * DJL does not close session options it was given, so this engine does, when closed.
 */
public final class InferenceEngine implements AutoCloseable {

    private final ExecutionDevice device;
    private final int intraOpThreads;
    private final List<OrtSession.SessionOptions> options = new ArrayList<>();

    public InferenceEngine(ExecutionDevice device, int intraOpThreads) {
        this.device = device;
        this.intraOpThreads = intraOpThreads;
        System.setProperty("ai.djl.offline", "true");   // never reach for a download at run time
    }

    /** Chooses the device for this host from the config, then opens the engine on it. */
    public static InferenceEngine open(EngineConfig config) {
        return new InferenceEngine(DeviceSelector.select(config), config.intraOpThreads());
    }

    public ExecutionDevice device() {
        return device;
    }

    /**
     * A model from ONNX bytes, ready for predictors.
     *
     * @throws DeviceUnavailableException if ONNX Runtime cannot create the session on this device
     */
    public synchronized Model load(String name, byte[] onnx) {
        Model model = Model.newInstance(name, Device.cpu(), "OnnxRuntime");
        OrtSession.SessionOptions sessionOptions = null;
        try {
            sessionOptions = device.sessionOptions(intraOpThreads);
            model.load(new ByteArrayInputStream(onnx), Map.of("sessionOptions", sessionOptions));
            options.add(sessionOptions);
            return model;
        } catch (OrtException | MalformedModelException | IOException | RuntimeException e) {
            model.close();
            if (sessionOptions != null) {
                sessionOptions.close();
            }
            throw new DeviceUnavailableException("cannot load " + name + " on " + device + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        options.forEach(OrtSession.SessionOptions::close);
        options.clear();
    }
}
