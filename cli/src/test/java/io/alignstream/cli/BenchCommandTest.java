package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.bench.TopologyBenchmark;
import io.alignstream.bench.runtime.RuntimeBenchmark;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.PrecisionSetting;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What the benchmarks' options mean, read as a user types them; nothing is measured. */
class BenchCommandTest {

    @Test
    void withoutOptionsTheRuntimeBenchmarkRunsTheJarsBundleOnTheCpuWithPrecisionAuto() {
        // when nothing is given
        RuntimeBenchmark.Options options = runtime();

        // then: the jar's bundle, cpu, auto, one precision
        assertThat(options.bundle()).isEmpty();
        assertThat(options.device()).isEqualTo(DeviceSetting.CPU);
        assertThat(options.precision()).isEqualTo(PrecisionSetting.AUTO);
        assertThat(options.comparePrecisions()).isFalse();
        assertThat(options.batchSizes()).containsExactly(1, 2, 4, 8, 16, 32, 64);
    }

    @Test
    void bundleDeviceAndPrecisionAreTakenAsGiven() {
        // when a bundle, a device and a per-head precision are given
        RuntimeBenchmark.Options options = runtime("--bundle", "/tmp/b8", "--device", "TensorRT",
                "--precision", "int8,vision=fp32", "--batch-sizes", "1,64");

        // then each is read with the grammar of its configuration key
        assertThat(options.bundle()).contains(Path.of("/tmp/b8"));
        assertThat(options.device()).isEqualTo(DeviceSetting.TENSORRT);
        assertThat(options.precision()).isEqualTo(PrecisionSetting.parse("int8,vision=fp32"));
        assertThat(options.batchSizes()).isEqualTo(List.of(1, 64));
    }

    @Test
    void comparePrecisionsIsAFlag() {
        assertThat(runtime("--compare-precisions").comparePrecisions()).isTrue();
        assertThat(runtime("--compare-precisions").bundle()).isEqualTo(Optional.empty());
    }

    @Test
    void comparePrecisionsTogetherWithAPrecisionIsRefusedAsAUsageError() {
        // when both are given, then the command stops before loading anything, with exit code 2
        CommandRun run = CommandRun.of("bench", "runtime", "--compare-precisions", "--precision", "int8");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--compare-precisions runs fp32 and then int8");
    }

    @Test
    void anUnknownDeviceOrPrecisionIsRefusedNamingWhatIsAllowed() {
        CommandRun device = CommandRun.of("bench", "runtime", "--device", "tpu");
        CommandRun precision = CommandRun.of("bench", "runtime", "--precision", "int4");

        assertThat(device.exitCode()).isEqualTo(2);
        assertThat(device.err()).contains("cpu, cuda, tensorrt, auto");
        assertThat(precision.exitCode()).isEqualTo(2);
        assertThat(precision.err()).contains("int4").contains("auto, fp32, int8");
    }

    @Test
    void withoutPrecisionsTheTopologyBenchmarkMeasuresTheConfiguredOneWithTheNaiveRun() {
        TopologyBenchmark.Options options = topology();

        assertThat(options.precisions()).isEmpty();
        assertThat(options.naive()).isTrue();
    }

    @Test
    void precisionsAreSplitAtCommasThatDoNotStartAHeadsSetting() {
        // when fp32, int8 and a per-head setting are listed together
        TopologyBenchmark.Options options = topology("--precisions", "fp32,int8,int8,vision=fp32");

        // then the head's setting stays with the int8 before it
        assertThat(options.precisions()).containsExactly("fp32", "int8", "int8,vision=fp32");
    }

    @Test
    void naiveFalseSkipsTheNaiveMeasurement() {
        assertThat(topology("--naive=false").naive()).isFalse();
        assertThat(topology("--naive").naive()).isTrue();
    }

    @Test
    void precisionsTogetherWithAPrecisionSetIsRefused() {
        // when --precisions and --set alignstream.model.precision are both given, then the command
        // stops before starting a broker, naming the key, with exit code 2
        CommandRun run = CommandRun.of("bench", "topology", "--precisions", "fp32,int8",
                "--set", "alignstream.model.precision=int8");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("alignstream.model.precision");
    }

    @Test
    void anUnknownPrecisionInTheListIsRefused() {
        CommandRun run = CommandRun.of("bench", "topology", "--precisions", "fp32,fp16");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("fp16");
    }

    private static TopologyBenchmark.Options topology(String... args) {
        BenchCommand.Topology command = new BenchCommand.Topology();
        new CommandLine(command).parseArgs(args);
        return command.options();
    }

    private static RuntimeBenchmark.Options runtime(String... args) {
        BenchCommand.Runtime command = new BenchCommand.Runtime();
        new CommandLine(command).parseArgs(args);
        return command.options();
    }
}
