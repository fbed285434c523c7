/** The {@code cluster:*} console commands. */
package org.agentos.cluster.hazelcast.shell;
