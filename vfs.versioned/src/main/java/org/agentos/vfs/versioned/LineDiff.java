package org.agentos.vfs.versioned;

import java.util.ArrayList;
import java.util.List;

/**
 * Unified diff of two texts by lines (three lines of context, like {@code diff -u}). The common
 * head and tail are cut first, so an edit in a large file costs only its changed middle; that
 * middle is compared by longest common subsequence, bounded by {@link #MAX_CELLS}.
 */
final class LineDiff {
    static final long MAX_CELLS = 4_000_000;
    private static final int CONTEXT = 3;

    private LineDiff() {}

    /** The diff, "" when the texts are equal; null when the changed part is too large to compare. */
    static String unified(String a, String b, String fromLabel, String toLabel) {
        List<String> x = lines(a);
        List<String> y = lines(b);
        int head = 0;
        while (head < x.size() && head < y.size() && x.get(head).equals(y.get(head))) head++;
        int tail = 0;
        while (tail < x.size() - head && tail < y.size() - head
                && x.get(x.size() - 1 - tail).equals(y.get(y.size() - 1 - tail))) tail++;
        int n = x.size() - head - tail;
        int m = y.size() - head - tail;
        if (n == 0 && m == 0) return "";
        if ((long) (n + 1) * (m + 1) > MAX_CELLS) return null;
        // ops over the whole texts: ' ' same, '-' only in a, '+' only in b
        List<char[]> ops = new ArrayList<>();
        for (int i = 0; i < head; i++) ops.add(new char[] {' '});
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = x.get(head + i).equals(y.get(head + j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && x.get(head + i).equals(y.get(head + j))) {
                ops.add(new char[] {' '});
                i++;
                j++;
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.add(new char[] {'-'}); // removals first, as diff -u prints them
                i++;
            } else {
                ops.add(new char[] {'+'});
                j++;
            }
        }
        for (int t = 0; t < tail; t++) ops.add(new char[] {' '});
        return render(ops, x, y, fromLabel, toLabel);
    }

    private static String render(List<char[]> ops, List<String> x, List<String> y, String from, String to) {
        StringBuilder out = new StringBuilder("--- ").append(from).append("\n+++ ").append(to).append('\n');
        int k = 0;
        int[] ai = new int[ops.size() + 1];
        int[] bi = new int[ops.size() + 1];
        for (int t = 0; t < ops.size(); t++) {
            char c = ops.get(t)[0];
            ai[t + 1] = ai[t] + (c != '+' ? 1 : 0);
            bi[t + 1] = bi[t] + (c != '-' ? 1 : 0);
        }
        while (k < ops.size()) {
            if (ops.get(k)[0] == ' ') {
                k++;
                continue;
            }
            int start = Math.max(0, k - CONTEXT);
            int end = k;
            // extend the hunk while changes are closer than 2 * CONTEXT lines
            int lastChange = k;
            while (end < ops.size()) {
                if (ops.get(end)[0] != ' ') lastChange = end;
                else if (end - lastChange > 2 * CONTEXT) break;
                end++;
            }
            end = Math.min(ops.size(), lastChange + 1 + CONTEXT);
            int aLen = ai[end] - ai[start];
            int bLen = bi[end] - bi[start];
            out.append("@@ -").append(ai[start] + (aLen == 0 ? 0 : 1)).append(',').append(aLen)
                    .append(" +").append(bi[start] + (bLen == 0 ? 0 : 1)).append(',').append(bLen).append(" @@\n");
            for (int t = start; t < end; t++) {
                char c = ops.get(t)[0];
                String line = c == '+' ? y.get(bi[t]) : x.get(ai[t]);
                out.append(c).append(line).append('\n');
            }
            k = end;
        }
        return out.toString();
    }

    private static List<String> lines(String s) {
        List<String> out = new ArrayList<>();
        if (s.isEmpty()) return out;
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                out.add(s.substring(from, i));
                from = i + 1;
            }
        }
        if (from < s.length()) out.add(s.substring(from));
        return out;
    }
}
