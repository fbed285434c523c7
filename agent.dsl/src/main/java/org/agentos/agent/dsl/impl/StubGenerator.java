package org.agentos.agent.dsl.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.agentos.kernel.api.syscall.ToolDescriptor;

/**
 * Java source of the typed stubs, from the syscall table's descriptors: one method of
 * {@code Tools} per tool, its required arguments as parameters (so a missing one does not
 * compile), the optional ones through an {@code <Tool>Options} builder, the result as an
 * {@code <Tool>Result} with an accessor per property of its result schema. Types follow the
 * JSON Schemas: string, integer (long), number (double), boolean, arrays of those (List), and
 * JsonNode for anything else.
 */
final class StubGenerator {
    static final String PACKAGE = "org.agentos.agent.dsl.tools";
    static final String TOOLS = PACKAGE + ".Tools";
    private static final Set<String> KEYWORDS = Set.of("abstract", "assert", "boolean", "break", "byte", "case",
            "catch", "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends", "final",
            "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long",
            "native", "new", "package", "private", "protected", "public", "return", "short", "static", "strictfp",
            "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try", "void", "volatile",
            "while", "true", "false", "null", "var", "record", "yield", "sealed", "permits");
    /** Names Tools has already (Object's, and its own). */
    private static final Set<String> TAKEN = Set.of("json", "equals", "hashCode", "toString", "getClass", "wait",
            "notify", "notifyAll");

    private StubGenerator() {}

    /** One tool's stub. {@code params} are the required arguments in order, by JSON name. */
    record Stub(ToolDescriptor descriptor, String method, String typeName, List<String> params, String methods) {}

    /** The stubs of one syscall table: sources by class name, and each tool's stub by method name. */
    record StubSet(String fingerprint, Map<String, String> sources, Map<String, Stub> byMethod, Map<String, Stub> byTool) {}

    static StubSet generate(List<ToolDescriptor> descriptors) {
        List<ToolDescriptor> sorted = sorted(descriptors);
        Map<String, String> sources = new TreeMap<>();
        Map<String, Stub> byMethod = new LinkedHashMap<>();
        Map<String, Stub> byTool = new LinkedHashMap<>();
        Set<String> usedMethods = new HashSet<>(TAKEN);
        Set<String> usedTypes = new HashSet<>(Set.of("Tools"));
        StringBuilder tools = new StringBuilder();
        tools.append("package ").append(PACKAGE).append(";\n\n")
                .append("import com.fasterxml.jackson.databind.JsonNode;\n")
                .append("import com.fasterxml.jackson.databind.node.JsonNodeFactory;\n")
                .append("import com.fasterxml.jackson.databind.node.ObjectNode;\n")
                .append("import java.util.List;\n")
                .append("import org.agentos.agent.dsl.Stubs;\n\n")
                .append("/** The tools of this installation's syscall table, one method each; generated from their descriptors. */\n")
                .append("public final class Tools {\n")
                .append("    private final Object sys;\n\n")
                .append("    public Tools(Object sys) {\n        this.sys = sys;\n    }\n\n")
                .append("    /** Builds JSON values for arguments that take any JSON. */\n")
                .append("    public JsonNodeFactory json() {\n        return JsonNodeFactory.instance;\n    }\n");
        for (ToolDescriptor d : sorted) {
            String method = unique(camel(d.name(), false), usedMethods);
            String type = unique(camel(d.name(), true), usedTypes);
            usedTypes.add(type + "Options");
            usedTypes.add(type + "Result");
            JsonNode props = d.argsSchema().path("properties");
            Set<String> required = new HashSet<>();
            for (JsonNode r : d.argsSchema().path("required")) required.add(r.asText());
            List<String> params = new ArrayList<>();
            List<String> optional = new ArrayList<>();
            props.fieldNames().forEachRemaining(n -> (required.contains(n) ? params : optional).add(n));
            StringBuilder methods = new StringBuilder();
            appendMethods(methods, d, method, type, params, props, optional);
            tools.append(methods);
            Stub stub = new Stub(d, method, type, List.copyOf(params), methods.toString());
            byMethod.put(method, stub);
            byTool.put(d.name(), stub);
            if (!optional.isEmpty()) sources.put(PACKAGE + "." + type + "Options", options(type, props, optional));
            sources.put(PACKAGE + "." + type + "Result", result(type, d));
        }
        tools.append("}\n");
        sources.put(TOOLS, tools.toString());
        return new StubSet(fingerprint(sorted), sources, byMethod, byTool);
    }

