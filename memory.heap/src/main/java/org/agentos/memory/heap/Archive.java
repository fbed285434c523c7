package org.agentos.memory.heap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Paged-out working entries of one space, whole, on the heap. Paging out shrinks the context
 * window (what a process sends to its model), not the JVM heap: this manager has nowhere else to
 * put the bytes. Recall ranks by how many query words an entry's key, summary and text contain.
 */
final class Archive {
    private final Map<String, Entry> entries = new HashMap<>();

    void put(Entry resident) {
        entries.put(resident.key(), resident);
    }

    Entry get(String key) {
        return entries.get(key);
    }

    Entry remove(String key) {
        return entries.remove(key);
    }

    int size() {
        return entries.size();
    }

    void copyInto(Archive other) {
        other.entries.putAll(entries);
    }

    /**
     * Keys of the archived entries that contain any of {@code words}, best first: more distinct
     * words, then more occurrences, then key order (so equal queries recall the same entries).
     */
    List<String> rank(List<String> words, int limit) {
        record Hit(String key, int distinct, int occurrences) {}
        List<Hit> hits = new ArrayList<>();
        for (Entry e : entries.values()) {
            String text = Words.text(e);
            int distinct = 0;
            int occurrences = 0;
            for (String w : words) {
                int n = Words.count(text, w);
                if (n > 0) distinct++;
                occurrences += n;
            }
            if (distinct > 0) hits.add(new Hit(e.key(), distinct, occurrences));
        }
        hits.sort(Comparator.comparingInt(Hit::distinct).reversed()
                .thenComparing(Comparator.comparingInt(Hit::occurrences).reversed())
                .thenComparing(Hit::key));
        return hits.stream().limit(limit).map(Hit::key).toList();
    }
}
