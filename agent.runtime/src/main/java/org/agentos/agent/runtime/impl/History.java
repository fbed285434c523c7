package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;

/**
 * The calls an agent made, oldest first, as an immutable list that grows at its end: each step
 * adds to it without copying, and a state the kernel is checkpointing on another thread never
 * sees a later call. Stored as a JSON array.
 */
public final class History {
    static final History EMPTY = new History(null, null, 0);

    private final Recorded last;
    private final History before;
    final int size;

    private History(Recorded last, History before, int size) {
        this.last = last;
        this.before = before;
        this.size = size;
    }

    History plus(Recorded r) {
        return new History(r, this, size + 1);
    }

    /** The calls, oldest first. */
    Recorded[] toArray() {
        Recorded[] out = new Recorded[size];
        int i = size;
        for (History h = this; h.size > 0; h = h.before) out[--i] = h.last;
        return out;
    }

    @JsonValue
    List<Recorded> toList() {
        return List.of(toArray());
    }

    @JsonCreator
    static History of(List<Recorded> calls) {
        History h = EMPTY;
        if (calls != null) {
            for (Recorded r : calls) h = h.plus(r);
        }
        return h;
    }

    @Override
    public String toString() {
        return size + " calls";
    }

    /** For tests: the calls, oldest first. */
    List<Recorded> calls() {
        return new ArrayList<>(List.of(toArray()));
    }
}
