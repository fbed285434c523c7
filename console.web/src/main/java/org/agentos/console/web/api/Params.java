package org.agentos.console.web.api;

import java.util.Map;

/** A request's query parameters, checked: hostile input gets EINVAL with what was wrong. */
public final class Params {
    private final Map<String, String[]> raw;

    public Params(Map<String, String[]> raw) {
        this.raw = raw;
    }

    public String text(String name, int maxLength) throws ApiException {
        String[] v = raw.get(name);
        if (v == null || v.length == 0 || v[0].isEmpty()) return null;
        if (v[0].length() > maxLength) throw ApiException.invalid(name + " is longer than " + maxLength + " characters");
        return v[0];
    }

    public long number(String name, long dflt, long min, long max) throws ApiException {
        String s = text(name, 20);
        if (s == null) return dflt;
        try {
            long n = Long.parseLong(s);
            if (n < min || n > max) throw ApiException.invalid(name + " is " + min + ".." + max + ", not " + n);
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.invalid(name + " must be a number, not '" + s + "'");
        }
    }

    public boolean flag(String name) throws ApiException {
        String s = text(name, 5);
        return "true".equals(s) || "1".equals(s);
    }

    public <E extends Enum<E>> E choice(String name, Class<E> type, E dflt) throws ApiException {
        String s = text(name, 32);
        if (s == null) return dflt;
        try {
            return Enum.valueOf(type, s.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder names = new StringBuilder();
            for (E c : type.getEnumConstants()) names.append(names.length() == 0 ? "" : ", ").append(c.name().toLowerCase(java.util.Locale.ROOT));
            throw ApiException.invalid(name + " is one of " + names + ", not '" + s + "'");
        }
    }
}
