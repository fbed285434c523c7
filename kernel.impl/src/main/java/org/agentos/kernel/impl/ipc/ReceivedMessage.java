package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The fields of one received message as a read-only map, for an {@code ObjectNode} of an
 * {@code ipc.recv} result: the message's values copied at delivery, their JSON nodes made when
 * read. A LinkedHashMap per received message was a third of the batched receive path (JFR);
 * this is one object. A result is a value: changing it throws.
 */
final class ReceivedMessage extends AbstractMap<String, JsonNode> {
    private static final String[] NAMES = {"id", "from", "payload", "attempts", "sentMillis", "priority", "key",
            "correlationId", "replyTo"};

    private final long id;
    private final long from;
    private final JsonNode payload;
    private final int attempts;
    private final long sentMillis;
    private final int priority;
    private final String key;
    private final String correlationId;
    private final String replyTo;
    /** Bit i set: field NAMES[i] is present (the optional ones only when set). */
    private final int present;

    ReceivedMessage(MessageQueue.Msg m) {
        id = m.id;
        from = m.from;
        payload = m.payload;
        attempts = m.attempts;
        sentMillis = m.sentMillis;
        priority = m.priority;
        key = m.key;
        correlationId = m.correlationId;
        replyTo = m.replyTo;
        present = 0b11111 | (priority != 0 ? 1 << 5 : 0) | (key != null ? 1 << 6 : 0)
                | (correlationId != null ? 1 << 7 : 0) | (replyTo != null ? 1 << 8 : 0);
    }

    private JsonNode value(int i) {
        return switch (i) {
            case 0 -> LongNode.valueOf(id);
            case 1 -> LongNode.valueOf(from);
            case 2 -> payload;
            case 3 -> IntNode.valueOf(attempts);
            case 4 -> LongNode.valueOf(sentMillis);
            case 5 -> IntNode.valueOf(priority);
            case 6 -> TextNode.valueOf(key);
            case 7 -> TextNode.valueOf(correlationId);
            default -> TextNode.valueOf(replyTo);
        };
    }

    private static int index(Object name) {
        if (!(name instanceof String s)) return -1;
        for (int i = 0; i < NAMES.length; i++) if (NAMES[i].equals(s)) return i;
        return -1;
    }

    @Override
    public JsonNode get(Object name) {
        int i = index(name);
        return i >= 0 && (present & (1 << i)) != 0 ? value(i) : null;
    }

    @Override
    public boolean containsKey(Object name) {
        int i = index(name);
        return i >= 0 && (present & (1 << i)) != 0;
    }

    @Override
    public int size() {
        return Integer.bitCount(present);
    }

    @Override
    public Set<Entry<String, JsonNode>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return ReceivedMessage.this.size();
            }

            @Override
            public Iterator<Entry<String, JsonNode>> iterator() {
                return new Iterator<>() {
                    private int next = advance(0);

                    private int advance(int from) {
                        int i = from;
                        while (i < NAMES.length && (present & (1 << i)) == 0) i++;
                        return i;
                    }

                    @Override
                    public boolean hasNext() {
                        return next < NAMES.length;
                    }

                    @Override
                    public Entry<String, JsonNode> next() {
                        if (next >= NAMES.length) throw new NoSuchElementException();
                        Entry<String, JsonNode> e = new SimpleImmutableEntry<>(NAMES[next], value(next));
                        next = advance(next + 1);
                        return e;
                    }
                };
            }
        };
    }
}
