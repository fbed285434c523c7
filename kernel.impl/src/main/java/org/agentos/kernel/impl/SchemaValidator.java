package org.agentos.kernel.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates syscall arguments against a tool's JSON Schema, compiled once when the tool is
 * registered. It covers the part of JSON Schema (draft 2020-12) that describes arguments:
 * {@code type, properties, required, additionalProperties, enum, const, minimum, maximum,
 * minLength, maxLength, pattern, items, minItems, maxItems}. Schemas that use other validation
 * keywords are refused at registration, so a tool never believes it is protected when it is not.
 *
 * <p>Written here rather than taken from a library because validation is on every syscall's
 * path (target: a null syscall mediated in 250 ns), and the general validators available as OSGi
 * bundles cost microseconds per call and bring their own dependency trees.
 */
final class SchemaValidator {

    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "title", "description", "default",
            "examples", "$comment", "format", "deprecated", "readOnly", "writeOnly");
    private static final Set<String> SUPPORTED = Set.of("type", "properties", "required", "additionalProperties",
            "enum", "const", "minimum", "maximum", "minLength", "maxLength", "pattern", "items", "minItems", "maxItems");

    private final Check root;

    private SchemaValidator(Check root) {
        this.root = root;
    }

    /** @throws IllegalArgumentException naming the unsupported or malformed part of the schema */
    static SchemaValidator compile(JsonNode schema) {
        return new SchemaValidator(compile(schema, "args"));
    }

    /** {@code null} when {@code args} is valid, else a message such as "args.ms must be an integer". */
    String validate(JsonNode args) {
        return root.check(args, "args");
    }

    /** A place in the arguments: built per value checked, turned into text only for an error message. */
    private static final class Loc {
        private final Object parent;
        private final String field;
        private final int index;

        Loc(Object parent, String field, int index) {
            this.parent = parent;
            this.field = field;
            this.index = index;
        }

        @Override
        public String toString() {
            return field != null ? parent + "." + field : parent + "[" + index + "]";
        }
    }

    private interface Check {
        /** {@code path} renders where the value is ({@code args.messages[3].key}) only when an error needs it. */
        String check(JsonNode value, Object path);
    }

    private static Check compile(JsonNode schema, String where) {
        if (schema == null || !schema.isObject()) {
            throw new IllegalArgumentException(where + ": schema must be an object");
        }
        List<Check> checks = new ArrayList<>();
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!SUPPORTED.contains(k) && !ANNOTATIONS.contains(k)) {
                throw new IllegalArgumentException(where + ": schema keyword '" + k + "' is not supported");
            }
        }
        JsonNode type = schema.get("type");
        if (type != null) {
            Set<String> types = new HashSet<>();
            if (type.isTextual()) types.add(type.asText());
            else if (type.isArray()) type.forEach(t -> types.add(t.asText()));
            else throw new IllegalArgumentException(where + ": 'type' must be a string or an array");
            for (String t : types) {
                if (!Set.of("object", "array", "string", "integer", "number", "boolean", "null").contains(t)) {
                    throw new IllegalArgumentException(where + ": unknown type '" + t + "'");
                }
            }
            String expected = String.join(" or ", types);
            int mask = 0;
            for (String t : types) mask |= typeBit(t);
            int allowed = mask;
            checks.add((v, p) -> typeMatches(v, allowed) ? null : p + " must be " + article(expected) + ", not " + describe(v));
        }
        JsonNode en = schema.get("enum");
        if (en != null) {
            if (!en.isArray()) throw new IllegalArgumentException(where + ": 'enum' must be an array");
            List<JsonNode> allowed = new ArrayList<>();
            en.forEach(allowed::add);
            checks.add((v, p) -> allowed.contains(v) ? null : p + " must be one of " + en);
        }
        JsonNode cst = schema.get("const");
        if (cst != null) {
            checks.add((v, p) -> cst.equals(v) ? null : p + " must be " + cst);
        }
        if (schema.has("minimum")) {
            double min = schema.get("minimum").asDouble();
            checks.add((v, p) -> !v.isNumber() || v.asDouble() >= min ? null : p + " must be at least " + number(min));
        }
        if (schema.has("maximum")) {
            double max = schema.get("maximum").asDouble();
            checks.add((v, p) -> !v.isNumber() || v.asDouble() <= max ? null : p + " must be at most " + number(max));
        }
        if (schema.has("minLength")) {
            int min = schema.get("minLength").asInt();
            checks.add((v, p) -> !v.isTextual() || v.asText().length() >= min ? null : p + " must have at least " + min + " characters");
        }
        if (schema.has("maxLength")) {
            int max = schema.get("maxLength").asInt();
            checks.add((v, p) -> !v.isTextual() || v.asText().length() <= max ? null : p + " must have at most " + max + " characters");
        }
        if (schema.has("pattern")) {
            Pattern re = Pattern.compile(schema.get("pattern").asText());
            checks.add((v, p) -> !v.isTextual() || re.matcher(v.asText()).find() ? null : p + " must match " + re.pattern());
        }
        if (schema.has("minItems")) {
            int min = schema.get("minItems").asInt();
            checks.add((v, p) -> !v.isArray() || v.size() >= min ? null : p + " must have at least " + min + " items");
        }
        if (schema.has("maxItems")) {
            int max = schema.get("maxItems").asInt();
            checks.add((v, p) -> !v.isArray() || v.size() <= max ? null : p + " must have at most " + max + " items");
        }
        if (schema.has("items")) {
            Check item = compile(schema.get("items"), where + ".items");
            checks.add((v, p) -> {
                if (!v.isArray()) return null;
                for (int i = 0; i < v.size(); i++) {
                    String e = item.check(v.get(i), new Loc(p, null, i));
                    if (e != null) return e;
                }
                return null;
            });
        }
        if (schema.has("properties") || schema.has("required") || schema.has("additionalProperties")) {
            checks.add(objectCheck(schema, where));
        }
        Check[] all = checks.toArray(new Check[0]);
        if (all.length == 1) return all[0];
        return (v, p) -> {
            for (Check c : all) {
                String e = c.check(v, p);
                if (e != null) return e;
            }
            return null;
        };
    }

    private static Check objectCheck(JsonNode schema, String where) {
        Map<String, Check> props = new LinkedHashMap<>();
        JsonNode ps = schema.get("properties");
        if (ps != null) {
            if (!ps.isObject()) throw new IllegalArgumentException(where + ": 'properties' must be an object");
            ps.fields().forEachRemaining(e -> props.put(e.getKey(), compile(e.getValue(), where + "." + e.getKey())));
        }
        List<String> required = new ArrayList<>();
        JsonNode rq = schema.get("required");
        if (rq != null) rq.forEach(r -> required.add(r.asText()));
        JsonNode ap = schema.get("additionalProperties");
        boolean closed = ap != null && ap.isBoolean() && !ap.asBoolean();
        if (ap != null && !ap.isBoolean()) {
            throw new IllegalArgumentException(where + ": only boolean 'additionalProperties' is supported");
        }
        return (v, p) -> {
            if (!v.isObject()) return null;
            if (v.isEmpty() && required.isEmpty()) return null;
            for (String r : required) {
                JsonNode f = v.get(r);
                if (f == null || f.isNull()) return p + "." + r + " is required";
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                Check c = props.get(f.getKey());
                if (c == null) {
                    if (closed) return p + "." + f.getKey() + " is not a known argument (known: " + props.keySet() + ")";
                    continue;
                }
                String e = c.check(f.getValue(), new Loc(p, f.getKey(), -1));
                if (e != null) return e;
            }
            return null;
        };
    }

    private static final int OBJECT = 1, ARRAY = 2, STRING = 4, INTEGER = 8, NUMBER = 16, BOOLEAN = 32, NULL = 64;

    private static int typeBit(String type) {
        return switch (type) {
            case "object" -> OBJECT;
            case "array" -> ARRAY;
            case "string" -> STRING;
            case "integer" -> INTEGER;
            case "number" -> NUMBER;
            case "boolean" -> BOOLEAN;
            case "null" -> NULL;
            default -> throw new IllegalArgumentException("unknown type '" + type + "'");
        };
    }

    /** Whether the value has one of the types in {@code mask}; an integral number is also a "number". */
    private static boolean typeMatches(JsonNode v, int mask) {
        if (v.isObject()) return (mask & OBJECT) != 0;
        if (v.isTextual()) return (mask & STRING) != 0;
        if (v.isNumber()) {
            if ((mask & NUMBER) != 0) return true;
            return (mask & INTEGER) != 0
                    && (v.isIntegralNumber() || v.asDouble() == Math.rint(v.asDouble()));
        }
        if (v.isArray()) return (mask & ARRAY) != 0;
        if (v.isBoolean()) return (mask & BOOLEAN) != 0;
        return v.isNull() && (mask & NULL) != 0;
    }

    private static String describe(JsonNode v) {
        if (v.isObject()) return "an object";
        if (v.isArray()) return "an array";
        if (v.isTextual()) return "a string";
        if (v.isIntegralNumber()) return "an integer";
        if (v.isNumber()) return "a number";
        if (v.isBoolean()) return "a boolean";
        return "null";
    }

    private static String article(String type) {
        return ("aeiou".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type;
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
