package io.alignstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading the default bundle's ONNX files straight from the protobuf wire format. */
class OnnxGraphTest {

    @Test
    void declaredInputsAndOutputsAreReadWithTypesAndDims() {
        // when the AlignVLM head is parsed
        OnnxGraph align = OnnxGraph.parse(bundleFile("align.onnx"));

        // then its signature is what docs/model-bundle.md documents
        assertThat(align.inputs()).containsExactly(
                new OnnxGraph.ValueInfo("patch_tokens", Initializer.FLOAT, List.of("batch", 64L, 128L)));
        assertThat(align.outputs()).extracting(OnnxGraph.ValueInfo::name)
                .containsExactly("projected_tokens", "pooled", "top_ids", "top_weights");
        assertThat(align.outputs().get(2).elementType()).isEqualTo(Initializer.INT64);
    }

    @Test
    void theDefaultDomainOpsetIsReadFromTheModel() {
        // when the opset the AlignVLM head imports is read, then it is the bundle's onnx_opset
        assertThat(OnnxGraph.defaultOpset(bundleFile("align.onnx"))).isEqualTo(17);
        // and bytes that hold no model say so instead of guessing
        assertThat(OnnxGraph.defaultOpset(new byte[0])).isEqualTo(-1);
    }

    @Test
    void initializersDecodeToTheirDeclaredSizeAndConstantsAreFound() {
        // when the TEVI head is parsed
        OnnxGraph tevi = OnnxGraph.parse(bundleFile("tevi.onnx"));

        // then every float initializer holds exactly as many values as its dims say
        for (Initializer initializer : tevi.initializers().values()) {
            if (initializer.dataType() == Initializer.FLOAT) {
                assertThat(initializer.floats()).as(initializer.toString()).hasSize((int) initializer.elementCount());
            }
        }
        // and the TopK node's k, a Constant node's tensor attribute, is the bundle's k
        OnnxGraph.Node topK = tevi.nodes().stream().filter(n -> n.opType().equals("TopK")).findFirst().orElseThrow();
        assertThat(tevi.constant(topK.inputs().get(1)).orElseThrow().longs()).containsExactly(32L);
        // and b_dec keeps its PyTorch name with the embedding width
        assertThat(tevi.initializer("sae.b_dec").orElseThrow().dims()).containsExactly(384L);
    }

    @Test
    void aTruncatedFileIsAFormatErrorNotACrash() {
        byte[] vision = bundleFile("vision_model.onnx");
        byte[] truncated = Arrays.copyOf(vision, vision.length / 3);

        assertThatThrownBy(() -> OnnxGraph.parse(truncated))
                .isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("remain");
    }

    @Test
    void bytesThatAreNoModelAreRefused() {
        assertThatThrownBy(() -> OnnxGraph.parse("{\"not\": \"onnx\"}".getBytes()))
                .isInstanceOf(OnnxFormatException.class);
        assertThatThrownBy(() -> OnnxGraph.parse(new byte[0]))
                .hasMessage("no graph in the model (ModelProto.graph missing)");
    }

    private static byte[] bundleFile(String name) {
        try (InputStream in = OnnxGraphTest.class.getClassLoader()
                .getResourceAsStream("io/alignstream/bundle/default/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
