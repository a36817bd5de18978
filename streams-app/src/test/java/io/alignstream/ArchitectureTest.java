package io.alignstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * How the service's packages may depend on one another, read from the {@code import} lines
 * (static ones included) of every file under {@code streams-app/src/main/java}:
 * <ul>
 *   <li>the service uses nothing of what is built on top of it or beside it (embedded broker,
 *       command line, benchmarks, synthetic world, picocli);</li>
 *   <li>only {@code io.alignstream.app} reads the configuration: lower packages take plain
 *       settings values, built by {@code AlignstreamConfig}, so configuration flows one way;</li>
 *   <li>the top-level groups ({@code app}, {@code topology}, {@code monitoring}, ..., each with
 *       its subpackages) form no cycle.</li>
 * </ul>
 */
class ArchitectureTest {
    private static final Path SOURCES = Path.of(System.getProperty("basedir", "."), "src", "main", "java");
    private static final String ROOT = "io.alignstream.";
    private static final String APP = ROOT + "app";
    private static final List<String> OUTSIDE_THE_SERVICE = List.of(ROOT + "embedded", ROOT + "cli", ROOT + "world",
            ROOT + "bench", "picocli");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+(?:\\.\\*)?)\\s*;");

    /** One import line: the file (relative to the source root), its package, and what it imports. */
    record Import(String file, String pkg, String target) {
        @Override
        public String toString() {
            return file + " imports " + target;
        }
    }

    private static final List<Import> SERVICE = read(SOURCES);

    @Test
    void theServiceImportsNothingBuiltOnTopOfItOrBesideIt() {
        // given every import of the service's sources
        // then none is of the embedded platform, the command line, the benchmarks, the world or picocli
        assertThat(outsideTheService(SERVICE)).as("imports the service must not have").isEmpty();
    }

    @Test
    void onlyTheAppReadsTheConfiguration() {
        // given every import of the service's sources
        // then only io.alignstream.app and its subpackages import io.alignstream.app or app.config
        assertThat(appImportsOutsideApp(SERVICE))
                .as("lower packages take settings values built by AlignstreamConfig; they must not import the app")
                .isEmpty();
    }

    @Test
    void theGroupsOfPackagesFormNoCycle() {
        // given every import of the service's sources, by top-level group
        // then no group depends on itself through others
        assertThat(cycle(SERVICE)).as("a cycle among the service's top-level package groups").isEmpty();
    }

    @Test
    void theSourcesAreReadAtAll() {
        // A rule over no files would pass whatever the code does.
        assertThat(groups(SERVICE)).contains("app", "topology", "deadletter", "monitoring", "liveview", "metrics",
                "fetch", "inference");
        assertThat(SERVICE).extracting(Import::target).contains(ROOT + "app.config.AlignstreamConfig");
    }

    /** The rules on planted imports: each one catches its kind of bad import, naming the file and the import. */
    @Nested
    class TheRulesCatch {
        private final Import appReadsTopology = new Import("io/alignstream/app/App.java", APP,
                ROOT + "topology.TopologySettings");

        @Test
        void anImportOfTheCommandLineOrPicocli() {
            List<Import> planted = List.of(appReadsTopology,
                    new Import("io/alignstream/topology/T.java", ROOT + "topology", ROOT + "cli.DemoCommand"),
                    new Import("io/alignstream/metrics/M.java", ROOT + "metrics", "picocli.CommandLine.Option"));

            assertThat(outsideTheService(planted)).containsExactly(
                    "io/alignstream/topology/T.java imports io.alignstream.cli.DemoCommand",
                    "io/alignstream/metrics/M.java imports picocli.CommandLine.Option");
        }

        @Test
        void aLowerPackageReadingTheConfigurationStaticallyOrNot() {
            List<Import> planted = List.of(appReadsTopology,
                    new Import("io/alignstream/app/topics/P.java", APP + ".topics", APP + ".config.AlignstreamConfig"),
                    new Import("io/alignstream/liveview/L.java", ROOT + "liveview", APP + ".config.AlignstreamConfig"),
                    new Import("io/alignstream/deadletter/D.java", ROOT + "deadletter",
                            APP + ".config.AlignstreamConfig.TOPIC_DEAD_LETTERS_CONFIG"),
                    new Import("io/alignstream/fetch/F.java", ROOT + "fetch", ROOT + "apple.Pie"));

            assertThat(appImportsOutsideApp(planted)).containsExactly(
                    "io/alignstream/liveview/L.java imports io.alignstream.app.config.AlignstreamConfig",
                    "io/alignstream/deadletter/D.java imports io.alignstream.app.config.AlignstreamConfig"
                            + ".TOPIC_DEAD_LETTERS_CONFIG");
        }

        @Test
        void aCycleThroughSubpackages() {
            List<Import> planted = List.of(appReadsTopology,
                    new Import("io/alignstream/topology/state/S.java", ROOT + "topology.state",
                            ROOT + "monitoring.window.Observation"),
                    new Import("io/alignstream/monitoring/window/W.java", ROOT + "monitoring.window",
                            ROOT + "topology.state.BinaryFormat"));

            assertThat(cycle(planted)).hasValue("topology -> monitoring -> topology:"
                    + "\n  io/alignstream/topology/state/S.java imports io.alignstream.monitoring.window.Observation"
                    + "\n  io/alignstream/monitoring/window/W.java imports io.alignstream.topology.state.BinaryFormat");
        }
    }

    // ---- the rules ----------------------------------------------------------------------------

    static List<String> outsideTheService(List<Import> imports) {
        return imports.stream()
                .filter(i -> OUTSIDE_THE_SERVICE.stream().anyMatch(banned -> within(i.target(), banned)))
                .map(Import::toString).toList();
    }

    static List<String> appImportsOutsideApp(List<Import> imports) {
        return imports.stream().filter(i -> !within(i.pkg(), APP) && within(i.target(), APP))
                .map(Import::toString).toList();
    }

    /**
     * The first cycle among the top-level groups, with an import that makes each of its steps.
     * Other modules' packages (events, runtime, ...) are nodes too, but cannot close a cycle:
     * their modules do not depend on this one.
     */
    static Optional<String> cycle(List<Import> imports) {
        Map<String, Map<String, Import>> edges = new TreeMap<>();
        for (Import i : imports) {
            String from = group(i.pkg());
            String to = group(i.target());
            if (to != null && !to.equals(from)) {
                edges.computeIfAbsent(from, g -> new TreeMap<>()).putIfAbsent(to, i);
            }
        }
        Set<String> done = new HashSet<>();
        for (String start : edges.keySet()) {
            List<String> path = new ArrayList<>();
            Optional<List<String>> found = cycleFrom(start, edges, path, done);
            if (found.isPresent()) {
                List<String> loop = found.get();
                StringBuilder text = new StringBuilder(String.join(" -> ", loop)).append(':');
                for (int k = 0; k + 1 < loop.size(); k++) {
                    text.append("\n  ").append(edges.get(loop.get(k)).get(loop.get(k + 1)));
                }
                return Optional.of(text.toString());
            }
        }
        return Optional.empty();
    }

    private static Optional<List<String>> cycleFrom(String group, Map<String, Map<String, Import>> edges,
                                                    List<String> path, Set<String> done) {
        int seen = path.indexOf(group);
        if (seen >= 0) {
            List<String> loop = new ArrayList<>(path.subList(seen, path.size()));
            loop.add(group);
            return Optional.of(loop);
        }
        if (done.contains(group)) {
            return Optional.empty();
        }
        path.add(group);
        for (String next : edges.getOrDefault(group, Map.of()).keySet()) {
            Optional<List<String>> found = cycleFrom(next, edges, path, done);
            if (found.isPresent()) {
                return found;
            }
        }
        path.remove(path.size() - 1);
        done.add(group);
        return Optional.empty();
    }

    /** The top-level groups of the files that import anything: the first package name under io.alignstream. */
    static Set<String> groups(List<Import> imports) {
        Set<String> groups = new TreeSet<>();
        imports.forEach(i -> groups.add(group(i.pkg())));
        return groups;
    }

    /** {@code topology} for {@code io.alignstream.topology.state.X}; null outside io.alignstream. */
    private static String group(String name) {
        if (!name.startsWith(ROOT)) {
            return null;
        }
        String rest = name.substring(ROOT.length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /** Whether {@code name} is {@code pkg} or inside it ({@code io.alignstream.apple} is not inside {@code io.alignstream.app}). */
    private static boolean within(String name, String pkg) {
        return name.equals(pkg) || name.startsWith(pkg + ".");
    }

    // ---- reading the sources ------------------------------------------------------------------

    private static List<Import> read(Path root) {
        List<Import> imports = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String relative = root.relativize(file).toString().replace('\\', '/');
                String pkg = null;
                Set<String> targets = new LinkedHashSet<>();
                for (String line : Files.readAllLines(file)) {
                    Matcher p = PACKAGE.matcher(line);
                    Matcher i = IMPORT.matcher(line);
                    if (p.find()) {
                        pkg = p.group(1);
                    } else if (i.find()) {
                        targets.add(i.group(1));
                    }
                }
                if (pkg == null) {
                    throw new IllegalStateException(relative + " has no package declaration");
                }
                for (String target : targets) {
                    imports.add(new Import(relative, pkg, target));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the service's sources under " + root.toAbsolutePath(), e);
        }
        return imports;
    }
}
