package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The label-free trainer's own unit tests (model-runtime/training/alignstream_training/
 * labelfree_test.py: outputs, manifest checksums and shapes, ONNX checker, golden outputs equal
 * a PyTorch re-run, shuffled labels train identical heads) run with the README's test command.
 */
class LabelFreeTrainerPythonTest {

    @Test
    void theTrainersPythonUnitTestsPass() {
        // when Python's unittest runs the trainer's tests, then every one passes
        String output = TrainingPython.run("labelfree_test", 300);
        assertThat(output).contains("OK").doesNotContain("FAILED");
    }
}
