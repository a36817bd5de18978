package io.alignstream.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The ops kit's Prometheus files through the real promtool (Debian's prometheus package): the
 * scrape configuration, the rule files, and the unit tests in ops/prometheus/tests; then what
 * promtool does not check: every alert has a severity, a summary, a description and a runbook
 * entry, and is tested both firing and not firing.
 */
class OpsRulesTest {
    private static final Set<String> SEVERITIES = Set.of("critical", "warning");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*$", Pattern.MULTILINE);
    private static final String RUNBOOK = "ops/RUNBOOK.md";

    @Test
    void promtoolAcceptsTheScrapeConfigurationAndTheRuleFilesItNames() throws Exception {
        OpsKit.Result result = OpsKit.promtool("check", "config", "ops/prometheus/prometheus.yml");
        System.out.println("promtool check config:\n" + result.output());
        assertThat(result.exitCode()).as("promtool check config exit code; output:%n%s", result.output()).isZero();
        assertThat(result.output()).contains("recording.yml").contains("alerts.yml");
    }

    @Test
    void promtoolAcceptsTheRuleFiles() throws Exception {
        OpsKit.Result result = OpsKit.promtool("check", "rules",
                "ops/prometheus/recording.yml", "ops/prometheus/alerts.yml");
        System.out.println("promtool check rules:\n" + result.output());
        assertThat(result.exitCode()).as("promtool check rules exit code; output:%n%s", result.output()).isZero();
    }

    @Test
    void promtoolUnitTestsOfEveryAlertPass() throws Exception {
        List<String> args = new ArrayList<>(List.of("test", "rules"));
        Path root = OpsKit.repositoryRoot();
        for (Path file : OpsKit.promtoolTestFiles()) {
            args.add(root.relativize(file).toString());
        }
        assertThat(args).as("promtool test files in ops/prometheus/tests").hasSizeGreaterThan(2);
        OpsKit.Result result = OpsKit.promtool(args.toArray(String[]::new));
        System.out.println("promtool test rules:\n" + result.output());
        assertThat(result.exitCode()).as("promtool test rules exit code; output:%n%s", result.output()).isZero();
        assertThat(result.output()).doesNotContain("FAILED");
    }

    @Test
    void everyAlertHasASeveritySummaryDescriptionAndARunbookEntry() {
        Set<String> anchors = runbookAnchors();
        List<JsonNode> alerts = alerts();
        assertThat(alerts).isNotEmpty();
        List<String> problems = new ArrayList<>();
        for (JsonNode alert : alerts) {
            String name = alert.path("alert").asText();
            String severity = alert.path("labels").path("severity").asText();
            if (!SEVERITIES.contains(severity)) {
                problems.add(name + ": severity '" + severity + "' is not one of " + SEVERITIES);
            }
            for (String annotation : List.of("summary", "description", "runbook_url")) {
                if (alert.path("annotations").path(annotation).asText().isBlank()) {
                    problems.add(name + ": no " + annotation + " annotation");
                }
            }
            String runbook = alert.path("annotations").path("runbook_url").asText();
            String expected = RUNBOOK + "#" + name.toLowerCase(Locale.ROOT);
            if (!runbook.equals(expected)) {
                problems.add(name + ": runbook_url is '" + runbook + "', expected '" + expected + "'");
            } else if (!anchors.contains(name.toLowerCase(Locale.ROOT))) {
                problems.add(name + ": " + RUNBOOK + " has no heading '" + name + "'");
            }
            if (alert.path("for").asText().isBlank()) {
                problems.add(name + ": no 'for' duration (a single bad scrape would fire it)");
            }
        }
        assertThat(problems).as("alerts in ops/prometheus/alerts.yml").isEmpty();
    }

    @Test
    void everyRunbookEntryNamedLikeAnAlertHasThatAlert() {
        Set<String> alertNames = new TreeSet<>();
        alerts().forEach(alert -> alertNames.add(alert.path("alert").asText()));
        Set<String> entries = new TreeSet<>();
        Matcher heading = HEADING.matcher(OpsKit.text(OpsKit.repositoryRoot().resolve(RUNBOOK)));
        while (heading.find()) {
            if (heading.group(1).matches("Alignstream[A-Za-z]+")) {
                entries.add(heading.group(1));
            }
        }
        assertThat(entries).as("alert entries in " + RUNBOOK).containsExactlyInAnyOrderElementsOf(alertNames);
    }

    @Test
    void everyAlertIsTestedBothFiringAndNotFiring() {
        Map<String, Set<String>> outcomes = new LinkedHashMap<>();
        alerts().forEach(alert -> outcomes.put(alert.path("alert").asText(), new LinkedHashSet<>()));
        for (Path file : OpsKit.promtoolTestFiles()) {
            for (JsonNode test : OpsKit.yaml(file).path("tests")) {
                for (JsonNode check : test.path("alert_rule_test")) {
                    String name = check.path("alertname").asText();
                    boolean fires = check.path("exp_alerts").size() > 0;
                    outcomes.computeIfAbsent(name, unknown -> new LinkedHashSet<>()).add(fires ? "fires" : "silent");
                }
            }
        }
        List<String> problems = new ArrayList<>();
        Set<String> alertNames = new TreeSet<>();
        alerts().forEach(alert -> alertNames.add(alert.path("alert").asText()));
        outcomes.forEach((name, seen) -> {
            if (!alertNames.contains(name)) {
                problems.add(name + ": tested, but there is no such alert");
            } else if (!seen.containsAll(Set.of("fires", "silent"))) {
                problems.add(name + ": tested only " + seen + " (needs a case where it fires and one where it does not)");
            }
        });
        assertThat(problems).as("promtool tests in ops/prometheus/tests").isEmpty();
    }

    private static List<JsonNode> alerts() {
        return OpsKit.rules(OpsKit.ops("prometheus/alerts.yml")).stream()
                .filter(rule -> rule.has("alert"))
                .toList();
    }

    /** GitHub's anchors for the runbook's headings: lower case, punctuation dropped, spaces as '-'. */
    private static Set<String> runbookAnchors() {
        Set<String> anchors = new TreeSet<>();
        Matcher heading = HEADING.matcher(OpsKit.text(OpsKit.repositoryRoot().resolve(RUNBOOK)));
        while (heading.find()) {
            anchors.add(heading.group(1).toLowerCase(Locale.ROOT)
                    .replaceAll("[^a-z0-9 _-]", "")
                    .replace(' ', '-'));
        }
        return anchors;
    }
}
