package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * Message ids as a read-only list of JSON numbers over a {@code long[]}, for the {@code ids} of an
 * {@code ipc.send} result: a batch of 100 would otherwise make 100 LongNodes and grow an
 * ArrayList for every send. A result is a value: changing it throws.
 */
final class IdList extends AbstractList<JsonNode> implements RandomAccess {
    private final long[] ids;
    private final int size;

    IdList(long[] ids, int size) {
        this.ids = ids;
        this.size = size;
    }

    @Override
    public JsonNode get(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException(index + " of " + size);
        return LongNode.valueOf(ids[index]);
    }

    @Override
    public int size() {
        return size;
    }
}
