package io.alignstream.runtime.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of an ONNX model's graph the runtime reads without ONNX Runtime: its declared
 * inputs and outputs (to check a bundle's manifest against the file) and its initializers (to
 * read the TEVI decoder for retrieval). Parsed straight from the protobuf wire format of
 * {@code ModelProto.graph}; every other field is skipped.
 */
public final class OnnxGraph {

    // Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, ValueInfoProto, TypeProto).
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_TENSOR = 5;
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_TYPE_ELEM_TYPE = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;

    private final List<Node> nodes;
    private final Map<String, Initializer> initializers;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;

    private OnnxGraph(List<Node> nodes, Map<String, Initializer> initializers, List<ValueInfo> inputs,
                      List<ValueInfo> outputs) {
        this.nodes = Collections.unmodifiableList(nodes);
        this.initializers = Collections.unmodifiableMap(initializers);
        // Older exporters list initializers among the graph inputs too; they are not model inputs.
        this.inputs = inputs.stream().filter(i -> !initializers.containsKey(i.name())).toList();
        this.outputs = List.copyOf(outputs);
    }

    /** Parses a serialised {@code ModelProto}. The bytes are kept (initializers view them). */
    public static OnnxGraph parse(byte[] model) {
        ProtobufReader reader = new ProtobufReader(model, 0, model.length);
        OnnxGraph graph = null;
        while (reader.next()) {
            if (reader.fieldNumber() == MODEL_GRAPH && reader.wireType() == ProtobufReader.LENGTH_DELIMITED) {
                graph = parseGraph(reader.readMessage());
            } else {
                reader.skip();
            }
        }
        if (graph == null) {
            throw new OnnxFormatException("no graph in the model (ModelProto.graph missing)");
        }
        return graph;
    }

    /**
     * The default-domain opset a serialised {@code ModelProto} imports (domain "" or
     * "ai.onnx"; the highest when listed twice); -1 when it declares none. A model-level fact,
     * so read apart from the graph.
     */
    public static long defaultOpset(byte[] model) {
        ProtobufReader reader = new ProtobufReader(model, 0, model.length);
        long version = -1;
        while (reader.next()) {
            if (reader.fieldNumber() == MODEL_OPSET_IMPORT && reader.wireType() == ProtobufReader.LENGTH_DELIMITED) {
                ProtobufReader opset = reader.readMessage();
                String domain = "";
                long opsetVersion = -1;
                while (opset.next()) {
                    if (opset.fieldNumber() == OPSET_DOMAIN && opset.wireType() == ProtobufReader.LENGTH_DELIMITED) {
                        domain = opset.readString();
                    } else if (opset.fieldNumber() == OPSET_VERSION && opset.wireType() == ProtobufReader.VARINT) {
                        opsetVersion = opset.readVarint();
                    } else {
                        opset.skip();
                    }
                }
                if (domain.isEmpty() || domain.equals("ai.onnx")) {
                    version = Math.max(version, opsetVersion);
                }
            } else {
                reader.skip();
            }
        }
        return version;
    }

    private static OnnxGraph parseGraph(ProtobufReader reader) {
        List<Node> nodes = new ArrayList<>();
        Map<String, Initializer> initializers = new LinkedHashMap<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        while (reader.next()) {
            if (reader.wireType() != ProtobufReader.LENGTH_DELIMITED) {
                reader.skip();
                continue;
            }
            switch (reader.fieldNumber()) {
                case GRAPH_NODE -> nodes.add(parseNode(reader.readMessage()));
                case GRAPH_INITIALIZER -> {
                    Initializer initializer = Initializer.parse(reader.readMessage());
                    initializers.put(initializer.name(), initializer);
                }
                case GRAPH_INPUT -> inputs.add(parseValueInfo(reader.readMessage()));
                case GRAPH_OUTPUT -> outputs.add(parseValueInfo(reader.readMessage()));
                default -> reader.skip();
            }
        }
        return new OnnxGraph(nodes, initializers, inputs, outputs);
    }

    private static Node parseNode(ProtobufReader reader) {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Map<String, Initializer> tensors = new LinkedHashMap<>();
        String opType = "";
        while (reader.next()) {
            switch (reader.fieldNumber()) {
                case NODE_INPUT -> inputs.add(reader.readString());
                case NODE_OUTPUT -> outputs.add(reader.readString());
                case NODE_OP_TYPE -> opType = reader.readString();
                case NODE_ATTRIBUTE -> parseTensorAttribute(reader.readMessage(), tensors);
                default -> reader.skip();
            }
        }
        return new Node(opType, inputs, outputs, tensors);
    }