    private static void appendMethods(StringBuilder out, ToolDescriptor d, String method, String type,
                                      List<String> params, JsonNode props, List<String> optional) {
        Stub s = new Stub(d, method, type, params, null);
        List<String> decl = new ArrayList<>();
        List<String> names = new ArrayList<>();
        // names the generated body uses: a tool's argument named so is renamed (an MCP server's get-sum takes "a")
        Set<String> usedParams = new HashSet<>(Set.of("options", "Stubs", "sys"));
        for (String p : s.params()) {
            String id = unique(identifier(p), usedParams);
            names.add(id);
            decl.add(javaType(props.path(p), true) + " " + id);
        }
        StringBuilder doc = new StringBuilder("\n    /**\n     * <b>").append(d.name()).append("</b> ")
                .append(d.version()).append(": ").append(javadoc(d.description())).append('\n');
        if (!d.capabilities().isEmpty()) {
            doc.append("     * <p>Capabilities: ").append(javadoc(String.join(", ", d.capabilities()))).append('\n');
        }
        for (int i = 0; i < names.size(); i++) {
            doc.append("     * @param ").append(names.get(i)).append(' ')
                    .append(javadoc(props.path(s.params().get(i)).path("description").asText(s.params().get(i)))).append('\n');
        }
        doc.append("     */\n");
        String result = s.typeName() + "Result";
        out.append(doc).append("    public ").append(result).append(' ').append(s.method()).append('(')
                .append(String.join(", ", decl)).append(") {\n");
        if (optional.isEmpty()) {
            out.append("        ObjectNode $a = Stubs.args(null);\n");
        } else {
            out.append("        return ").append(s.method()).append('(').append(String.join(", ", names))
                    .append(names.isEmpty() ? "" : ", ").append("null);\n    }\n");
            out.append(doc).append("    public ").append(result).append(' ').append(s.method()).append('(')
                    .append(String.join(", ", decl)).append(decl.isEmpty() ? "" : ", ").append(s.typeName())
                    .append("Options options) {\n");
            out.append("        ObjectNode $a = Stubs.args(options == null ? null : options.$args);\n");
        }
        for (int i = 0; i < names.size(); i++) {
            out.append("        Stubs.put($a, ").append(literal(s.params().get(i))).append(", ").append(names.get(i)).append(");\n");
        }
        out.append("        return new ").append(result).append("(Stubs.call(sys, ").append(literal(d.name()))
                .append(", $a));\n    }\n");
    }

    private static String options(String type, JsonNode props, List<String> optional) {
        StringBuilder out = new StringBuilder("package " + PACKAGE + ";\n\n")
                .append("import com.fasterxml.jackson.databind.JsonNode;\n")
                .append("import com.fasterxml.jackson.databind.node.ObjectNode;\n")
                .append("import java.util.List;\n")
                .append("import org.agentos.agent.dsl.Stubs;\n\n")
                .append("/** The optional arguments of ").append(type).append("; each setter returns this. */\n")
                .append("public final class ").append(type).append("Options {\n")
                .append("    // $ in its name: no argument's setter (letters and digits) can be called so\n")
                .append("    final ObjectNode $args = Stubs.args(null);\n");
        Set<String> used = new HashSet<>(Set.of("equals", "hashCode", "toString", "getClass", "wait", "notify", "notifyAll"));
        for (String p : optional) {
            String id = unique(identifier(p), used);
            out.append("\n    /** ").append(javadoc(props.path(p).path("description").asText(p))).append(" */\n")
                    .append("    public ").append(type).append("Options ").append(id).append('(')
                    .append(javaType(props.path(p), true)).append(" value) {\n")
                    .append("        Stubs.put($args, ").append(literal(p)).append(", value);\n        return this;\n    }\n");
        }
        return out.append("}\n").toString();
    }

