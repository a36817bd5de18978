package io.alignstream.runtime.heads;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.InvalidBundleException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One predictor over one head's model, and the only place that touches DJL's NDArrays: every
 * call creates its inputs and receives its outputs in a fresh sub-manager that is closed before
 * returning, so native memory is released per call and only Java arrays escape.
 *
 * <p>Not thread-safe (a DJL predictor is not): callers confine it to one thread at a time.
 */
final class HeadSession implements AutoCloseable {

    private final String name;
    private final Model model;
    private final Predictor<NDList, NDList> predictor;
    private final String file;
    private final Map<String, List<Object>> declaredOutputs;
    private final List<String> outputNames;

    HeadSession(String name, Model model, BundleManifest.Head head) {
        this.name = name;
        this.model = model;
        this.file = head.file();
        this.declaredOutputs = head.outputs();
        this.outputNames = List.copyOf(head.outputs().keySet());
        this.predictor = model.newPredictor(new NoopTranslator());
    }

    /** A named input with its shape: float32 ({@code float[]}) or int64 ({@code long[]}) values. */
    record Input(String name, Object values, long... shape) {
        Input {
            if (!(values instanceof float[]) && !(values instanceof long[])) {
                throw new IllegalArgumentException(name + ": inputs are float[] or long[]");
            }
        }
    }

    /** Outputs copied to Java arrays: float outputs as float[], int64 outputs as long[]. */
    record Outputs(Map<String, Object> values, Map<String, long[]> shapes) {
        float[] floats(String output) {
            return (float[]) values.get(output);
        }

        long[] longs(String output) {
            return (long[]) values.get(output);
        }
    }

    Outputs run(Input... inputs) {
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDList list = new NDList(inputs.length);
            for (Input input : inputs) {
                NDArray array = input.values() instanceof float[] floats
                        ? scope.create(floats, new Shape(input.shape()))
                        : scope.create((long[]) input.values(), new Shape(input.shape()));
                array.setName(input.name());   // ONNX Runtime matches inputs by name
                list.add(array);
            }
            NDList result = predictor.predict(list);
            result.attach(scope);   // released with the scope, whatever manager DJL gave them
            Map<String, Object> values = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (int i = 0; i < result.size(); i++) {
                NDArray array = result.get(i);
                String output = array.getName() != null && outputNames.contains(array.getName())
                        ? array.getName() : outputNames.get(i);
                values.put(output, switch (array.getDataType()) {
                    case FLOAT32 -> array.toFloatArray();
                    case INT64 -> array.toLongArray();
                    default -> throw new IllegalStateException(name + ": output " + output + " has type "
                            + array.getDataType() + ", expected float32 or int64");
                });
                shapes.put(output, array.getShape().getShape());
                checkShape(output, array.getShape().getShape(), inputs[0].shape()[0]);
            }
            return new Outputs(values, shapes);
        } catch (TranslateException e) {
            throw new InferenceException(name + ": inference failed: " + e.getMessage(), e);
        }
    }

    /**
     * Dimensions the file leaves symbolic are only known at run time: a result that disagrees
     * with the manifest fails here, on the startup warm-up, instead of being misread later.
     */
    private void checkShape(String output, long[] actual, long batch) {
        List<Object> declared = declaredOutputs.get(output);
        boolean matches = declared != null && declared.size() == actual.length;
        for (int i = 0; matches && i < actual.length; i++) {
            Object want = declared.get(i);
            // "sequence" is the text head's token axis: any length the input had.
            matches = want instanceof Integer size ? size == actual[i] : !"batch".equals(want) || actual[i] == batch;
        }
        if (!matches) {
            throw new InvalidBundleException(file, List.of(file + ": output " + output + " has shape "
                    + Arrays.toString(actual) + " at run time but manifest.json heads." + name
                    + ".outputs." + output + " = " + declared));
        }
    }

    String name() {
        return name;
    }

    /** Splits a batch-major flat array into one array per item. */
    static List<float[]> rows(float[] flat, int batch) {
        int width = flat.length / batch;
        List<float[]> rows = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            float[] row = new float[width];
            System.arraycopy(flat, i * width, row, 0, width);
            rows.add(row);
        }
        return rows;
    }

    /** L2-normalises a vector in place (a zero vector stays zero). */
    static void normaliseInPlace(float[] vector) {
        double norm = 0;
        for (float v : vector) {
            norm += (double) v * v;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int i = 0; i < vector.length; i++) {
                vector[i] = (float) (vector[i] / norm);
            }
        }
    }

    /** Concatenates same-length items into one batch-major array, checking each length. */
    static float[] concat(String head, String input, List<float[]> items, int width) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException(head + ": empty batch");
        }
        float[] flat = new float[items.size() * width];
        for (int i = 0; i < items.size(); i++) {
            float[] item = items.get(i);
            if (item == null || item.length != width) {
                throw new IllegalArgumentException(head + ": " + input + " item " + i + " has "
                        + (item == null ? "no values" : item.length + " values") + ", expected " + width);
            }
            System.arraycopy(item, 0, flat, i * width, width);
        }
        return flat;
    }

    @Override
    public void close() {
        predictor.close();
    }
}