    /** Keeps tensor-valued attributes only (a Constant node's value); others are skipped. */
    private static void parseTensorAttribute(ProtobufReader reader, Map<String, Initializer> into) {
        String name = "";
        Initializer tensor = null;
        while (reader.next()) {
            if (reader.fieldNumber() == ATTRIBUTE_NAME && reader.wireType() == ProtobufReader.LENGTH_DELIMITED) {
                name = reader.readString();
            } else if (reader.fieldNumber() == ATTRIBUTE_TENSOR && reader.wireType() == ProtobufReader.LENGTH_DELIMITED) {
                tensor = Initializer.parse(reader.readMessage());
            } else {
                reader.skip();
            }
        }
        if (tensor != null) {
            into.put(name, tensor);
        }
    }

    private static ValueInfo parseValueInfo(ProtobufReader reader) {
        String name = "";
        int elementType = 0;
        List<Object> dims = new ArrayList<>();
        while (reader.next()) {
            if (reader.fieldNumber() == VALUE_INFO_NAME) {
                name = reader.readString();
            } else if (reader.fieldNumber() == VALUE_INFO_TYPE) {
                ProtobufReader type = reader.readMessage();
                while (type.next()) {
                    if (type.fieldNumber() != TYPE_TENSOR) {
                        type.skip();
                        continue;
                    }
                    ProtobufReader tensor = type.readMessage();
                    while (tensor.next()) {
                        if (tensor.fieldNumber() == TENSOR_TYPE_ELEM_TYPE) {
                            elementType = (int) tensor.readVarint();
                        } else if (tensor.fieldNumber() == TENSOR_TYPE_SHAPE) {
                            ProtobufReader shape = tensor.readMessage();
                            while (shape.next()) {
                                if (shape.fieldNumber() == SHAPE_DIM) {
                                    dims.add(parseDimension(shape.readMessage()));
                                } else {
                                    shape.skip();
                                }
                            }
                        } else {
                            tensor.skip();
                        }
                    }
                }
            } else {
                reader.skip();
            }
        }
        return new ValueInfo(name, elementType, dims);
    }

    /** A dimension is a Long (fixed size) or a String (a symbolic name such as "batch"). */
    private static Object parseDimension(ProtobufReader reader) {
        Object dimension = "?";
        while (reader.next()) {
            if (reader.fieldNumber() == DIM_VALUE && reader.wireType() == ProtobufReader.VARINT) {
                dimension = reader.readVarint();
            } else if (reader.fieldNumber() == DIM_PARAM) {
                dimension = reader.readString();
            } else {
                reader.skip();
            }
        }
        return dimension;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Map<String, Initializer> initializers() {
        return initializers;
    }

    public Optional<Initializer> initializer(String name) {
        return Optional.ofNullable(initializers.get(name));
    }

    /** The graph's real inputs (initializers excluded). */
    public List<ValueInfo> inputs() {
        return inputs;
    }

    public List<ValueInfo> outputs() {
        return outputs;
    }

    /** The nodes that read a value. */
    public List<Node> consumersOf(String value) {
        return nodes.stream().filter(n -> n.inputs().contains(value)).toList();
    }

    /** The node that writes a value, if any (graph inputs and initializers have none). */
    public Optional<Node> producerOf(String value) {
        return nodes.stream().filter(n -> n.outputs().contains(value)).findFirst();
    }

    /**
     * A constant tensor by value name: an initializer, or the value of the Constant node that
     * writes it (exporters emit small constants such as TopK's k that way).
     */
    public Optional<Initializer> constant(String value) {
        Initializer initializer = initializers.get(value);
        if (initializer != null) {
            return Optional.of(initializer);
        }
        return producerOf(value).filter(n -> n.opType().equals("Constant"))
                .map(n -> n.tensorAttributes().get("value"));
    }

    /**
     * One operator: its type, the names of the values it reads and writes, and its
     * tensor-valued attributes.
     */
    public record Node(String opType, List<String> inputs, List<String> outputs,
                       Map<String, Initializer> tensorAttributes) {
        public Node {
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
            tensorAttributes = Map.copyOf(tensorAttributes);
        }
    }

    /**
     * A declared graph input or output: name, ONNX element type ({@link Initializer#FLOAT},
     * {@link Initializer#INT64}, ...) and dimensions, each a {@code Long} or a symbolic
     * {@code String}.
     */
    public record ValueInfo(String name, int elementType, List<Object> dims) {
        public ValueInfo {
            dims = List.copyOf(dims);
        }
    }
}
