package io.alignstream.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code promtool test rules} case built from series a registry exported after each window:
 * every window's values are held for {@link #HOLD_MINUTES} one-minute samples (a gauge holds the
 * last window's figure until the next window closes; holding it longer than the longest
 * {@code for:} of the alerts lets each window fire or not on its own), and at the end of each
 * window the expected alerts are the series whose value breaks the alert's threshold (read from
 * the project's {@code ops/prometheus/alerts.yml}, like the annotations the alerts must carry).
 * promtool then evaluates the project's real recording and alert rules over those series.
 */
final class PromtoolAlertCase {
    static final int HOLD_MINUTES = 35;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final Pattern THRESHOLD = Pattern.compile("([<>])\\s*([0-9.]+)\\s*$");
    private static final Pattern TEMPLATE = Pattern.compile("\\{\\{\\s*(.+?)\\s*}}");

    /** An alert of alerts.yml: its threshold (the comparison ending its expression), labels, annotations, for. */
    record Alert(String name, boolean below, double threshold, Map<String, String> labels, Map<String, String> annotations,
                 String forDuration) {
        boolean breaks(double value) {
            return below ? value < threshold : value > threshold;
        }
    }

    /** One alert the case checks: which series it watches (by selector) and the value it compares. */
    record Check(Alert alert, Predicate<String> watches, ValueOf valueOf) {
    }

    /** The value an alert compares for a watched series in one window's scrape (null: no sample). */
    interface ValueOf {
        Double of(String selector, SortedMap<String, Double> window);
    }

    /** A firing alert expected at the end of a window. */
    record Expected(int window, String alert, Map<String, String> labels, double value) {
    }

    private final Path repositoryRoot;
    private final Map<String, Alert> alerts = new LinkedHashMap<>();

