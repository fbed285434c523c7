package org.agentos.image.oci.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.image.QueueImage;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.ipc.QueueSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * A queue of a group image ({@value #MEDIA_TYPE}): its spec, owner, messages in line and which
 * member holds each message in flight. Read back through {@link QueueSpec}'s own checks.
 */
final class QueueLayer {
    static final String MEDIA_TYPE = "application/vnd.agentos.queue.v1+json";
    /** Annotation of a queue layer: the queue's name. */
    static final String QUEUE = "org.agentos.image.queue";

    private QueueLayer() {}

    static byte[] write(ObjectMapper json, QueueImage q) throws IOException {
        QueueSpec s = q.spec();
        ObjectNode o = json.createObjectNode().put("name", s.name()).put("owner", q.owner()).put("delivery", s.delivery().label())
                .put("capacity", s.capacity()).put("visibilityMillis", s.visibilityMillis()).put("maxDeliveries", s.maxDeliveries())
                .put("dedupWindowMillis", s.dedupWindowMillis()).put("priorities", s.priorities()).put("durable", s.durable());
        var members = o.putArray("members");
        s.members().forEach(members::add);
        var messages = o.putArray("messages");
        for (Message m : q.messages()) messages.add(json.valueToTree(m));
        ObjectNode held = o.putObject("heldBy");
        q.heldBy().forEach((id, pid) -> held.put(Long.toString(id), pid));
        return json.writeValueAsBytes(o);
    }

    static QueueImage read(ObjectMapper json, JsonNode o, String blob) throws SyscallException {
        try {
            QueueSpec.Builder b = QueueSpec.builder(o.path("name").asText(""))
                    .delivery(Delivery.parse(o.path("delivery").asText("at-least-once")))
                    .capacity(o.path("capacity").asInt(1000)).visibilityMillis(o.path("visibilityMillis").asLong(30_000))
                    .maxDeliveries(o.path("maxDeliveries").asInt(5)).dedupWindowMillis(o.path("dedupWindowMillis").asLong(600_000))
                    .priorities(o.path("priorities").asBoolean(false)).durable(o.path("durable").asBoolean(false));
            List<String> members = new ArrayList<>();
            o.path("members").forEach(m -> members.add(m.asText()));
            b.members(members);
            QueueSpec spec = b.build();
            List<Message> messages = new ArrayList<>();
            for (JsonNode m : o.path("messages")) messages.add(json.treeToValue(m, Message.class));
            Map<Long, Long> heldBy = new HashMap<>();
            var it = o.path("heldBy").fields();
            while (it.hasNext()) {
                var e = it.next();
                heldBy.put(Long.parseLong(e.getKey()), e.getValue().asLong());
            }
            String owner = o.path("owner").asText(null);
            if (owner == null) throw new SyscallException(Errno.EINVAL, "queue layer " + blob + " names no owner");
            return new QueueImage(spec, owner, messages, heldBy);
        } catch (IOException | IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, "queue layer " + blob + " cannot be read: " + e.getMessage());
        }
    }
}
