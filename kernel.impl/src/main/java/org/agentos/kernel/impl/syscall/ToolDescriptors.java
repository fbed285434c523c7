package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.agentos.kernel.api.syscall.ToolDescriptor;

/** A syscall descriptor as JSON: what {@code tool.describe} returns and {@code tool:describe} prints. */
public final class ToolDescriptors {
    private ToolDescriptors() {}

    public static ObjectNode toJson(ToolDescriptor d, String provider) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", d.name()).put("version", d.version()).put("description", d.description());
        o.put("provider", provider);
        o.set("args", d.argsSchema());
        o.set("result", d.resultSchema());
        ArrayNode caps = o.putArray("capabilities");
        d.capabilities().forEach(caps::add);
        o.put("resourceClass", d.resourceClass().name().toLowerCase(Locale.ROOT));
        o.put("determinism", d.determinism().name().toLowerCase(Locale.ROOT));
        o.put("idempotent", d.idempotent());
        o.put("timeoutMs", d.timeout().toMillis());
        return o;
    }
}