    PromtoolAlertCase(Path repositoryRoot) {
        this.repositoryRoot = repositoryRoot;
        try {
            JsonNode rules = YAML.readTree(repositoryRoot.resolve("ops/prometheus/alerts.yml").toFile());
            for (JsonNode group : rules.path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (!rule.has("alert")) {
                        continue;
                    }
                    Matcher m = THRESHOLD.matcher(rule.path("expr").asText().trim());
                    Map<String, String> labels = new TreeMap<>();
                    rule.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                    Map<String, String> annotations = new TreeMap<>();
                    rule.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
                    String name = rule.path("alert").asText();
                    boolean comparison = m.find();
                    alerts.put(name, new Alert(name, comparison && m.group(1).equals("<"),
                            comparison ? Double.parseDouble(m.group(2)) : Double.NaN, labels, annotations, rule.path("for").asText()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Alert alert(String name) {
        Alert alert = alerts.get(name);
        if (alert == null || Double.isNaN(alert.threshold())) {
            throw new IllegalStateException("no alert " + name + " ending in a threshold comparison in ops/prometheus/alerts.yml");
        }
        return alert;
    }

    /** The repository root: the first folder from the working directory up that holds ops/prometheus/alerts.yml. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("ops/prometheus/alerts.yml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no ops/prometheus/alerts.yml above " + Path.of("").toAbsolutePath());
    }

    /** The alerts expected to fire at the end of each window: every watched series whose value breaks the threshold. */
    static List<Expected> expected(List<SortedMap<String, Double>> windows, List<Check> checks) {
        List<Expected> out = new ArrayList<>();
        for (int w = 0; w < windows.size(); w++) {
            for (Check check : checks) {
                for (String selector : windows.get(w).keySet()) {
                    if (!check.watches().test(selector)) {
                        continue;
                    }
                    Double value = check.valueOf().of(selector, windows.get(w));
                    if (value != null && check.alert().breaks(value)) {
                        out.add(new Expected(w, check.alert().name(), labels(selector), value));
                    }
                }
            }
        }
        return out;
    }

    /** Writes the promtool test file for these windows and expectations. */
    Path write(Path file, String name, List<SortedMap<String, Double>> windows, List<Check> checks, List<Expected> expected) {
        TreeSet<String> selectors = new TreeSet<>();
        windows.forEach(w -> selectors.addAll(w.keySet()));
        List<Map<String, Object>> series = new ArrayList<>();
        for (String selector : selectors) {
            StringBuilder values = new StringBuilder();
            for (SortedMap<String, Double> window : windows) {
                Double value = window.get(selector);
                // "axN" is N+1 samples of a; "_xN" is N missing samples
                values.append(value == null ? "_x" + HOLD_MINUTES : value + "x" + (HOLD_MINUTES - 1)).append(' ');
            }
            series.add(Map.of("series", selector, "values", values.toString().trim()));
        }
        List<Map<String, Object>> ruleTests = new ArrayList<>();
        for (int w = 0; w < windows.size(); w++) {
            for (Check check : checks) {
                List<Map<String, Object>> firing = new ArrayList<>();
                for (Expected e : expected) {
                    if (e.window() == w && e.alert().equals(check.alert().name())) {
                        Map<String, String> labels = new TreeMap<>(check.alert().labels());
                        labels.putAll(e.labels());
                        Map<String, String> annotations = new TreeMap<>();
                        check.alert().annotations().forEach((k, v) -> annotations.put(k, render(v, e.labels(), e.value())));
                        firing.add(Map.of("exp_labels", labels, "exp_annotations", annotations));
                    }
                }
                Map<String, Object> ruleTest = new LinkedHashMap<>();
                ruleTest.put("eval_time", (w * HOLD_MINUTES + HOLD_MINUTES - 1) + "m");
                ruleTest.put("alertname", check.alert().name());
                ruleTest.put("exp_alerts", firing);
                ruleTests.add(ruleTest);
            }
        }
        Map<String, Object> test = new LinkedHashMap<>();
        test.put("name", name);
        test.put("interval", "1m");
        test.put("input_series", series);
        test.put("alert_rule_test", ruleTests);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rule_files", List.of(repositoryRoot.resolve("ops/prometheus/recording.yml").toString(),
                repositoryRoot.resolve("ops/prometheus/alerts.yml").toString()));
        root.put("evaluation_interval", "15s");
        root.put("tests", List.of(test));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "# Generated by " + MonitorDegradationTest.class.getName() + " from the gauges a QualityGauges\n"
                    + "# exported after each window; each window's values held " + HOLD_MINUTES + " one-minute samples.\n"
                    + YAML.writeValueAsString(root), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Runs {@code promtool test rules file}; fails clearly when promtool is not on PATH. */
    static String[] runPromtool(Path file) throws IOException, InterruptedException {
        Path promtool = io.alignstream.testing.DebianTool.require("promtool", "prometheus");
        Process process = new ProcessBuilder(promtool.toString(), "test", "rules", file.toString())
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("promtool test rules did not finish in 120 s:\n" + output);
        }
        return new String[] {Integer.toString(process.exitValue()), output};
    }

    /** The labels of a selector {@code name{a="x", b="y"}}. */
    static Map<String, String> labels(String selector) {
        Map<String, String> out = new TreeMap<>();
        Matcher m = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(selector.substring(selector.indexOf('{')));
        while (m.find()) {
            out.put(m.group(1), m.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return out;
    }

    /** Prometheus' template functions the alerts use, as Go renders them. */
    static String render(String template, Map<String, String> labels, double value) {
        Matcher m = TEMPLATE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String expression = m.group(1);
            String replacement;
            if (expression.startsWith("$labels.")) {
                replacement = labels.getOrDefault(expression.substring("$labels.".length()), "");
            } else if (expression.equals("$value | humanizePercentage")) {
                replacement = goG4(value * 100) + "%";
            } else if (expression.equals("$value | printf \"%.3f\"")) {
                replacement = new BigDecimal(value).setScale(3, RoundingMode.HALF_EVEN).toPlainString();
            } else {
                throw new IllegalArgumentException("no rendering for {{ " + expression + " }}");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Go's {@code %.4g} for values printed without an exponent (|v| in [1e-4, 1e4)). */
    static String goG4(double v) {
        if (v == 0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(v).round(new MathContext(4, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= 4) {
            throw new IllegalArgumentException("%.4g of " + v + " has an exponent; not rendered here");
        }
        return rounded.stripTrailingZeros().toPlainString();
    }
}
