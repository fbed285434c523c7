/**
 * Several installations as one system: the nodes of the cluster this installation belongs to.
 * Served by the cluster bundle ({@code agentos-cluster}) when it is installed; absent otherwise.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.agentos.kernel.api.cluster;
