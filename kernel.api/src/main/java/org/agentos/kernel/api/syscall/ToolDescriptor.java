package org.agentos.kernel.api.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the kernel needs to know about a system call before running it.
 *
 * @param name          dotted syscall name, e.g. {@code fs.read}
 * @param version       the tool's version
 * @param description   one line for {@code tool:list}
 * @param argsSchema    JSON Schema of the arguments (an object schema)
 * @param resultSchema  JSON Schema of the result (documentation; not enforced)
 * @param capabilities  capabilities the caller must hold; {@code {arg}} is replaced by that
 *                      argument's text, e.g. {@code fs:read:{path}}
 * @param resourceClass executor and quota class
 * @param determinism   whether replay must take the result from the journal
 * @param idempotent    whether the kernel may retry a transient failure
 * @param timeout       how long a call may run before it fails with {@code ETIMEDOUT}
 */
public record ToolDescriptor(
        String name,
        String version,
        String description,
        JsonNode argsSchema,
        JsonNode resultSchema,
        List<String> capabilities,
        ResourceClass resourceClass,
        Determinism determinism,
        boolean idempotent,
        Duration timeout) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");

    public ToolDescriptor {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("syscall name must be dotted lower case, e.g. fs.read: " + name);
        }
        version = version == null ? "0.0.0" : version;
        description = description == null ? "" : description;
        argsSchema = argsSchema == null ? emptyObjectSchema() : argsSchema;
        resultSchema = resultSchema == null ? JsonNodeFactory.instance.objectNode() : resultSchema;
        capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
        resourceClass = resourceClass == null ? ResourceClass.CPU : resourceClass;
        determinism = determinism == null ? Determinism.RECORDED : determinism;
        timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /** A schema that accepts only an empty object (or no arguments). */
    public static ObjectNode emptyObjectSchema() {
        ObjectNode schema = JsonNodeFactory.instance.objectNode();
        schema.put("type", "object");
        schema.putObject("properties");
        schema.put("additionalProperties", false);
        return schema;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Builds a descriptor; anything not set takes the default documented on the record. */
    public static final class Builder {
        private final String name;
        private String version;
        private String description;
        private JsonNode argsSchema;
        private JsonNode resultSchema;
        private List<String> capabilities;
        private ResourceClass resourceClass;
        private Determinism determinism;
        private boolean idempotent;
        private Duration timeout;

        private Builder(String name) {
            this.name = name;
        }

        public Builder version(String v) { this.version = v; return this; }
        public Builder description(String d) { this.description = d; return this; }
        public Builder args(JsonNode schema) { this.argsSchema = schema; return this; }
        public Builder result(JsonNode schema) { this.resultSchema = schema; return this; }
        public Builder capabilities(String... caps) { this.capabilities = List.of(caps); return this; }
        public Builder resourceClass(ResourceClass rc) { this.resourceClass = rc; return this; }
        public Builder determinism(Determinism d) { this.determinism = d; return this; }
        public Builder idempotent(boolean i) { this.idempotent = i; return this; }
        public Builder timeout(Duration t) { this.timeout = t; return this; }

        public ToolDescriptor build() {
            return new ToolDescriptor(name, version, description, argsSchema, resultSchema, capabilities,
                    resourceClass, determinism, idempotent, timeout);
        }
    }
}
