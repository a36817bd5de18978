package io.alignstream.runtime.imports;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a model once in ONNX Runtime (through DJL, on the CPU) and keeps what came out. Exported
 * graphs often declare output dims symbolically ({@code Addlast_hidden_state_dim_1}); the sizes
 * the importer writes into the manifest are the ones a real run produces.
 */
final class TrialRun {

    /** One named input: float32 or int64 values with a shape. */
    record Feed(String name, Object values, long... shape) {
    }

    /** One output as it came out: its shape, and its values when float32 (null otherwise). */
    record Output(long[] shape, float[] floats) {
    }

    private TrialRun() {
    }

    /**
     * @param outputNames the file's declared outputs in order, to name results the engine leaves unnamed
     * @throws IllegalStateException with ONNX Runtime's message when the model cannot be loaded or run
     */
    static Map<String, Output> run(String file, byte[] onnx, List<String> outputNames, List<Feed> feeds) {
        System.setProperty("ai.djl.offline", "true");   // never reach for a download
        try (Model model = Model.newInstance(file, "OnnxRuntime")) {
            model.load(new ByteArrayInputStream(onnx), Map.of());
            try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
                 NDManager scope = model.getNDManager().newSubManager()) {
                NDList inputs = new NDList(feeds.size());
                for (Feed feed : feeds) {
                    NDArray array = feed.values() instanceof float[] f ? scope.create(f, new Shape(feed.shape()))
                            : scope.create((long[]) feed.values(), new Shape(feed.shape()));
                    array.setName(feed.name());   // ONNX Runtime matches inputs by name
                    inputs.add(array);
                }
                NDList result = predictor.predict(inputs);
                result.attach(scope);
                Map<String, Output> outputs = new LinkedHashMap<>();
                for (int i = 0; i < result.size(); i++) {
                    NDArray array = result.get(i);
                    String name = array.getName() != null && outputNames.contains(array.getName())
                            ? array.getName() : outputNames.get(i);
                    float[] floats = array.getDataType() == DataType.FLOAT32 ? array.toFloatArray() : null;
                    outputs.put(name, new Output(array.getShape().getShape(), floats));
                }
                return outputs;
            }
        } catch (IOException | MalformedModelException | TranslateException | RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new IllegalStateException(message.strip(), e);
        }
    }
}
