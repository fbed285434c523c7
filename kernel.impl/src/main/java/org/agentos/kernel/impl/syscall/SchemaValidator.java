package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
    private static final Set<String> TYPES = Set.of("object", "array", "string", "integer", "number", "boolean", "null");

    private final Node root;

    private SchemaValidator(Node root) {
        this.root = root;
    }

    /** @throws IllegalArgumentException naming the unsupported or malformed part of the schema */
    static SchemaValidator compile(JsonNode schema) {
        return new SchemaValidator(new Node(schema, "args"));
    }

    /** {@code null} when {@code args} is valid, else a message such as "args.ms must be an integer". */
    String validate(JsonNode args) {
        // First without paths (nothing allocated per value); only a failure is checked again to name its place.
        if (root.check(args, null) == null) return null;
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

    /**
     * One compiled (sub)schema. A single final class rather than a chain of lambdas, so that the
     * call sites stay monomorphic and the JIT can inline the checks of small schemas whole.
     */
    private static final class Node {
        private static final int UNSET = -1;

        private final boolean trivial;
        private final int types;
        private final String expected;
        private final JsonNode enumNode;
        private final List<JsonNode> enumValues;
        private final JsonNode constant;
        private final double minimum;
        private final double maximum;
        private final int minLength;
        private final int maxLength;
        private final Pattern pattern;
        private final int minItems;
        private final int maxItems;
        private final Node items;
        private final boolean object;
        private final Map<String, Node> properties;
        private final String[] propertyNames;
        private final Node[] propertyNodes;
        private final String[] required;
        private final boolean closed;

        Node(JsonNode schema, String where) {
            if (schema == null || !schema.isObject()) {
                throw new IllegalArgumentException(where + ": schema must be an object");
            }
            boolean constrained = false;
            for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (SUPPORTED.contains(k)) constrained = true;
                else if (!ANNOTATIONS.contains(k)) {
                    throw new IllegalArgumentException(where + ": schema keyword '" + k + "' is not supported");
                }
            }
            trivial = !constrained;
            JsonNode type = schema.get("type");
            if (type != null) {
                Set<String> names = new LinkedHashSet<>();
                if (type.isTextual()) names.add(type.asText());
                else if (type.isArray()) type.forEach(t -> names.add(t.asText()));
                else throw new IllegalArgumentException(where + ": 'type' must be a string or an array");
                if (names.isEmpty()) throw new IllegalArgumentException(where + ": 'type' must name at least one type");
                int mask = 0;
                for (String t : names) {
                    if (!TYPES.contains(t)) throw new IllegalArgumentException(where + ": unknown type '" + t + "'");
                    mask |= typeBit(t);
                }
                types = mask;
                expected = String.join(" or ", names);
            } else {
                types = 0;
                expected = null;
            }
            enumNode = schema.get("enum");
            if (enumNode != null) {
                if (!enumNode.isArray()) throw new IllegalArgumentException(where + ": 'enum' must be an array");
                enumValues = new ArrayList<>();
                enumNode.forEach(enumValues::add);
            } else {
                enumValues = null;
            }
            constant = schema.get("const");
            minimum = schema.has("minimum") ? schema.get("minimum").asDouble() : Double.NaN;
            maximum = schema.has("maximum") ? schema.get("maximum").asDouble() : Double.NaN;
            minLength = schema.path("minLength").asInt(UNSET);
            maxLength = schema.path("maxLength").asInt(UNSET);
            pattern = schema.has("pattern") ? Pattern.compile(schema.get("pattern").asText()) : null;
            minItems = schema.path("minItems").asInt(UNSET);
            maxItems = schema.path("maxItems").asInt(UNSET);
            items = schema.has("items") ? new Node(schema.get("items"), where + ".items") : null;
            object = schema.has("properties") || schema.has("required") || schema.has("additionalProperties");
            properties = new LinkedHashMap<>();
            JsonNode ps = schema.get("properties");
            if (ps != null) {
                if (!ps.isObject()) throw new IllegalArgumentException(where + ": 'properties' must be an object");
                ps.fields().forEachRemaining(e -> properties.put(e.getKey(), new Node(e.getValue(), where + "." + e.getKey())));
            }
            propertyNames = properties.keySet().stream().map(String::intern).toArray(String[]::new);
            propertyNodes = properties.values().toArray(new Node[0]);
            List<String> req = new ArrayList<>();
            JsonNode rq = schema.get("required");
            if (rq != null) rq.forEach(r -> req.add(r.asText()));
            required = req.toArray(new String[0]);
            JsonNode ap = schema.get("additionalProperties");
            if (ap != null && !ap.isBoolean()) {
                throw new IllegalArgumentException(where + ": only boolean 'additionalProperties' is supported");
            }
            closed = ap != null && !ap.asBoolean();
        }

        /**
         * {@code null} when {@code v} is valid, else the message for its first error. {@code p}
         * renders where the value is ({@code args.messages[3].key}); with {@code p == null} no
         * place is built, and a failure's message (which then names no place) is only a signal.
         */
        String check(JsonNode v, Object p) {
            if (trivial) return null;
            if (types != 0 && !typeMatches(v, types)) return p + " must be " + article(expected) + ", not " + describe(v);
            if (enumValues != null && !enumValues.contains(v)) return p + " must be one of " + enumNode;
            if (constant != null && !constant.equals(v)) return p + " must be " + constant;
            if (v.isNumber()) {
                if (v.asDouble() < minimum) return p + " must be at least " + number(minimum); // false for NaN (unset)
                if (v.asDouble() > maximum) return p + " must be at most " + number(maximum);
            } else if (v.isTextual()) {
                String s = v.asText();
                if (minLength != UNSET && s.length() < minLength) return p + " must have at least " + minLength + " characters";
                if (maxLength != UNSET && s.length() > maxLength) return p + " must have at most " + maxLength + " characters";
                if (pattern != null && !pattern.matcher(s).find()) return p + " must match " + pattern.pattern();
            } else if (v.isArray()) {
                int n = v.size();
                if (minItems != UNSET && n < minItems) return p + " must have at least " + minItems + " items";
                if (maxItems != UNSET && n > maxItems) return p + " must have at most " + maxItems + " items";
                if (items != null && !items.trivial) {
                    for (int i = 0; i < n; i++) {
                        String e = items.check(v.get(i), p == null ? null : new Loc(p, null, i));
                        if (e != null) return e;
                    }
                }
            } else if (object && v.isObject()) {
                return checkObject(v, p);
            }
            return null;
        }

        private String checkObject(JsonNode v, Object p) {
            for (String r : required) {
                JsonNode f = v.get(r);
                if (f == null || f.isNull()) return p + "." + r + " is required";
            }
            if (v.isEmpty()) return null;
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                Node c = property(f.getKey());
                if (c == null) {
                    if (closed) return p + "." + f.getKey() + " is not a known argument (known: " + properties.keySet() + ")";
                    continue;
                }
                if (c.trivial) continue;
                String e = c.check(f.getValue(), p == null ? null : new Loc(p, f.getKey(), -1));
                if (e != null) return e;
            }
            return null;
        }

        /**
         * The schema of property {@code name}, or null. A short scan for the few properties of most
         * argument objects: field names parsed by Jackson are interned, so identity usually hits.
         */
        private Node property(String name) {
            if (propertyNames.length > 8) return properties.get(name);
            for (int i = 0; i < propertyNames.length; i++) {
                if (propertyNames[i] == name) return propertyNodes[i];
            }
            for (int i = 0; i < propertyNames.length; i++) {
                if (propertyNames[i].equals(name)) return propertyNodes[i];
            }
            return null;
        }
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
