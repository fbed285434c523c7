package org.agentos.tools.syscalls;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.regex.Pattern;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.osgi.service.component.annotations.Component;

/**
 * {@code json.query}: picks values out of a JSON document with an RFC 6901 JSON Pointer, extended
 * so that a segment that is exactly {@code *} matches every element of an array or every member
 * of an object ({@code /items/*}{@code /name}). A member literally named {@code *} is among those.
 * A path that leads nowhere matches nothing; it is not an error. Pure: it needs no capability.
 */
@Component(service = Tool.class)
public class JsonQuery implements Tool {
    // Jackson reads "~" followed by anything but 0 or 1 as a literal; RFC 6901 forbids it.
    private static final Pattern BAD_ESCAPE = Pattern.compile("~(?![01])");

    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("json.query").version("1.0.0")
            .description("the values in a JSON document at a JSON Pointer (RFC 6901); a '*' segment matches "
                    + "every array element or object member")
            .args(Json.schema("""
                    {"type":"object","properties":{
                      "document":{"description":"any JSON value"},
                      "pointer":{"type":"string","maxLength":4096,
                                 "description":"'' for the whole document, else /a/0/b; '*' as a segment is a wildcard"}},
                     "required":["document","pointer"],"additionalProperties":false}"""))
            .result(Json.schema("""
                    {"type":"object","properties":{
                      "matches":{"type":"array","description":"the values found, in document order"},
                      "count":{"type":"integer"}}}"""))
            .resourceClass(ResourceClass.CPU).determinism(Determinism.PURE).idempotent(true)
            .timeout(Duration.ofSeconds(5)).build();

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        JsonPointer pointer = compile(args.path("pointer").asText(""));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode matches = out.putArray("matches");
        collect(args.get("document"), pointer, matches);
        out.put("count", matches.size());
        return out;
    }

    static JsonPointer compile(String text) throws SyscallException {
        if (BAD_ESCAPE.matcher(text).find()) {
            throw new SyscallException(Errno.EINVAL, "pointer '" + text + "' is not a JSON Pointer: '~' must be "
                    + "followed by 0 (for '~') or 1 (for '/')");
        }
        try {
            return JsonPointer.compile(text);
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, "pointer '" + text + "' is not a JSON Pointer: it must be empty "
                    + "or start with '/', e.g. /items/0/name or /items/*/name");
        }
    }

    private static void collect(JsonNode node, JsonPointer ptr, ArrayNode out) {
        if (node == null || node.isMissingNode()) return;
        if (ptr.matches()) {
            out.add(node);
            return;
        }
        String segment = ptr.getMatchingProperty();
        JsonPointer rest = ptr.tail();
        if ("*".equals(segment)) {
            if (node.isArray() || node.isObject()) {
                for (JsonNode child : (Iterable<JsonNode>) node::elements) collect(child, rest, out);
            }
        } else if (node.isObject()) {
            collect(node.get(segment), rest, out);
        } else if (node.isArray()) {
            int i = ptr.getMatchingIndex();
            if (i >= 0) collect(node.get(i), rest, out);
        }
    }
}
