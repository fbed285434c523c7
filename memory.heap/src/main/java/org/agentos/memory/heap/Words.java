package org.agentos.memory.heap;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The little text matching search and recall need: lower-cased words, substring counts. */
final class Words {
    private Words() {}

    /** The distinct words of a query, lower case; letters, digits and _ make a word. */
    static List<String> of(String query) {
        Set<String> out = new LinkedHashSet<>();
        if (query != null) {
            for (String w : query.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_]+")) if (!w.isEmpty()) out.add(w);
        }
        return List.copyOf(out);
    }

    /** An entry's searchable text (it must hold its value: resident, or the archive's copy). */
    static String text(Entry e) {
        return (e.key() + " " + (e.summary() == null ? "" : e.summary()) + " "
                + (e.json() == null ? "" : e.json().toString())).toLowerCase(Locale.ROOT);
    }

    static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + word.length())) n++;
        return n;
    }
}
