package io.alignstream.ops;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads. Not a parser, but enough for the ops kit's queries:
 * string literals, label matchers, ranges and grouping label lists are removed, then every
 * identifier that is not a keyword and not a function or aggregation (followed by '(') is a
 * metric name. Grafana's {@code label_values(selector, label)} reads the selector's metric.
 */
final class PromQlNames {
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern OFFSET = Pattern.compile("\\boffset\\s+-?[0-9a-zA-Z]+", Pattern.CASE_INSENSITIVE);
    /** Identifiers, or numbers (so that the 'e9' of 1e9 is not taken for a name). */
    private static final Pattern TOKENS = Pattern.compile(
            "[A-Za-z_:][A-Za-z0-9_:]*|\\$[A-Za-z0-9_]+|[0-9]*\\.?[0-9]+(?:[eE][+-]?[0-9]+)?");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)\\s*$");
    private static final Set<String> KEYWORDS = Set.of(
            "and", "or", "unless", "bool", "by", "without", "on", "ignoring", "group_left", "group_right",
            "offset", "inf", "nan", "atan2");

    private PromQlNames() {
    }

    /** The metric names {@code expr} reads, in order of appearance. */
    static Set<String> of(String expr) {
        Matcher labelValues = LABEL_VALUES.matcher(expr);
        if (labelValues.matches()) {
            return of(labelValues.group(1));
        }
        String stripped = STRINGS.matcher(expr).replaceAll("\"\"");
        stripped = MATCHERS.matcher(stripped).replaceAll(" ");
        stripped = RANGES.matcher(stripped).replaceAll(" ");
        stripped = GROUPING.matcher(stripped).replaceAll(" ");
        stripped = OFFSET.matcher(stripped).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher token = TOKENS.matcher(stripped);
        while (token.find()) {
            String word = token.group();
            char first = word.charAt(0);
            if (!(Character.isLetter(first) || first == '_' || first == ':')) {
                continue; // a number or a $variable
            }
            if (KEYWORDS.contains(word.toLowerCase(Locale.ROOT))) {
                continue;
            }
            int next = token.end();
            while (next < stripped.length() && Character.isWhitespace(stripped.charAt(next))) {
                next++;
            }
            if (next < stripped.length() && stripped.charAt(next) == '(') {
                continue; // a function or an aggregation
            }
            names.add(word);
        }
        return names;
    }
}
