package io.alignstream.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The released versions of each event schema, kept as fully resolved snapshots in
 * {@code schemas/history/<RecordName>/v<N>.avsc}, and the project's evolution policy over them:
 * BACKWARD_TRANSITIVE, i.e. the current schema must read data written with every released
 * version. A consumer upgraded to the current schema can then replay a topic from the start.
 *
 * <p>Releasing: {@code java -cp ... io.alignstream.schemas.SchemaHistory release <historyDir>}
 * appends the current schema as the next version of every record whose schema changed.
 */
public final class SchemaHistory {
    private static final Pattern VERSION_FILE = Pattern.compile("v(\\d+)\\.avsc");

    private final Path root;

    public SchemaHistory(Path root) {
        this.root = root;
    }

    /** A released version of one record's schema. */
    public record Released(String recordName, int version, Path file, Schema schema) { }

    /** One way in which the current schema cannot read data written with a released version. */
    public record Violation(Released writer, String message) { }

    /** The released versions of a record, oldest first; empty if it was never released. */
    public List<Released> released(String recordName) {
        Path dir = root.resolve(recordName);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Released> versions = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Matcher m = VERSION_FILE.matcher(file.getFileName().toString());
                if (m.matches()) {
                    String json = Files.readString(file, StandardCharsets.UTF_8);
                    versions.add(new Released(recordName, Integer.parseInt(m.group(1)), file,
                            new Schema.Parser().parse(json)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read schema history in " + dir, e);
        }
        versions.sort(Comparator.comparingInt(Released::version));
        return versions;
    }

    /**
     * Checks {@code current} against every released version of its record under
     * BACKWARD_TRANSITIVE; an empty list means the change may be released.
     */
    public List<Violation> backwardTransitiveViolations(Schema current) {
        List<Violation> violations = new ArrayList<>();
        for (Released old : released(current.getName())) {
            SchemaPairCompatibility result =
                    SchemaCompatibility.checkReaderWriterCompatibility(current, old.schema());
            if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                violations.add(new Violation(old, current.getFullName() + " cannot read data written with "
                        + root.relativize(old.file()) + ": " + result.getResult().getIncompatibilities()));
            }
        }
        return violations;
    }

    /**
     * Appends {@code current} as the next version of its record unless it equals the latest
     * released one. Refuses a schema that breaks the policy.
     *
     * @return the file written, or null when nothing changed
     */
    public Path release(Schema current) throws IOException {
        List<Violation> violations = backwardTransitiveViolations(current);
        if (!violations.isEmpty()) {
            throw new IllegalStateException("Refusing to release an incompatible schema: " + violations);
        }
        List<Released> versions = released(current.getName());
        if (!versions.isEmpty() && versions.get(versions.size() - 1).schema().equals(current)) {
            return null;
        }
        int next = versions.isEmpty() ? 1 : versions.get(versions.size() - 1).version() + 1;
        Path file = root.resolve(current.getName()).resolve("v" + next + ".avsc");
        Files.createDirectories(file.getParent());
        Files.writeString(file, current.toString(true) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !"release".equals(args[0])) {
            System.err.println("usage: SchemaHistory release <historyDir>");
            System.exit(2);
        }
        SchemaHistory history = new SchemaHistory(Path.of(args[1]));
        for (EventTopic topic : EventTopic.values()) {
            Path written = history.release(topic.valueSchema());
            System.out.println(topic.valueSchema().getName() + ": "
                    + (written == null ? "unchanged" : "released as " + written));
        }
    }
}
