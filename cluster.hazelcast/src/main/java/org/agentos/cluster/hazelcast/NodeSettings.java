package org.agentos.cluster.hazelcast;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A node's settings, checked: a configuration typed by hand in {@code etc/} gets one clear line
 * saying what is wrong, not a Hazelcast stack trace.
 */
record NodeSettings(String name, String clusterName, String bindInterface, int port, List<String> members,
                    int failureDetectionSeconds, int publishSeconds) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern MEMBER = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,255}");

    NodeSettings {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("node name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        if (clusterName == null || !NAME.matcher(clusterName).matches()) {
            throw new IllegalArgumentException("cluster name '" + clusterName + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        if (bindInterface == null || bindInterface.isBlank()) throw new IllegalArgumentException("interface is required (127.0.0.1 by default)");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is not a TCP port");
        for (String m : members) {
            if (!MEMBER.matcher(m).matches()) throw new IllegalArgumentException("member '" + m + "' is not host or host:port");
        }
        if (failureDetectionSeconds < 2 || failureDetectionSeconds > 600) {
            throw new IllegalArgumentException("failureDetectionSeconds " + failureDetectionSeconds + " is not within 2..600");
        }
        if (publishSeconds < 1 || publishSeconds > 60) throw new IllegalArgumentException("publishSeconds " + publishSeconds + " is not within 1..60");
        members = List.copyOf(members);
    }

    /** The members list of {@code etc/org.agentos.cluster.cfg}: comma- or space-separated host[:port]. */
    static List<String> members(String list) {
        List<String> out = new ArrayList<>();
        if (list == null) return out;
        for (String m : list.split("[,\\s]+")) {
            if (!m.isBlank()) out.add(m.strip());
        }
        return out;
    }

    static NodeSettings of(ClusterNode.Settings s) {
        String name = s.node_name();
        if (name == null || name.isBlank()) name = defaultName(s.port());
        return new NodeSettings(name, s.cluster_name(), s.bind(), s.port(), members(s.members()), s.failureDetectionSeconds(),
                s.publishSeconds());
    }

    /** Without a configured name: the host's name and the member's port, unique on one machine too. */
    static String defaultName(int port) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "node";
        }
        String cleaned = host.replaceAll("[^A-Za-z0-9_.-]", "-");
        if (cleaned.isEmpty() || !Character.isLetterOrDigit(cleaned.charAt(0))) cleaned = "node" + cleaned;
        if (cleaned.length() > 50) cleaned = cleaned.substring(0, 50);
        return cleaned + "-" + port;
    }
}
