package io.alignstream.embedded.registry;

import io.alignstream.registry.compatibility.CompatibilityLevel;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent Schema Registry REST API (the subset clients use) over a {@link SchemaStore}.
 *
 * <p>Before a body is read, {@link RequestGuard} checks the request: its Host must name this
 * registry (421 otherwise), its body must fit the limit (413) and be {@code
 * application/vnd.schemaregistry.v1+json}, {@code application/vnd.schemaregistry+json} or plain
 * {@code application/json} (415). Responses are {@code application/vnd.schemaregistry.v1+json};
 * failures are {@code {"error_code": N, "message": "..."}} with Confluent's codes.
 *
 * <pre>
 * GET    /                                          {}
 * GET    /subjects                                  ["s", ...]                (?deleted=true)
 * POST   /subjects/{s}                              lookup: {subject,id,version,schema}
 * DELETE /subjects/{s}                              [versions]                (?permanent=true)
 * GET    /subjects/{s}/versions                     [1, 2, ...]
 * POST   /subjects/{s}/versions                     register: {"id": N}
 * GET    /subjects/{s}/versions/{v|latest}          {subject,version,id,schema}
 * GET    /subjects/{s}/versions/{v|latest}/schema   the schema itself
 * GET    /subjects/{s}/versions/{v}/referencedby    [] (references are not supported)
 * DELETE /subjects/{s}/versions/{v|latest}          v                         (?permanent=true)
 * GET    /schemas/ids/{id}                          {"schema": "..."}         (?subject= ignored)
 * GET    /schemas/ids/{id}/schema                   the schema itself
 * GET    /schemas/ids/{id}/versions                 [{"subject","version"}]
 * GET    /schemas/ids/{id}/subjects                 ["s", ...]
 * GET    /schemas/types                             ["AVRO"]
 * POST   /compatibility/subjects/{s}/versions[/{v|latest}]  {"is_compatible": b} (?verbose=true)
 * GET    /config, /config/{s}                       {"compatibilityLevel": L} (?defaultToGlobal)
 * PUT    /config, /config/{s}                       {"compatibility": L}
 * DELETE /config, /config/{s}                       {"compatibilityLevel": previous}
 * GET    /mode                                      {"mode": "READWRITE"}
 * </pre>
 */