    private static String result(String type, ToolDescriptor d) {
        StringBuilder out = new StringBuilder("package " + PACKAGE + ";\n\n")
                .append("import com.fasterxml.jackson.databind.JsonNode;\n")
                .append("import java.util.List;\n")
                .append("import org.agentos.agent.dsl.ToolResult;\n\n")
                .append("/** The result of ").append(d.name()).append("; json() gives it whole. */\n")
                .append("public final class ").append(type).append("Result extends ToolResult {\n")
                .append("    public ").append(type).append("Result(JsonNode json) {\n        super(json);\n    }\n");
        JsonNode props = d.resultSchema() == null ? null : d.resultSchema().path("properties");
        if (props != null && props.isObject()) {
            Set<String> used = new HashSet<>(Set.of("json", "text", "integer", "number", "bool", "texts", "node",
                    "equals", "hashCode", "toString", "getClass", "wait", "notify", "notifyAll"));
            props.fieldNames().forEachRemaining(p -> {
                String id = unique(identifier(p), used);
                String t = javaType(props.path(p), false);
                String read = switch (t) {
                    case "String" -> "text";
                    case "Long" -> "integer";
                    case "Double" -> "number";
                    case "Boolean" -> "bool";
                    case "List<String>" -> "texts";
                    default -> "node";
                };
                out.append("\n    /** ").append(javadoc(props.path(p).path("description").asText(p))).append(" */\n")
                        .append("    public ").append(read.equals("node") ? "JsonNode" : t).append(' ').append(id)
                        .append("() {\n        return ").append(read).append('(').append(literal(p)).append(");\n    }\n");
            });
        }
        return out.append("}\n").toString();
    }

    /** The Java type of a schema: a scalar as a primitive when {@code primitive}, else boxed (it may be absent). */
    static String javaType(JsonNode schema, boolean primitive) {
        if (schema.has("enum")) {
            boolean strings = true;
            for (JsonNode e : schema.get("enum")) strings &= e.isTextual();
            return strings ? "String" : "JsonNode";
        }
        String type = type(schema);
        return switch (type) {
            case "string" -> "String";
            case "integer" -> primitive ? "long" : "Long";
            case "number" -> primitive ? "double" : "Double";
            case "boolean" -> primitive ? "boolean" : "Boolean";
            case "array" -> switch (type(schema.path("items"))) {
                case "string" -> "List<String>";
                case "integer" -> "List<Long>";
                case "number" -> "List<Double>";
                case "boolean" -> "List<Boolean>";
                default -> "JsonNode";
            };
            default -> "JsonNode";
        };
    }

    private static String type(JsonNode schema) {
        JsonNode t = schema.path("type");
        if (t.isTextual()) return t.asText();
        if (t.isArray()) { // ["string", "null"]: the first that is not null
            for (JsonNode e : t) if (!"null".equals(e.asText())) return e.asText();
        }
        return "";
    }

    /** fs.write -> fsWrite (or FsWrite when {@code type}). */
    static String camel(String name, boolean type) {
        StringBuilder out = new StringBuilder();
        boolean up = type;
        for (char c : name.toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                out.append(up ? Character.toUpperCase(c) : out.length() == 0 ? Character.toLowerCase(c) : c);
                up = false;
            } else {
                up = true;
            }
        }
        if (out.length() == 0 || !Character.isJavaIdentifierStart(out.charAt(0))) out.insert(0, type ? "T" : "t");
        return out.toString();
    }

    private static String identifier(String jsonName) {
        String id = camel(jsonName, false);
        return KEYWORDS.contains(id) ? id + "_" : id;
    }

    private static String unique(String name, Set<String> used) {
        String n = KEYWORDS.contains(name) ? name + "_" : name;
        while (!used.add(n)) n = n + "_";
        return n;
    }

    /** A Java string literal of {@code s}. */
    static String literal(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }

    /** Text safe inside a javadoc comment. */
    private static String javadoc(String s) {
        if (s == null) return "";
        return s.replace("*/", "*&#47;").replace("\\u", "\\\\u").replace("\n", " ").replace("@", "{@literal @}");
    }

    private static List<ToolDescriptor> sorted(List<ToolDescriptor> descriptors) {
        List<ToolDescriptor> sorted = new ArrayList<>(descriptors);
        sorted.sort((a, b) -> a.name().compareTo(b.name()));
        return sorted;
    }

    /** What the stubs of {@code descriptors} depend on (each tool's name, version, schemas): cheaper than generating them. */
    static String fingerprint(List<ToolDescriptor> descriptors) {
        List<ToolDescriptor> sorted = sorted(descriptors);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (ToolDescriptor d : sorted) {
                sha.update((d.name() + "\0" + d.version() + "\0" + d.argsSchema() + "\0" + d.resultSchema() + "\0"
                        + d.capabilities() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
