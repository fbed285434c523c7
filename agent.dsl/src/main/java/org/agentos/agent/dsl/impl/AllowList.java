package org.agentos.agent.dsl.impl;

import java.util.Set;

/**
 * What workflow code may use: an allow-list, because the source is untrusted (a model may have
 * written it) and runs in the kernel's JVM. The runtime's failure type, the stubs, JSON values,
 * and a named, deterministic part of the JDK: strings, boxes, maths, collections, functions,
 * streams (sequential), regular expressions, big numbers. Not the clock, Random, threads,
 * reflection, class loading, System, Runtime, processes, files or sockets: the time and random
 * numbers come through tools (clock.now, random.int), so that a replay sees the same.
 */
final class AllowList {
    private AllowList() {}

    /** Packages whose every class is allowed. */
    private static final Set<String> PACKAGES = Set.of(
            "java.util.function",
            "java.util.stream",
            "com.fasterxml.jackson.databind.node",
            StubGenerator.PACKAGE);

    /** Classes allowed one by one (binary names with dots, nested with $). */
    private static final Set<String> CLASSES = Set.of(
            "java.lang.Object", "java.lang.String", "java.lang.StringBuilder", "java.lang.CharSequence",
            "java.lang.Math", "java.lang.StrictMath", "java.lang.Integer", "java.lang.Long", "java.lang.Double",
            "java.lang.Float", "java.lang.Short", "java.lang.Byte", "java.lang.Boolean", "java.lang.Character",
            "java.lang.Number", "java.lang.Comparable", "java.lang.Iterable", "java.lang.Record", "java.lang.Enum",
            "java.lang.Void", "java.lang.AutoCloseable", "java.lang.Override", "java.lang.Deprecated",
            "java.lang.SuppressWarnings", "java.lang.FunctionalInterface", "java.lang.SafeVarargs",
            "java.lang.Throwable", "java.lang.Exception", "java.lang.RuntimeException",
            "java.lang.IllegalArgumentException", "java.lang.IllegalStateException", "java.lang.ArithmeticException",
            "java.lang.NullPointerException", "java.lang.IndexOutOfBoundsException",
            "java.lang.ArrayIndexOutOfBoundsException", "java.lang.StringIndexOutOfBoundsException",
            "java.lang.UnsupportedOperationException", "java.lang.NumberFormatException",
            "java.lang.ClassCastException", "java.lang.NoSuchFieldError",
            "java.util.List", "java.util.ArrayList", "java.util.LinkedList", "java.util.Map", "java.util.Map$Entry",
            "java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.SortedMap",
            "java.util.NavigableMap", "java.util.Set", "java.util.HashSet", "java.util.LinkedHashSet",
            "java.util.TreeSet", "java.util.SortedSet", "java.util.NavigableSet", "java.util.Collection",
            "java.util.Collections", "java.util.Arrays", "java.util.Objects", "java.util.Optional",
            "java.util.OptionalInt", "java.util.OptionalLong", "java.util.OptionalDouble", "java.util.Iterator",
            "java.util.ListIterator", "java.util.Comparator", "java.util.Deque", "java.util.ArrayDeque",
            "java.util.Queue", "java.util.StringJoiner", "java.util.NoSuchElementException",
            "java.util.regex.Pattern", "java.util.regex.Matcher", "java.util.regex.MatchResult",
            "java.math.BigInteger", "java.math.BigDecimal", "java.math.RoundingMode",
            "java.time.Duration",
            "com.fasterxml.jackson.databind.JsonNode",
            "org.agentos.agent.runtime.SyscallFailure",
            "org.agentos.kernel.api.syscall.Errno",
            "org.agentos.agent.dsl.ToolResult");

    /** Members no class may offer a workflow: reflection, monitors, output, threads. */
    private static final Set<String> DENIED_MEMBERS = Set.of("getClass", "wait", "notify", "notifyAll", "finalize",
            "printStackTrace", "parallel", "parallelStream", "setStackTrace");

    /** Members allowed classes have that are still refused, as Class.member. */
    private static final Set<String> DENIED_QUALIFIED = Set.of(
            "java.time.Duration.from", // Duration is a value; nothing in it reads the clock, but keep it a value
            "org.agentos.agent.runtime.SyscallFailure.getStackTrace");

    /**
     * Whether a workflow may catch {@code binaryName}: not Throwable or Error, as the runtime
     * unwinds agent code (eviction, divergence) with an Error that must pass through.
     */
    static boolean catchable(String binaryName) {
        return !binaryName.equals("java.lang.Throwable") && !binaryName.equals("java.lang.Error");
    }

    /** Whether workflow code may use class {@code binaryName} (its own classes aside). */
    static boolean allowsClass(String binaryName) {
        String name = binaryName;
        while (name.startsWith("[")) name = name.substring(1);
        if (CLASSES.contains(name)) return true;
        int dot = name.lastIndexOf('.');
        return dot > 0 && PACKAGES.contains(name.substring(0, dot));
    }

    /** Why member {@code member} of allowed class {@code owner} is refused, or null. */
    static String refusesMember(String owner, String member) {
        if (DENIED_MEMBERS.contains(member)) return member + " is not available to workflows";
        if (DENIED_QUALIFIED.contains(owner + "." + member)) return owner + "." + member + " is not available to workflows";
        return null;
    }

    /** The message for a class a workflow may not use. */
    static String refusesClass(String binaryName) {
        String why;
        if (binaryName.startsWith("java.lang.reflect") || binaryName.equals("java.lang.Class")
                || binaryName.equals("java.lang.ClassLoader") || binaryName.startsWith("java.lang.invoke")) {
            why = "reflection and class loading";
        } else if (binaryName.equals("java.lang.Thread") || binaryName.startsWith("java.util.concurrent")) {
            why = "threads (a workflow's calls are its only concurrency)";
        } else if (binaryName.equals("java.lang.System") || binaryName.equals("java.lang.Runtime")
                || binaryName.equals("java.lang.ProcessBuilder")) {
            why = "the JVM and host processes";
        } else if (binaryName.startsWith("java.io") || binaryName.startsWith("java.nio") || binaryName.startsWith("java.net")) {
            why = "I/O outside syscalls (use the fs.*, http.fetch ... tools)";
        } else if (binaryName.equals("java.util.Random") || binaryName.startsWith("java.time")
                || binaryName.equals("java.util.Date") || binaryName.equals("java.util.UUID")) {
            why = "the clock and random numbers outside syscalls (use clock.now, random.int: a replay sees the same)";
        } else {
            why = "not on the workflow allow-list (docs/workflows.md)";
        }
        return binaryName + " is not available to workflows: " + why;
    }
}