final class RegistryHttpHandler implements HttpHandler {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final Logger log = LoggerFactory.getLogger(RegistryHttpHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaStore store;
    private final RequestGuard guard;

    RegistryHttpHandler(SchemaStore store, RequestGuard guard) {
        this.store = store;
        this.guard = guard;
    }

    /** A response: status and body (JSON, or a schema's own text). */
    private record Reply(int status, String body) {
        static Reply ok(Object json) {
            return new Reply(200, write(json));
        }
    }

    /** A parsed request. */
    private record Request(String method, List<String> path, Map<String, String> query,
                           byte[] body) {
        String segment(int i) {
            return path.get(i);
        }

        boolean flag(String name) {
            return Boolean.parseBoolean(query.getOrDefault(name, "false"));
        }

        JsonNode json() {
            if (body.length == 0) {
                throw RegistryError.badRequest("The request has no body");
            }
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw RegistryError.badRequest("The request body is not JSON: " + e.getMessage());
            }
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Reply reply;
        try {
            Request request = parse(exchange);
            reply = route(request);
        } catch (RegistryError e) {
            reply = error(e.httpStatus(), e.errorCode(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("Schema registry request {} {} failed", exchange.getRequestMethod(),
                    exchange.getRequestURI(), e);
            reply = error(500, 500, "Internal Server Error: " + e);
        }
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        } finally {
            exchange.close();
        }
    }

    private Request parse(HttpExchange exchange) throws IOException {
        byte[] body = guard.admit(exchange);
        List<String> path = new ArrayList<>();
        for (String raw : exchange.getRequestURI().getRawPath().split("/")) {
            if (!raw.isEmpty()) {
                // "+" is literal in a path; only %XX escapes are decoded
                path.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        Map<String, String> query = new HashMap<>();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                query.put(URLDecoder.decode(name, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        return new Request(exchange.getRequestMethod().toUpperCase(), path, query, body);
    }

    private Reply route(Request r) {
        List<String> p = r.path();
        String first = p.isEmpty() ? "" : p.get(0);
        switch (first) {
            case "":
                requireMethod(r, "GET");
                return Reply.ok(JSON.createObjectNode());
            case "subjects":
                return subjects(r);
            case "schemas":
                return schemas(r);
            case "compatibility":
                return compatibility(r);
            case "config":
                return config(r);
            case "mode":
                if (p.size() == 1) {
                    requireMethod(r, "GET");
                    return Reply.ok(JSON.createObjectNode().put("mode", "READWRITE"));
                }
                throw notFound(r);
            default:
                throw notFound(r);
        }
    }

    // /subjects...
    private Reply subjects(Request r) {
        List<String> p = r.path();
        if (p.size() == 1) {
            requireMethod(r, "GET");
            return Reply.ok(store.subjects(r.flag("deleted")));
        }
        String subject = r.segment(1);
        if (p.size() == 2) {
            switch (requireMethod(r, "POST", "DELETE")) {
                case "POST": {
                    SchemaRequest body = SchemaRequest.from(r.json());
                    return Reply.ok(found(store.lookup(subject, body.schema(),
                            r.flag("deleted")), true));
                }
                default:
                    return Reply.ok(store.deleteSubject(subject, r.flag("permanent")));
            }
        }
        if (!"versions".equals(r.segment(2))) {
            throw notFound(r);
        }
        if (p.size() == 3) {
            switch (requireMethod(r, "GET", "POST")) {
                case "GET":
                    return Reply.ok(store.versionNumbers(subject, r.flag("deleted")));
                default: {
                    SchemaRequest body = SchemaRequest.from(r.json());
                    int id = store.register(subject, body.schema());
                    return Reply.ok(JSON.createObjectNode().put("id", id));
                }
            }
        }
        VersionRef version = VersionRef.parse(r.segment(3));
        if (p.size() == 4) {
            switch (requireMethod(r, "GET", "DELETE")) {
                case "GET":
                    return Reply.ok(found(store.version(subject, version, r.flag("deleted")),
                            false));
                default:
                    return Reply.ok(store.deleteVersion(subject, version, r.flag("permanent")));
            }
        }
        if (p.size() == 5 && "schema".equals(r.segment(4))) {
            requireMethod(r, "GET");
            return new Reply(200, store.version(subject, version, r.flag("deleted")).schema());
        }
        if (p.size() == 5 && "referencedby".equals(r.segment(4))) {
            requireMethod(r, "GET");
            store.version(subject, version, true);
            return Reply.ok(List.of());
        }
        throw notFound(r);
    }

    // /schemas/types, /schemas/ids/{id}[/schema|/versions|/subjects]
    private Reply schemas(Request r) {
        List<String> p = r.path();
        if (p.size() == 2 && "types".equals(r.segment(1))) {
            requireMethod(r, "GET");
            return Reply.ok(List.of("AVRO"));
        }
        if (p.size() < 3 || p.size() > 4 || !"ids".equals(r.segment(1))) {
            throw notFound(r);
        }
        requireMethod(r, "GET");
        int id = schemaId(r.segment(2));
        if (p.size() == 3) {
            return Reply.ok(JSON.createObjectNode().put("schema", store.schemaById(id)));
        }
        switch (r.segment(3)) {
            case "schema":
                return new Reply(200, store.schemaById(id));
            case "versions": {
                ArrayNode versions = JSON.createArrayNode();
                for (SchemaStore.Found f : store.versionsOfId(id, r.flag("deleted"))) {
                    versions.addObject().put("subject", f.subject()).put("version", f.version());
                }
                return Reply.ok(versions);
            }
            case "subjects":
                return Reply.ok(store.versionsOfId(id, r.flag("deleted")).stream()
                        .map(SchemaStore.Found::subject).distinct().toList());
            default:
                throw notFound(r);
        }
    }

    // /compatibility/subjects/{s}/versions[/{v}]
    private Reply compatibility(Request r) {
        List<String> p = r.path();
        if (p.size() < 4 || p.size() > 5 || !"subjects".equals(r.segment(1))
                || !"versions".equals(r.segment(3))) {
            throw notFound(r);
        }
        requireMethod(r, "POST");
        VersionRef version = p.size() == 5 ? VersionRef.parse(r.segment(4)) : null;
        SchemaRequest body = SchemaRequest.from(r.json());
        SchemaStore.Compatibility result = store.checkCompatibility(r.segment(2), version,
                body.schema());
        ObjectNode reply = JSON.createObjectNode().put("is_compatible", result.compatible());
        if (r.flag("verbose")) {
            ArrayNode messages = reply.putArray("messages");
            result.messages().forEach(messages::add);
        }
        return Reply.ok(reply);
    }

    // /config[/{s}]
    private Reply config(Request r) {
        List<String> p = r.path();
        if (p.size() > 2) {
            throw notFound(r);
        }
        String subject = p.size() == 2 ? r.segment(1) : null;
        switch (requireMethod(r, "GET", "PUT", "DELETE")) {
            case "GET": {
                CompatibilityLevel level = subject == null
                        ? store.globalLevel()
                        : store.subjectLevel(subject).orElseGet(() -> {
                            if (r.flag("defaultToGlobal")) {
                                return store.globalLevel();
                            }
                            throw RegistryError.compatibilityNotConfigured(subject);
                        });
                return Reply.ok(JSON.createObjectNode().put("compatibilityLevel", level.name()));
            }
            case "PUT": {
                JsonNode body = r.json();
                String requested = body.hasNonNull("compatibility")
                        ? body.get("compatibility").asText()
                        : body.path("compatibilityLevel").asText(null);
                CompatibilityLevel level = CompatibilityLevel.named(requested)
                        .orElseThrow(() -> RegistryError.invalidCompatibilityLevel(requested));
                if (subject == null) {
                    store.setGlobalLevel(level);
                } else {
                    store.setSubjectLevel(subject, level);
                }
                return Reply.ok(JSON.createObjectNode().put("compatibility", level.name()));
            }
            default: {
                CompatibilityLevel previous = subject == null
                        ? store.resetGlobalLevel()
                        : store.removeSubjectLevel(subject);
                return Reply.ok(JSON.createObjectNode()
                        .put("compatibilityLevel", previous.name()));
            }
        }
    }

    // ------------------------------------------------------------------------------------------

    /** The body of register, lookup and compatibility requests. */
    private record SchemaRequest(String schema) {
        static SchemaRequest from(JsonNode body) {
            String type = body.path("schemaType").asText("AVRO");
            if (!"AVRO".equalsIgnoreCase(type)) {
                throw RegistryError.invalidSchema("Unsupported schema type " + type
                        + ": this registry supports AVRO only");
            }
            JsonNode references = body.path("references");
            if (references.isArray() && references.size() > 0) {
                throw RegistryError.invalidSchema("Schema references are not supported by this"
                        + " registry");
            }
            JsonNode schema = body.get("schema");
            if (schema == null || schema.isNull()) {
                throw RegistryError.invalidSchema("Empty schema");
            }
            // Tolerate a schema sent as a JSON object instead of a string holding one.
            return new SchemaRequest(schema.isTextual() ? schema.asText() : schema.toString());
        }
    }

    private static ObjectNode found(SchemaStore.Found f, boolean lookupOrder) {
        ObjectNode node = JSON.createObjectNode().put("subject", f.subject());
        if (lookupOrder) {
            node.put("id", f.id()).put("version", f.version());
        } else {
            node.put("version", f.version()).put("id", f.id());
        }
        return node.put("schema", f.schema());
    }

    private static int schemaId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new RegistryError(404, RegistryError.SCHEMA_NOT_FOUND,
                    "Schema " + text + " not found");
        }
    }

    private static String requireMethod(Request r, String... allowed) {
        for (String method : allowed) {
            if (method.equals(r.method())) {
                return method;
            }
        }
        throw RegistryError.methodNotAllowed("HTTP 405 Method Not Allowed: " + r.method()
                + " /" + String.join("/", r.path()) + " allows " + Arrays.toString(allowed));
    }

    private static RegistryError notFound(Request r) {
        return RegistryError.notFound("HTTP 404 Not Found: /" + String.join("/", r.path()));
    }

    private static Reply error(int status, int code, String message) {
        return new Reply(status, write(JSON.createObjectNode()
                .put("error_code", code)
                .put("message", message)));
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
